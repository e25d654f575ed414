"""``crm users ...`` and ``crm tokens ...``: accounts from the command line.

They run on a maintenance app (core only), so they work even when a module
is broken, and bring core's tables up to date first (``crm users create`` is
how a container gets its first administrator).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa

from core.extensions import db


def _fail(message: str) -> None:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


@contextmanager
def _app_context() -> Iterator[None]:
    from core.app import create_app
    from core.lifecycle import ModuleManager
    from core.loader import ModuleError

    try:
        app = create_app(modules=False)
        ModuleManager(app).upgrade_core()
    except (ModuleError, RuntimeError, sa.exc.SQLAlchemyError) as exc:
        _fail(str(exc))
        raise  # unreachable
    try:
        with app.app_context():
            yield
    finally:
        with app.app_context():
            db.engine.dispose()


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@click.group("users")
def users() -> None:
    """Create users and set passwords."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, help="admin, manager, user or a role an administrator added")
@click.option("--name", default="", help="the person's name")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
def users_create(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user with role ROLE (asks for the password twice)."""
    from core.security import service
    from core.security.errors import SecurityError

    with _app_context():
        if service.user_by_email(email) is not None:
            _fail(f"a user with the e-mail address {email.strip().lower()} already exists")
        password = _read_password(password_stdin)
        try:
            user = service.create_user(email, password, role=role, name=name)
        except SecurityError as exc:
            db.session.rollback()
            _fail(str(exc))
            return
        db.session.commit()
        click.echo(f"created user {user.id} {user.email} (role {user.role})")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a new password (ends the user's other sessions)."""
    from core.security import service
    from core.security.errors import SecurityError

    with _app_context():
        user = service.user_by_email(email)
        if user is None:
            _fail(f"no user with the e-mail address {email}")
            return
        try:
            service.set_password(user, _read_password(password_stdin))
        except SecurityError as exc:
            db.session.rollback()
            _fail(str(exc))
            return
        db.session.commit()
        click.echo(f"password of {user.email} changed")


@users.command("list")
def users_list() -> None:
    """E-mail, role and state of every user."""
    from core.security.models import User

    with _app_context():
        for user in db.session.scalars(sa.select(User).order_by(User.email)):
            state = "active" if user.active else "disabled"
            click.echo(f"{user.id:>5}  {user.email:<40}  {user.role:<12}  {state}")


@click.group("tokens")
def tokens() -> None:
    """Personal API tokens (sent as ``Authorization: Bearer TOKEN``)."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="", help="what the token is for")
def tokens_create(email: str, name: str) -> None:
    """Create an API token for EMAIL and print it (only this once)."""
    from core.security import service
    from core.security.tokens import create_token

    with _app_context():
        user = service.user_by_email(email)
        if user is None:
            _fail(f"no user with the e-mail address {email}")
            return
        if not user.active:
            _fail(f"the user {user.email} is disabled")
        row, token = create_token(user, name)
        db.session.commit()
        click.echo(f"token {row.id} for {user.email} (store it now, it is not shown again):", err=True)
        click.echo(token)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with id TOKEN_ID."""
    from core.security.tokens import TokenError, revoke_token

    with _app_context():
        try:
            row = revoke_token(token_id)
        except TokenError:
            _fail(f"no token with id {token_id}")
            return
        db.session.commit()
        click.echo(f"token {row.id} ({row.prefix}…) revoked")
