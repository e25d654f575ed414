"""No hooks: the upgrade test is about migrations."""
