from __future__ import annotations

from spec_owner import hookspecs as HOOKSPECS  # noqa: N812, F401  (core adds these specs)
