"""Alembic environment: always runs on the connection core hands it.

core.migrate passes the open connection (inside the install transaction) in
``config.attributes["connection"]``; Alembic never opens its own, so a failing
migration rolls back together with everything else of the same operation.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=True,
    include_object=config.attributes.get("include_object"),
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
