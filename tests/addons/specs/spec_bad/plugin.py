from __future__ import annotations

from spec_bad import hookspecs as HOOKSPECS  # noqa: N812, F401  (core adds these specs)
