"""The canned-reply pages: /replies lists, searches, creates, edits and deletes (shared ones for support masters
only), and the picker on the ticket's comment box and on a task form's text areas, with the page's list of
replies; customers get neither."""

import json
import re

from engine.services import canned_replies
from tests.pages.helpers import GERMAN, csrf_of, flashes, signed_in, text_of


def _picker_list(page) -> list[dict]:
    found = re.search(r'<script type="application/json" id="canned-replies"[^>]*>(.*?)</script>',
                      page.get_data(as_text=True), re.S)
    assert found, "the page carries no list of replies"
    return json.loads(found.group(1))


def test_a_support_master_creates_searches_edits_and_deletes_a_shared_reply(app, sf):
    client = signed_in(app, "support")
    answer = client.post("/replies/new", data={"csrf_token": csrf_of(client, "/replies/new"), "title": "Printer help",
                                               "text": "Hello {{ customer.name }}, open the printer settings.",
                                               "language": "en", "shared": "1", "key": "printer"},
                         follow_redirects=True)
    assert ("success", "The reply “Printer help” is saved.") in flashes(answer)
    [reply] = canned_replies.list_replies(sf, _actor(sf, "support"))
    assert reply["shared"] and reply["key"] == "printer"
    assert "Printer help" in text_of(client.get("/replies?q=PRINTER settings"))
    assert "No replies match." in text_of(client.get("/replies?q=invoice"))
    refused = client.post(f"/replies/{reply['id']}", data={
        "csrf_token": csrf_of(client, "/replies"), "title": "Printer help", "text": "{{ ticket.owner }}",
        "language": "en", "shared": "1"})
    assert refused.status_code == 422 and "“ticket.owner” is not a placeholder" in text_of(refused)
    saved = client.post(f"/replies/{reply['id']}", data={
        "csrf_token": csrf_of(client, "/replies"), "title": "Printer help", "text": "Hallo {{ customer.name }}",
        "language": "de", "shared": "1", "key": "printer"}, follow_redirects=True)
    assert ("success", "The reply “Printer help” is saved.") in flashes(saved)
    edit = client.get(f"/replies/{reply['id']}")
    assert "Add the version in English" in text_of(edit)
    deleted = client.post(f"/replies/{reply['id']}/delete", data={"csrf_token": csrf_of(client, "/replies")},
                          follow_redirects=True)
    assert ("success", "The reply “Printer help” is deleted.") in flashes(deleted)
    assert canned_replies.list_replies(sf, _actor(sf, "support")) == []


def test_a_developer_keeps_personal_replies_and_may_not_share(app, sf):
    client = signed_in(app, "developer")
    form = client.get("/replies/new").get_data(as_text=True)
    assert 'name="shared"' not in form
    shared = client.post("/replies/new", data={"csrf_token": csrf_of(client, "/replies/new"), "title": "Shared?",
                                               "text": "x", "language": "en", "shared": "1"})
    assert shared.status_code == 403
    client.post("/replies/new", data={"csrf_token": csrf_of(client, "/replies/new"), "title": "Mine",
                                      "text": "Cheers, {{ agent.name }}", "language": "en"})
    page = text_of(client.get("/replies"))
    assert "Mine" in page and "Personal" in page
    assert "Mine" not in text_of(signed_in(app, "support").get("/replies"))
    assert signed_in(app, "customer").get("/replies").status_code == 403


def test_the_comment_box_and_the_task_form_offer_the_picker(app, sf, desk):
    canned_replies.load_defaults(sf)
    key = desk.submit()["key"]
    client = signed_in(app, "support")
    ticket = client.get(f"/tickets/{key}")
    html = ticket.get_data(as_text=True)
    assert re.search(r'data-reply-picker data-for="comment-body" data-ticket="' + key + '"', html)
    assert "Insert a reply" in text_of(ticket) and "/static/reply_picker.js" in html
    assert {(r["title"], r["language"]) for r in _picker_list(ticket)} == {
        ("Wunsch vermerkt (someday/maybe)", "de"), ("Request noted (someday/maybe)", "en")}
    task = desk.task(key, "triage", "support")
    form = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    for field in ("question", "answer"):  # triage's text areas: to the customer
        assert f'data-reply-picker data-for="field-{field}" data-ticket="{key}"' in form
    assert len(_picker_list(client.get(f"/tasks/{task['id']}"))) == 2
    customer_page = signed_in(app, "customer").get(f"/tickets/{key}").get_data(as_text=True)
    assert "data-reply-picker" not in customer_page and "canned-replies" not in customer_page


def test_the_pages_read_in_german(app, sf, desk):
    canned_replies.load_defaults(sf)
    key = desk.submit()["key"]
    client = signed_in(app, "support")
    page = text_of(client.get("/replies", headers=GERMAN))
    assert "Textbausteine" in page and "Wunsch vermerkt (someday/maybe)" in page
    assert "Textbaustein einfügen" in text_of(client.get(f"/tickets/{key}", headers=GERMAN))


def _actor(sf, username):
    from engine.services.authorization import Actor
    from engine.store import accounts as account_store

    with sf.db.read() as conn:
        user = account_store.user_by_username(conn, username)
    return Actor(user["id"], username, user["display_name"], frozenset(user["roles"]), user["organisation_id"])
