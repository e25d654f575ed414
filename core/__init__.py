"""crm-suite core: the thin platform that loads business modules."""

from __future__ import annotations

__version__ = "0.1.0"
