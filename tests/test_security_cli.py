"""``crm users`` and ``crm tokens`` on a real database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from core.app import create_app
from core.testing import base_config, dispose


def _rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_users_create_with_stdin_or_prompt_and_its_refusals(crm_cli) -> None:
    created = crm_cli("users", "create", "Ada@Example.test", "--role", "admin", "--name", "Ada", "--password-stdin",
                      input="a fine long passphrase\n")
    assert created.exit_code == 0, created.output
    assert "created user" in created.output
    assert _rows(crm_cli.url, "SELECT email, role, name, active FROM core_user") == [
        ("ada@example.test", "admin", "Ada", True)
    ]

    prompted = crm_cli("users", "create", "bob@example.test", "--role", "user",
                       input="another long passphrase\nanother long passphrase\n")
    assert prompted.exit_code == 0, prompted.output
    assert "Repeat the password" in prompted.output

    duplicate = crm_cli("users", "create", "ADA@example.test", "--role", "user", "--password-stdin",
                        input="a fine long passphrase\n")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output

    unknown = crm_cli("users", "create", "cy@example.test", "--role", "boss", "--password-stdin",
                      input="a fine long passphrase\n")
    assert unknown.exit_code == 1 and "Unknown role 'boss'" in unknown.output

    short = crm_cli("users", "create", "cy@example.test", "--role", "user", "--password-stdin", input="tiny\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    common = crm_cli("users", "create", "cy@example.test", "--role", "user", "--password-stdin",
                     input="password1234\n")
    assert common.exit_code == 1 and "common passwords" in common.output
    assert _rows(crm_cli.url, "SELECT COUNT(*) FROM core_user") == [(2,)]


def test_set_password_and_tokens(crm_cli, tmp_path: Path) -> None:
    from core.extensions import db
    from core.security import service

    assert crm_cli("users", "create", "ada@example.test", "--role", "manager", "--password-stdin",
                   input="first long passphrase\n").exit_code == 0
    changed = crm_cli("users", "set-password", "ada@example.test", "--password-stdin", input="second long passphrase\n")
    assert changed.exit_code == 0, changed.output
    weak = crm_cli("users", "set-password", "ada@example.test", "--password-stdin", input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    missing = crm_cli("users", "set-password", "nobody@example.test", "--password-stdin", input="x" * 20 + "\n")
    assert missing.exit_code == 1 and "no user" in missing.output

    made = crm_cli("tokens", "create", "ada@example.test", "--name", "reports")
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("crm_")
    assert crm_cli("tokens", "create", "nobody@example.test").exit_code == 1
    ((token_id, stored),) = _rows(crm_cli.url, "SELECT id, token_hash FROM core_api_token")
    assert token not in stored

    app = create_app(base_config(crm_cli.url, tmp_path))
    try:
        with app.app_context():
            assert service.authenticate("ada@example.test", "second long passphrase") is not None
            assert service.authenticate("ada@example.test", "first long passphrase") is None
            db.session.rollback()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        revoked = crm_cli("tokens", "revoke", str(token_id))
        assert revoked.exit_code == 0 and "revoked" in revoked.output
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        assert crm_cli("tokens", "revoke", "4242").exit_code == 1
    finally:
        dispose(app)
