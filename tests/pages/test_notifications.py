"""The bell on every staff page, the notifications page (newest first, each marked read when opened, all at once),
the account's mail setting, and the inbox's "assigned to me" and suggested tasks."""

import re

from engine.services import accounts, organisations
from tests.pages.helpers import csrf, flashes, signed_in, text_of


def bell_of(html: str) -> str | None:
    """The unread count the bell shows (its icon is an SVG), or None without a bell."""
    found = re.search(r'<a class="bell[^"]*" href="/notifications"[^>]*>(.*?)</a>', html, re.S)
    return re.sub(r"<svg.*?</svg>", "", found.group(1), flags=re.S).strip() if found else None


def test_the_bell_counts_the_unread_notifications_on_every_staff_page(app, desk):
    client = signed_in(app, "support")
    assert bell_of(client.get("/inbox").get_data(as_text=True)) == "0"
    key = desk.submit()["key"]
    desk.submit(title="Scanner is slow")
    for page in ("/inbox", f"/tickets/{key}", "/account/password", "/notifications"):
        assert bell_of(client.get(page).get_data(as_text=True)) == "2", page
    assert bell_of(signed_in(app, "customer").get("/portal").get_data(as_text=True)) is None  # staff only
    assert signed_in(app, "customer").get("/notifications").headers["Location"] == "/portal"


def test_the_notifications_page_lists_newest_first_and_marks_what_is_opened(app, desk):
    first = desk.submit()["key"]
    second = desk.submit(title="Scanner is slow")["key"]
    client = signed_in(app, "support")
    page = client.get("/notifications")
    text = text_of(page)
    assert text.index(f"is ready on {second}") < text.index(f"is ready on {first}") and "2 unread" in text
    [newest, _older] = re.findall(r'href="(/notifications/\d+)"', page.get_data(as_text=True))
    opened = client.get(newest)
    task = desk.task(second, "triage", "support")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/tasks/{task['id']}"
    assert bell_of(client.get("/inbox").get_data(as_text=True)) == "1"
    assert signed_in(app, "developer").get(newest).status_code == 404  # someone else's
    done = client.post("/notifications/read", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert ("success", "All notifications are marked read.") in flashes(done)
    assert bell_of(done.get_data(as_text=True)) == "0" and "Mark all read" not in text_of(done)


def test_the_empty_page_says_what_will_show_up(app):
    text = text_of(signed_in(app, "ops").get("/notifications"))
    assert "Nothing to tell you yet." in text and "You get mail at once" in text


def test_each_person_chooses_how_mail_tells_them(app):
    client = signed_in(app, "developer")
    assert 'value="at_once" checked' in client.get("/account/notifications").get_data(as_text=True)
    saved = client.post("/account/notifications", data={"csrf_token": csrf(client), "notify_by_mail": "digest"},
                        follow_redirects=True)
    assert ("success", "Saved: how you hear of your notifications by mail.") in flashes(saved)
    assert "You get a daily digest by mail." in text_of(saved)
    assert 'value="digest" checked' in client.get("/account/notifications").get_data(as_text=True)
    refused = client.post("/account/notifications", data={"csrf_token": csrf(client), "notify_by_mail": "hourly"})
    assert refused.status_code == 422 and "Must be one of: at_once, digest, never." in text_of(refused)
    assert signed_in(app, "customer").get("/account/notifications").status_code == 302


def test_the_inbox_shows_assigned_to_me_and_puts_suggested_tasks_first(app, desk, sf):
    if not accounts.user_exists(sf, "support2"):
        accounts.create_user(sf, "support2", "demo", ["support_master"], display_name="Sue Second")
    globex = desk.submit(as_="customer2")["key"]
    desk.clock.advance(minutes=5)
    acme = desk.submit()["key"]
    organisations.set_contact(sf, "Acme", "support2")
    client = signed_in(app, "support2")
    html = client.get("/inbox").get_data(as_text=True)
    assert re.findall(r'<tr data-ticket="(SUP-\d+)"', html) == [acme, globex]
    assert "Suggested: Sue Second" in text_of(client.get("/inbox")) and ">Assigned to me</option>" in html
    task = desk.task(acme, "triage", "support")
    assert "Suggested: Sue Second" in text_of(client.get(f"/tasks/{task['id']}"))
    desk.as_("support").post(f"/tasks/{task['id']}/assign", {"username": "support2"})
    mine = client.get("/inbox?show=mine").get_data(as_text=True)
    assert re.findall(r'<tr data-ticket="(SUP-\d+)"', mine) == [acme]
    assert bell_of(mine) == "3"  # two ready tasks and the assignment


def test_a_product_owner_assigns_from_the_ticket_page_and_the_timeline_says_so(app, desk, sf):
    if not accounts.user_exists(sf, "support2"):
        accounts.create_user(sf, "support2", "demo", ["support_master"], display_name="Sue Second")
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    owner = signed_in(app, "owner")
    page = owner.get(f"/tickets/{key}").get_data(as_text=True)
    assert f'data-assign-task="{task["id"]}"' in page and '<option value="support2">Sue Second</option>' in page
    assert 'data-assign-task' not in signed_in(app, "developer").get(f"/tickets/{key}").get_data(as_text=True)
    given = owner.post(f"/tasks/{task['id']}/assign", data={"csrf_token": csrf(owner), "username": "support2",
                                                          "ticket": key})
    assert given.headers["Location"] == f"/tickets/{key}#open-tasks"
    owner.post(f"/tasks/{task['id']}/assign", data={"csrf_token": csrf(owner), "username": "", "ticket": key})
    trail = signed_in(app, "support").get(f"/tickets/{key}").get_data(as_text=True)
    assert "<strong>Otto Owner</strong> assigned <em>Triage the ticket</em> to Sue Second." in trail
    assert "<strong>Otto Owner</strong> took <em>Triage the ticket</em> back from Sue Second." in trail
    assert bell_of(signed_in(app, "support2").get("/inbox").get_data(as_text=True)) == "2"  # ready, assigned


def test_the_notifications_page_speaks_german(app, desk):
    key = desk.submit()["key"]
    german = text_of(signed_in(app, "support").get("/notifications", headers={"Accept-Language": "de"}))
    assert "Benachrichtigungen" in german and "1 ungelesen" in german and "Alle als gelesen markieren" in german
    assert f"„Ticket sichten“ steht bereit zu {key}: Printing fails" in german
