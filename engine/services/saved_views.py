"""Saved views of the staff ticket list: a name and the list's filters. Every staff member keeps their own; the
shared ones everyone sees are created and changed by those holding `view:share` (support masters, admins). The
five shared views supportflow ships (revision 0011) carry a `builtin` key: their names are said in the reader's
language and they are never changed or deleted. Someone else's personal view does not exist for the caller."""

from marshmallow import Schema, fields, validate

from engine.domain import MAX_ID
from engine.errors import Conflict, InvalidInput, NotFound
from engine.i18n import lazy
from engine.services import ticket_list
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.store import saved_views as view_store
from engine.store.records import SavedViewRow

NO_SUCH_VIEW = lazy("There is no saved view {id}.")
BUILTIN_STAYS = lazy("The built-in views stay as they are shipped; save a view of your own instead.")
EMPTY_NAME = lazy("Give the view a name.")
TOO_MANY = lazy("There are {limit} such views already; delete one you no longer need first.")

MAX_SHARED, MAX_PERSONAL = 100, 50
PAGING = ("before", "limit")  # where a list is, not what it shows: never part of a view
BUILTIN_NAMES = {"my_open": lazy("My open tickets"), "unassigned": lazy("Unassigned"),
                 "waiting_for_customer": lazy("Waiting for the customer"), "reopened": lazy("Reopened"),
                 "overdue": lazy("Overdue")}
_FILTERS = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                       values=fields.String(validate=validate.Length(max=300)), metadata={
                           "description": "The list's filters, as GET /tickets takes them (its query string)"})


class NewViewSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    filters = fields.Dict(required=True, keys=_FILTERS.key_field, values=_FILTERS.value_field,
                          metadata=_FILTERS.metadata)
    shared = fields.Boolean(load_default=False, metadata={
        "description": "Every staff member sees it (support masters and admins only); else the caller's own"})
    position = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000))


class ViewChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    filters = fields.Dict(keys=_FILTERS.key_field, values=_FILTERS.value_field, metadata=_FILTERS.metadata)
    shared = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=0, max=1000))


def view(row: SavedViewRow) -> dict:
    builtin = row["builtin"]
    return {"id": row["id"], "name": str(BUILTIN_NAMES[builtin]) if builtin in BUILTIN_NAMES else row["name"],
            "builtin": builtin, "shared": row["owner_id"] is None, "filters": dict(row["filters"]),
            "position": row["position"], "created_at": row["created_at"].isoformat()}


def list_views(sf: Supportflow, actor: Actor) -> list[dict]:
    """The shared views, then the actor's own, each in position order."""
    actor.require("ticket:list")
    with sf.db.read() as conn:
        return [view(row) for row in view_store.visible_to(conn, actor.id)]


def _visible(conn, actor: Actor, view_id: int) -> SavedViewRow:
    row = view_store.view_by_id(conn, view_id) if 0 < view_id <= MAX_ID else None
    if row is None or row["owner_id"] not in (None, actor.id):
        raise NotFound(NO_SUCH_VIEW.format(id=view_id))
    return row


def _clean(actor: Actor, values: dict) -> dict:
    """The name trimmed; the filters checked as the list checks them, paging and empty ones left out."""
    if "name" in values:
        values["name"] = " ".join(values["name"].split())
        if not values["name"]:
            raise InvalidInput({"name": [EMPTY_NAME]})
    if "filters" in values:
        kept = {key: value.strip() for key, value in values["filters"].items() if key not in PAGING and value.strip()}
        try:
            ticket_list.load_filters(actor, kept)
        except InvalidInput as err:
            raise InvalidInput({f"filters.{key}": messages for key, messages in err.errors.items()}) from None
        values["filters"] = kept
    return values


def create_view(sf: Supportflow, actor: Actor, data) -> dict:
    actor.require("ticket:list")
    values = _clean(actor, load_input(NewViewSchema(), data))
    if values["shared"]:
        actor.require("view:share")
    owner_id = None if values["shared"] else actor.id
    with sf.db.write() as conn:
        limit = MAX_SHARED if owner_id is None else MAX_PERSONAL
        if view_store.count_of(conn, owner_id) >= limit:
            raise InvalidInput({"_schema": [TOO_MANY.format(limit=limit)]})
        view_id = view_store.insert_view(conn, owner_id=owner_id, name=values["name"], filters=values["filters"],
                                         position=values["position"], at=sf.clock.now())
        return view(_visible(conn, actor, view_id))


def update_view(sf: Supportflow, actor: Actor, view_id: int, data) -> dict:
    """Change a view; a shared one (or one becoming shared) only with `view:share`. A shared view made personal
    becomes the caller's."""
    actor.require("ticket:list")
    values = _clean(actor, load_input(ViewChangeSchema(), data))
    with sf.db.write() as conn:
        row = _changeable(conn, actor, view_id)
        shared = values.pop("shared", row["owner_id"] is None)
        if shared:
            actor.require("view:share")
        view_store.update_view(conn, view_id, {**values, "owner_id": None if shared else actor.id})
        return view(_visible(conn, actor, view_id))


def delete_view(sf: Supportflow, actor: Actor, view_id: int) -> None:
    actor.require("ticket:list")
    with sf.db.write() as conn:
        _changeable(conn, actor, view_id)
        view_store.delete_view(conn, view_id)


def _changeable(conn, actor: Actor, view_id: int) -> SavedViewRow:
    """The view, if the actor may change it: their own, or a shared one with `view:share`; never a built-in one."""
    row = _visible(conn, actor, view_id)
    if row["builtin"] is not None:
        raise Conflict(BUILTIN_STAYS)
    if row["owner_id"] is None:
        actor.require("view:share")
    return row
