"""The search page: the tickets a query finds, ranked, each with a piece of where it matched. A query that is
nothing but a ticket's key the user may see goes straight to that ticket."""

from flask import Blueprint, g, redirect, render_template, request, url_for

from engine.errors import InvalidInput
from engine.services import search, ticket_list
from webapp.pages import signed_in
from webapp.pages.tickets import error_text
from webapp.wiring import supportflow

bp = Blueprint("search", __name__)  # endpoints: search.index

SHOWN = 50


@bp.get("/search")
@signed_in
def index():
    q = request.args.get("q", "").strip()
    sf = supportflow()
    results, problem = [], None
    if q:
        try:
            target = search.jump_target(sf, g.actor, q)
            if target is not None:
                return redirect(url_for("tickets.show", key=target))
            results = ticket_list.list_tickets(sf, g.actor, {"q": q, "limit": SHOWN})["items"]
        except InvalidInput as err:
            problem = error_text(err)
    return render_template("search/index.html", q=q, results=results, problem=problem)
