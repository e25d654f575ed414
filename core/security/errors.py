"""Errors of account operations; their message is shown to the user as is."""

from __future__ import annotations


class SecurityError(ValueError):
    """An account, role, department or grant operation was refused; the message says why."""
