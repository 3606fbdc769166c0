"""Who works which task: support masters and product owners assign tasks and take them back; the inbox's
"assigned to me"; tasks of an organisation's tickets suggested to its contact person, first in their inbox. Staff
notifications: who is told of what (never the one who did it), the bell's API, mail at once through the
outbox, the daily digest the worker writes at the hour, once, and nothing for those who want no mail."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from engine.errors import InvalidInput
from engine.services import accounts, organisations, staff_mail, staff_notifications, worker
from engine.store.tables import outbox, users
from tests.helpers import TRIAGE_ANSWER

NEED_INFO = {"category": "bug", "priority": "normal", "outcome": "need_info", "question": "Which printer?"}
STAFF = [("support2", ["support_master"], "Sue Second", "sue@agency.example"),
         ("herta", ["support_master", "product_owner"], "Herta Hübner", "herta@agency.example")]


class RecordingSender:
    def __init__(self):
        self.sent = []

    def send(self, delivery) -> None:
        self.sent.append(delivery)


@pytest.fixture
def desk(desk):
    for username, roles, name, email in STAFF:
        if not accounts.user_exists(desk.sf, username):
            accounts.create_user(desk.sf, username, "demo", roles, display_name=name, email=email)
    with desk.sf.db.write() as conn:  # made by another module on PostgreSQL, perhaps without an address
        for username, _roles, _name, email in STAFF:
            conn.execute(update(users).where(users.c.username == username).values(email=email, active=True))
        conn.execute(update(users).where(users.c.username == "herta").values(language="de"))  # Herta reads German
    return desk


def kinds(desk, username: str) -> list[str]:
    return sorted(item["kind"] for item in desk.as_(username).get("/notifications")["items"])


def choose(desk, username: str, choice: str) -> None:
    staff_notifications.set_mail_choice(desk.sf, accounts.actor_by_username(desk.sf, username),
                                        {"notify_by_mail": choice})


def staff_mails(desk) -> list[dict]:
    with desk.sf.db.read() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.ticket_id.is_(None)).order_by(outbox.c.id)).mappings()
        return [dict(row) for row in rows]


def mails_to(desk, email: str) -> list[dict]:
    return [mail for mail in staff_mails(desk) if mail["recipients"] == [email]]


# --- assignment -------------------------------------------------------------------------------------------------

def test_a_product_owner_assigns_a_task_and_takes_it_back(desk):
    key = desk.submit()["key"]
    triage = desk.task(key, "triage", "support")
    owner = desk.as_("owner")
    assert owner.post(f"/tasks/{triage['id']}/assign", {"username": "support2"})["assignee"] == "support2"
    assert owner.post(f"/tasks/{triage['id']}/assign", {"username": None})["assignee"] is None
    moves = [e for e in desk.ticket(key)["events"] if e["kind"] == "task_assigned"]
    assert [(e["actor"], e["detail"]["from"], e["detail"]["to"]) for e in moves] == [
        ("owner", None, "support2"), ("owner", "support2", None)]
    answer = desk.as_("developer").post(f"/tasks/{triage['id']}/assign", {"username": "developer"}, expect=403)
    assert answer["error"] == "Only support masters and product owners assign tasks."
    assert desk.task(key, "triage", "support")["assignee"] is None


def test_assigned_to_me_lists_only_the_caller_s_tasks(desk):
    first, second = desk.submit()["key"], desk.submit(title="Scanner is slow")["key"]
    task = desk.task(second, "triage", "support")
    desk.as_("support").post(f"/tasks/{task['id']}/assign", {"username": "support2"})
    mine = desk.as_("support2").get("/tasks?assigned=me")
    assert [(t["ticket_key"], t["assignee"]) for t in mine] == [(second, "support2")]
    assert desk.as_("support").get("/tasks?assigned=me") == []
    assert {t["ticket_key"] for t in desk.as_("support2").get("/tasks")} == {first, second}
    answer = desk.as_("support2").get("/tasks?assigned=everyone", expect=422)
    assert answer["errors"] == {"assigned": ["The only choice is assigned=me: the tasks assigned to you."]}


def test_an_organisation_s_tasks_are_suggested_to_its_contact_and_listed_first_for_them(desk):
    globex = desk.submit(as_="customer2")["key"]
    desk.clock.advance(minutes=5)
    acme = desk.submit()["key"]
    organisations.set_contact(desk.sf, "Acme", "support2")
    triage = desk.task(acme, "triage", "support2")
    assert triage["suggested_assignee"] == "support2" and triage["assignee"] is None  # never assigned by itself
    assert desk.task(globex, "triage", "support2")["suggested_assignee"] is None
    assert [t["ticket_key"] for t in desk.as_("support2").get("/tasks")] == [acme, globex]  # suggested first
    assert [t["ticket_key"] for t in desk.as_("support").get("/tasks")] == [globex, acme]  # oldest first
    assert desk.ticket(acme)["open_tasks"][0]["suggested_assignee"] == "support2"
    desk.complete(acme, "triage", "support", **TRIAGE_ANSWER)
    [confirm] = desk.ticket(acme)["open_tasks"]
    assert confirm["task"] == "confirm_answer" and confirm["suggested_assignee"] is None  # the customer's own
    organisations.set_contact(desk.sf, "Globex", "developer")  # holds no support master role: no suggestion
    assert desk.task(globex, "triage", "support")["suggested_assignee"] is None
    organisations.set_contact(desk.sf, "Acme", None)
    with pytest.raises(InvalidInput) as refused:
        organisations.set_contact(desk.sf, "Acme", "customer")
    assert refused.value.errors == {"contact": ["There is no active staff member customer."]}


# --- who is told of what -----------------------------------------------------------------------------------------

def test_a_ready_task_is_news_to_each_holder_of_its_role_but_its_maker(desk):
    key = desk.submit()["key"]
    assert kinds(desk, "support") == kinds(desk, "support2") == kinds(desk, "herta") == ["task_ready"]
    assert kinds(desk, "developer") == kinds(desk, "owner") == []
    desk.submit(as_="support", organisation="Acme")  # captured by support: news to the others only
    assert kinds(desk, "support") == ["task_ready"] and kinds(desk, "support2") == ["task_ready"] * 2
    [item] = desk.as_("support").get("/notifications")["items"]
    assert item["ticket_key"] == key and item["url"] == f"/tasks/{item['task_id']}" and not item["read"]
    assert item["text"] == f"“Triage the ticket” is ready on {key}: Printing fails"


def test_a_customer_s_answer_goes_to_who_worked_on_the_ticket(desk):
    key = desk.submit()["key"]
    desk.as_("support").post("/notifications/read", {"all": True})
    desk.complete(key, "triage", "support", **NEED_INFO)
    desk.complete(key, "provide_information", "customer", information="The one on floor 2.")
    answered = [i for i in desk.as_("support").get("/notifications")["items"] if i["kind"] == "customer_answered"]
    assert [i["text"] for i in answered] == [f"Clara Customer answered “Provide information” on {key}."]
    assert "customer_answered" not in kinds(desk, "support2")  # never worked on it
    assert kinds(desk, "customer") == []  # customers have no bell


def test_a_customer_s_comment_goes_to_every_support_master_while_nobody_worked_on_the_ticket(desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "It also fails for   letters."}, expect=201)
    for username in ("support", "support2", "herta"):
        assert kinds(desk, username) == ["customer_commented", "task_ready"]
    triage = desk.task(key, "triage", "support2")
    desk.as_("support2").post(f"/tasks/{triage['id']}/claim")
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "Any news?"}, expect=201)
    assert kinds(desk, "support2") == ["customer_commented"] * 2 + ["task_ready"]
    assert kinds(desk, "support") == ["customer_commented", "task_ready"]  # the holder is told now, not everyone
    item = desk.as_("support2").get("/notifications")["items"][0]
    assert item["text"] == f"Clara Customer commented on {key}: “Any news?”" and item["url"] == f"/tickets/{key}"
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "We are on it."}, expect=201)
    assert kinds(desk, "support2").count("customer_commented") == 2  # staff's public comments tell nobody


def test_a_mention_in_an_internal_comment_tells_that_colleague(desk):
    key = desk.submit()["key"]
    body = "@support2 can you look? @developer, @customer and @nobody are not told, nor is mail@support2."
    desk.as_("developer").post(f"/tickets/{key}/comments", {"body": body, "internal": True}, expect=201)
    assert kinds(desk, "support2") == ["mentioned", "task_ready"]
    assert kinds(desk, "developer") == [] and kinds(desk, "customer") == []
    desk.as_("developer").post(f"/tickets/{key}/comments", {"body": "@support2 thanks", "internal": False},
                               expect=201)
    assert kinds(desk, "support2").count("mentioned") == 1  # only internal comments mention


def test_an_assignment_tells_the_new_holder_but_not_who_took_it_themselves(desk):
    key = desk.submit()["key"]
    triage = desk.task(key, "triage", "support")
    desk.as_("support").post(f"/tasks/{triage['id']}/assign", {"username": "support"})
    assert "task_assigned" not in kinds(desk, "support")
    desk.as_("owner").post(f"/tasks/{triage['id']}/assign", {"username": "herta"})
    [item] = [i for i in desk.as_("herta").get("/notifications")["items"] if i["kind"] == "task_assigned"]
    assert item["text"] == f"Otto Owner hat Ihnen „Ticket sichten“ zu {key} zugewiesen."  # in her language


def test_notifications_are_marked_read_by_id_or_all_at_once(desk):
    desk.submit()
    desk.submit(title="Scanner is slow")
    support = desk.as_("support")
    listed = support.get("/notifications")
    assert listed["unread"] == 2 and [i["ticket_key"] for i in listed["items"]] == ["SUP-2", "SUP-1"]  # newest first
    assert support.post("/notifications/read", {"ids": [listed["items"][1]["id"]]}) == {"marked": 1, "unread": 1}
    assert desk.as_("support2").post("/notifications/read", {"ids": [listed["items"][0]["id"]]})["marked"] == 0
    assert support.post("/notifications/read", {"all": True}) == {"marked": 1, "unread": 0}
    answer = support.post("/notifications/read", {}, expect=422)
    assert answer["errors"] == {"ids": ["Name the notifications to mark read (ids), or all of them (all: true)."]}
    support.post("/notifications/read", {"ids": ["x"]}, expect=422)


# --- mail --------------------------------------------------------------------------------------------------------

def test_mail_at_once_goes_to_the_outbox_with_the_notification_and_is_sent_once(desk):
    key = desk.submit()["key"]
    assert staff_mails(desk) == []  # a ready task waits for the digest
    triage = desk.task(key, "triage", "support")
    desk.as_("owner").post(f"/tasks/{triage['id']}/assign", {"username": "herta"})
    [mail] = staff_mails(desk)
    assert mail["template"] == "staff_notification" and mail["recipients"] == ["herta@agency.example"]
    assert mail["organisation_id"] is None
    assert mail["subject"] == f"Otto Owner hat Ihnen „Ticket sichten“ zu {key} zugewiesen."  # her language
    assert mail["body"].startswith("Hallo Herta Hübner,") and f"/tasks/{triage['id']}" in mail["body"]
    sender, me = RecordingSender(), worker.WorkerIdentity("w1", "host", 1, desk.clock.now())
    worker.run_round(desk.sf, sender, me)
    worker.run_round(desk.sf, sender, me)
    staff = [d for d in sender.sent if d.template == "staff_notification"]
    assert len(staff) == 1 and staff[0].ticket_key is None and staff[0].recipients == ("herta@agency.example",)


def only_these_hear(desk, *usernames) -> None:
    """Everyone else chooses no mail: on PostgreSQL other tests' people outlive them (conftest sets it back)."""
    with desk.sf.db.write() as conn:
        conn.execute(update(users).where(users.c.username.notin_(usernames)).values(notify_by_mail="never"))


def test_the_daily_digest_is_written_once_a_day_at_the_hour(desk):
    only_these_hear(desk, "support", "support2", "herta")
    choose(desk, "support2", "digest")
    choose(desk, "herta", "never")
    key = desk.submit()["key"]  # 10:00 in Berlin: after today's digest
    desk.submit(title="Scanner is slow")
    triage = desk.task(key, "triage", "support")
    desk.as_("support").post(f"/tasks/{triage['id']}/assign", {"username": "support2"})
    desk.as_("support").post(f"/tasks/{triage['id']}/assign", {"username": "herta"})
    assert staff_mails(desk) == []  # none of them wants mail at once
    support = desk.as_("support")
    support.post("/notifications/read", {"ids": [support.get("/notifications")["items"][0]["id"]]})  # seen: no mail
    sender, me = RecordingSender(), worker.WorkerIdentity("w1", "host", 1, desk.clock.now())
    desk.clock.advance(hours=20)  # 06:00 in Berlin
    worker.run_round(desk.sf, sender, me)
    assert staff_mails(desk) == []
    desk.clock.advance(hours=1)  # 07:00 in Berlin
    worker.run_round(desk.sf, sender, me)
    worker.run_round(desk.sf, sender, me)
    digests = [m for m in staff_mails(desk) if m["template"] == "staff_digest"]
    assert sorted(m["recipients"][0] for m in digests) == ["sue@agency.example", "support@supportflow.example"]
    [sue] = [m for m in digests if m["recipients"] == ["sue@agency.example"]]
    assert sue["subject"] == "Your supportflow digest: 3 notifications"
    assert f"“Triage the ticket” is ready on {key}" in sue["body"]
    assert f"Sam Support assigned “Triage the ticket” on {key} to you." in sue["body"]
    [support] = [m for m in digests if m["recipients"] == ["support@supportflow.example"]]
    assert support["subject"] == "Your supportflow digest: 1 notification"  # at once but for ready tasks
    assert [d.template for d in sender.sent].count("staff_digest") == 2
    desk.clock.advance(hours=5)
    worker.run_round(desk.sf, sender, me)
    desk.clock.advance(days=1)  # nothing new: no digest the next day
    worker.run_round(desk.sf, sender, me)
    assert len(staff_mails(desk)) == 2 and mails_to(desk, "herta@agency.example") == []


def test_the_digest_hour_is_the_desk_s_local_hour_and_a_setting(desk):
    at = desk.clock.now()  # 2026-03-02 09:00 UTC, 10:00 in Berlin
    assert staff_mail.digest_moment(at, 7).isoformat() == "2026-03-02T07:00:00+01:00"
    assert staff_mail.digest_moment(at, 11).isoformat() == "2026-03-01T11:00:00+01:00"
    summer = at + timedelta(days=120)
    assert staff_mail.digest_moment(summer, 7).isoformat() == "2026-06-30T07:00:00+02:00"


def test_workers_at_once_write_each_digest_once(desk):
    only_these_hear(desk, "support", "support2", "herta")
    choose(desk, "support2", "digest")
    for title in ("One", "Two", "Three"):
        desk.submit(title=title)
    desk.clock.advance(days=1)
    written = []

    def work():
        written.append(staff_mail.send_digests(desk.sf))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    digests = [m["recipients"][0] for m in staff_mails(desk)]
    assert sorted(digests) == ["herta@agency.example", "sue@agency.example", "support@supportflow.example"]
    assert sum(written) == 3 and staff_mail.send_digests(desk.sf) == 0
