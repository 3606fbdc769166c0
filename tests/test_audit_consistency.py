"""The consistency check of state against audit trail finds nothing on honest histories and names each
kind of tampering."""

from sqlalchemy import update

from engine.services.audit import consistency_problems
from engine.store.tables import instances, tasks, tickets


def test_a_walked_path_is_consistent_and_tampering_is_named(desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Which steps lead to the error?")
    desk.complete(key, "provide_information", "customer", information="Steps to reproduce")
    other = desk.submit()["key"]
    desk.complete(other, "triage", "support", category="feature", priority="low", outcome="someday")
    desk.later(days=31)
    assert consistency_problems(desk.sf) == []
    with desk.sf.db.write() as conn:
        conn.execute(update(instances).where(instances.c.id == 1).values(step_count=instances.c.step_count + 1))
        conn.execute(update(tickets).where(tickets.c.id == 2).values(resolution="fixed"))
        conn.execute(update(tasks).where(tasks.c.ticket_id == 1, tasks.c.state == "open").values(state="completed"))
    problems = consistency_problems(desk.sf)
    assert "instance 1 (SUP-1): step_count 4, but 3 step events" in problems
    assert "SUP-2: resolution is 'fixed', its trail says 'wont_fix'" in problems
    assert "instance 1: 2 completed triage task(s), 1 task_completed event(s)" in problems
