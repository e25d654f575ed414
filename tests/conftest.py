"""Shared helpers for core tests (fixtures themselves come from core/testing.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ADDONS = Path(__file__).parent / "addons"


@pytest.fixture
def addons(monkeypatch: pytest.MonkeyPatch):
    """``addons("basic", "failmig")`` puts those test module folders on CRM_ADDONS_PATH."""

    def use(*names: str) -> str:
        value = os.pathsep.join(str(ADDONS / name) for name in names)
        monkeypatch.setenv("CRM_ADDONS_PATH", value)
        return value

    return use
