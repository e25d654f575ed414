"""A bridge module: it links alpha and gamma and installs itself when both are present."""
