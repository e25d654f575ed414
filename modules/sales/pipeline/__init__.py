"""Sales, part 'pipeline': what this part gives to the module's hooks (see modules/sales/plugin.py)."""
