"""No hooks."""
