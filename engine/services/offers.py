"""The offer of a feature or change request, as the customer decides on it: the latest estimate (hours, cost,
delivery date) with the offer text the product owner approved it with. Read from the audit trail, because the
customer's view of the trail hides what staff entered. Which tasks estimate and approve, the diagrams say (the
property offer = estimate / approval, docs/PROCESS_CONVENTIONS.md), in any version the ticket's instance ran."""

from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.tickets import visible_ticket
from engine.store import history

# The offer steps whose page shows the offer: the approval (staff see the estimate) and the customer's decision.
SHOWN_ON = ("approval", "decision")


def current_offer(sf: Supportflow, actor: Actor, key: str) -> dict | None:
    """{hours, cost, delivery_date, offer_text} of the ticket's latest estimate, or None when there is none.
    Customers only see an estimate once it was approved; staff see it before (offer_text is None then)."""
    with sf.db.read() as conn:
        number = visible_ticket(conn, actor, key)["id"]  # NotFound for a ticket the actor may not see
        events = history.events_of_ticket(conn, number)
        estimates = sf.definitions.offer_steps(conn, "estimate")
        approvals = sf.definitions.offer_steps(conn, "approval")
    offer, approved = None, False
    for event in events:
        if event["kind"] != "task_completed" or event["element"] not in estimates | approvals:
            continue
        data = event["detail"].get("data") or {}
        if event["element"] in estimates:
            offer = {"hours": data.get("hours"), "cost": data.get("cost"), "currency": sf.settings.currency,
                     "delivery_date": data.get("delivery_date"), "offer_text": None}
            approved = False
        elif offer is not None:
            approved = data.get("approved") is True
            offer["offer_text"] = data.get("offer_text") if approved else None
    if offer is None or (not approved and not actor.can("ticket:internal")):
        return None
    return offer
