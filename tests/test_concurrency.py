"""Two people completing the same task at the same moment: exactly one wins, the other gets a 409,
and the state is that of the single completion. Real threads, on every backend (PostgreSQL in CI)."""

import threading

from engine.errors import Conflict
from engine.services import accounts, tasks

THREADS = 6


def test_concurrent_completion_has_exactly_one_winner(desk):
    sf = desk.sf
    key = desk.submit()["key"]
    task_id = desk.task(key, "triage", "support")["id"]
    support = accounts.actor_by_username(sf, "support")
    barrier = threading.Barrier(THREADS)
    results = []

    def complete(outcome):
        barrier.wait()
        try:
            tasks.complete(sf, support, task_id, {"category": "bug", "priority": "normal", "outcome": outcome,
                                                  "question": "Which steps lead to the error?"})
            results.append(("ok", outcome))
        except Conflict:
            results.append(("conflict", outcome))

    outcomes = ["need_info", "someday"] * (THREADS // 2)
    threads = [threading.Thread(target=complete, args=(o,)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for result, outcome in results if result == "ok"]
    assert len(winners) == 1 and len(results) == THREADS, results
    ticket = desk.ticket(key)
    completions = [e for e in ticket["events"] if e["kind"] == "task_completed"]
    assert len(completions) == 1 and completions[0]["detail"]["data"]["outcome"] == winners[0]
    if winners[0] == "need_info":
        assert (ticket["status"], desk.open_tasks(key)) == ("waiting_for_customer", ["provide_information"])
        assert desk.outbox(key) == ["info_requested"]
    else:
        assert (ticket["status"], ticket["resolution"], desk.open_tasks(key)) == ("closed", "wont_fix", [])
        assert desk.outbox(key) == ["someday"]
