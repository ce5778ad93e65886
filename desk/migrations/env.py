"""Alembic's entry point for the desk store's migrations. carewire runs them itself
(desk/schema.py: `upgrade`), on the connection it already holds under the store's lock;
there is no alembic.ini and no offline (SQL script) mode."""

from alembic import context

from carewire.desk.schema import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the desk store is migrated by carewire (desk/schema.py: upgrade), "
                       "on a connection it passes in; open it with carewire.desk.store.Desk")
# Batch mode, so a later revision can alter a column on SQLite (by copying the table).
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
