"""Alembic environment: runs the schema revisions on the connection supportflow hands it."""

from alembic import context

from engine.store.search import is_search_object
from engine.store.tables import UtcDateTime, metadata


def _render_item(type_, obj, _autogen_context):
    # Migrations must not import our Python-side type: in the database it is a timezone-aware datetime.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name, type_, _parent_names):
    # The search table differs per dialect (FTS5 and its shadow tables, or a tsvector with a GIN index): revision
    # 0009 makes it by hand, so autogenerate leaves it alone.
    return not (type_ in ("table", "index") and is_search_object(name))


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  render_item=_render_item, include_name=_include_name)
with context.begin_transaction():
    context.run_migrations()
