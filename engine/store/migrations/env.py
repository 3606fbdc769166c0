"""Alembic environment: runs the migrations on the connection supportflow hands it."""

from alembic import context

from engine.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
