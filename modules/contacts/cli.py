"""``crm contacts …``: the module's command line (returned by ``crm_cli_commands``).

``crm contacts import FILE`` runs the same importer as the web pages, in the
foreground, as the system (no record rules; ``--owner`` names who owns the
new contacts). It prints a summary and every row error, and exits with 1
when nothing was imported because of bad rows (``--on-error abort``) or a
bad file; with ``--on-error skip`` bad rows are reported and the rest is
imported (exit 0).
"""

from __future__ import annotations

import sys

import click

from core import toolkit


@click.group("contacts")
def contacts() -> None:
    """Customers: import contacts."""


@contacts.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="check everything and report, write nothing")
@click.option("--on-error", type=click.Choice(["abort", "skip"]), default="abort", show_default=True,
              help="abort: import nothing if any row is bad; skip: import the good rows")
@click.option("--dedupe", type=click.Choice(["skip", "update", "create"]), default="skip", show_default=True,
              help="rows matching an existing contact (e-mail, then phone): skip, update it, or create anyway")
@click.option("--encoding", default=None, help="e.g. utf-8, gbk, latin-1 (default: detect)")
@click.option("--delimiter", default=None, help="column separator: , ; tab | (default: detect)")
@click.option("--owner", "owner_email", default=None, help="e-mail of the user who owns the new contacts")
def import_command(file: str, dry_run: bool, on_error: str, dedupe: str, encoding: str | None,
                   delimiter: str | None, owner_email: str | None) -> None:
    """Import contacts from a CSV, XLSX or vCard FILE."""
    from modules.contacts.importer import ImportOptions, import_file

    owner_id = None
    if owner_email:
        owner_id = toolkit.db.session.scalar(
            toolkit.sa.select(toolkit.User.id).where(toolkit.sa.func.lower(toolkit.User.email) == owner_email.lower())
        )
        if owner_id is None:
            click.secho(f"Error: there is no user with the e-mail address {owner_email}.", fg="red", err=True)
            sys.exit(1)

    def progress(pct: float, message: str = "") -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{int(pct):3d} % {message}", nl=False, err=True)

    options = ImportOptions(dry_run=dry_run, on_error=on_error, dedupe=dedupe, encoding=encoding,
                            delimiter=delimiter, owner_id=owner_id, commit=not dry_run, progress=progress)
    result = import_file(file, options)
    if sys.stderr.isatty():
        click.echo("", err=True)
    for error in result.errors:
        click.echo(f"line {error.line}, {error.column or '-'}: {error.message}", err=True)
    if result.error or result.aborted:
        click.secho(result.message(), fg="red", err=True)
    else:
        click.echo(result.message())
    click.echo(f"{result.rows} rows in {result.seconds:.2f} s ({result.rows_per_s:.0f} rows/s)")
    if result.error or (result.failed and on_error == "abort"):
        sys.exit(1)


def commands() -> list[click.Command]:
    return [contacts]
