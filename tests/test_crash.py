"""Faults and races with real processes on PostgreSQL: background workers and web workers killed with
SIGKILL in the middle of their jobs lose nothing and do nothing twice; 20 HTTP clients racing for the same
200 tasks give one winner each and a 409 to everyone else. Skipped without TEST_DATABASE_URL (PostgreSQL)."""

import http.client
import os
import random
import signal
import threading
import time

import pytest

from tests import processes

pytestmark = pytest.mark.postgres
TRIAGE = {"category": "bug", "priority": "normal"}
RACE_CLIENTS, RACE_TASKS = 20, 200


def test_workers_killed_mid_job_lose_nothing_and_double_nothing(postgres_only_url, tmp_path):
    sf = processes.engine_long_ago(postgres_only_url)
    keys = processes.tickets_waiting_for_information(sf, 10)
    rng = random.Random(5)
    started = 0

    def spawn():
        nonlocal started
        started += 1
        return processes.start_worker(postgres_only_url, tmp_path, f"w{started}", slow_send_s=0.4,
                                      slow_timer_s=0.4)

    workers = [spawn() for _ in range(3)]
    kills = 0
    try:
        time.sleep(2.5)  # let them start (imports) and get busy
        deadline = time.monotonic() + 40
        while processes.due_work(sf) != (0, 0) and time.monotonic() < deadline:
            if kills < 6:
                victim = workers.pop(rng.randrange(len(workers)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                kills += 1
                workers.append(spawn())
            time.sleep(rng.uniform(0.3, 0.6))
    finally:
        for process in workers:
            processes.stop(process)
    assert kills == 6, "the work was done before the workers could be killed: make the jobs slower"
    assert processes.due_work(sf) == (0, 0)
    rows = processes.outbox_rows(sf)
    assert len(rows) == 3 * len(keys) and all(row["sent_at"] is not None for row in rows)
    delivered = processes.sink_ids(tmp_path / "outbox.jsonl")
    assert sorted(delivered) == [row["id"] for row in rows]  # each once: none lost, none doubled
    assert processes.consistency_problems(sf) == []  # no timer fired twice, no half-done step
    for key in keys:
        assert [t["element"] for t in processes.open_tasks(sf, key)] == []
    sf.db.dispose()


def test_web_workers_killed_mid_completion_keep_every_acknowledged_completion(postgres_only_url, tmp_path):
    sf = processes.engine_long_ago(postgres_only_url, days=0)
    work = processes.tickets_at_triage(sf, 50)
    port = processes.free_port()
    server = processes.start_gunicorn(postgres_only_url, tmp_path, port, workers=2, threads=4)
    acknowledged, unexpected, lost_answers, pending = [], [], [0], list(work)
    lock = threading.Lock()
    support = processes.token(port, "support")

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not pending:
                    return
                key, task_id = pending.pop()
            while True:  # like a person pressing the button again after a lost answer
                try:
                    status, _ = processes.request(port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                                  {"data": {**TRIAGE, "outcome": "someday"}}, support, conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    with lock:
                        lost_answers[0] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    if status == 200:
                        acknowledged.append(key)
                    elif status != 409:  # 409: the completion whose answer was lost had been saved
                        unexpected.append(status)
                break

    threads = [threading.Thread(target=client) for _ in range(6)]
    kills = 0
    try:
        for thread in threads:
            thread.start()
        rng = random.Random(7)
        while any(t.is_alive() for t in threads) and kills < 5:
            # A kill every 8 tickets taken, whatever the speed of the machine: some land mid-request.
            if len(work) - len(pending) >= 8 * (kills + 1) and (victims := processes.children(server.pid)):
                os.kill(rng.choice(victims), signal.SIGKILL)
                kills += 1
            time.sleep(0.01)
        for thread in threads:
            thread.join(60)
    finally:
        processes.stop(server)
    assert unexpected == []
    assert kills >= 3 and lost_answers[0] >= 1, (kills, lost_answers)
    # Every completion the server acknowledged is saved; every ticket's state agrees with its trail.
    closed = {key for key, _ in work if processes.open_tasks(sf, key) == []}
    assert set(acknowledged) <= closed
    assert closed == {key for key, _ in work}  # the retries got the rest done
    assert processes.consistency_problems(sf) == []
    sf.db.dispose()


def test_twenty_clients_race_for_two_hundred_tasks_one_winner_each(postgres_only_url, tmp_path):
    sf = processes.engine_long_ago(postgres_only_url, days=0)
    work = processes.tickets_at_triage(sf, RACE_TASKS)
    port = processes.free_port()
    # 2 threads per worker: every loser that read the task before the winner committed runs its whole step
    # before it learns it lost, so more threads only burn more CPU on this 20-way collision.
    server = processes.start_gunicorn(postgres_only_url, tmp_path, port, workers=2, threads=2)
    support = processes.token(port, "support")
    outcomes = ["need_info", "someday"]
    results: dict[str, list[tuple[int, str]]] = {task_id: [] for _, task_id in work}
    barrier = threading.Barrier(RACE_CLIENTS)

    def client(number: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        outcome = outcomes[number % 2]
        barrier.wait()
        for _, task_id in work:  # all in the same order: they collide on every task
            status, _ = processes.request(port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                          {"data": {**TRIAGE, "outcome": outcome, "question": "Which steps?"}},
                                          support, conn)
            results[task_id].append((status, outcome))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(RACE_CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        processes.stop(server)
    for key, task_id in work:
        statuses = sorted(status for status, _ in results[task_id])
        assert statuses == [200] + [409] * (RACE_CLIENTS - 1), (key, statuses)
        [winner] = [outcome for status, outcome in results[task_id] if status == 200]
        expected = ["provide_information"] if winner == "need_info" else []
        assert [t["element"] for t in processes.open_tasks(sf, key)] == expected
    assert processes.consistency_problems(sf) == []
    sf.db.dispose()
