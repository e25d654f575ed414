"""gamma declares nothing: a module may be pure configuration."""
