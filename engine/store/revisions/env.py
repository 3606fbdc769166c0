"""Alembic environment: runs the schema revisions on the connection supportflow hands it."""

from alembic import context

from engine.store.tables import UtcDateTime, metadata


def _render_item(type_, obj, _autogen_context):
    # Migrations must not import our Python-side type: in the database it is a timezone-aware datetime.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  render_item=_render_item)
with context.begin_transaction():
    context.run_migrations()
