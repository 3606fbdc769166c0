"""The ticket page, the customer portal, capture on behalf and the developers' board, through the Flask
test client; tickets are moved along through the JSON API by the desk."""

import re
from io import BytesIO

import pytest

from tests.pages.helpers import PNG, csrf_of, signed_in, submit_form, text_of

FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}








def timeline_items(response, kind: str) -> list[str]:
    html = response.get_data(as_text=True)
    items = re.findall(rf'<li data-kind="{kind}"[^>]*>(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]




def to_fix_bug(desk, **fields) -> str:
    key = desk.submit(**fields)["key"]
    desk.complete(key, "triage", "support", **{**FORWARD_BUG, "priority": fields.get("priority", "high")})
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    return key


def test_customer_submits_a_ticket_with_a_screenshot_and_sees_it(app):
    client = signed_in(app, "customer")
    new_page = client.get("/portal/new").get_data(as_text=True)
    assert 'name="attachments"' in new_page and "multiple" in new_page and "Submit ticket" in new_page
    response = submit_form(client, "/portal/new", files=[("screen.png", PNG)], system="ERP production")
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets/SUP-1")
    page = client.get("/tickets/SUP-1")
    html = page.get_data(as_text=True)
    assert "SUP-1 submitted." in html
    assert re.search(r'data-field="status"[^>]*>Received<', html)  # the status in the customer's words
    assert re.search(r'data-field="resolution"[^>]*>—<', html)
    assert "screen.png" in html and "ERP production" in html and "portal" in text_of(page)
    assert timeline_items(page, "ticket_created") and "Clara Customer submitted the ticket" in text_of(page)
    assert timeline_items(page, "attachment_added")

    inline = client.get("/tickets/SUP-1/attachments/1?inline=1")
    assert inline.status_code == 200 and inline.mimetype == "image/png" and inline.data == PNG
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in inline.headers["Content-Security-Policy"]
    assert "/tickets/SUP-1/attachments/1?inline=1" in html  # the thumbnail
    download = client.get("/tickets/SUP-1/attachments/1")
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_invalid_input_is_shown_next_to_the_fields_and_kept(app, desk):
    client = signed_in(app, "customer")
    response = submit_form(client, "/portal/new", title="", description="Kept description text",
                           priority="urgent", system="Web shop")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'data-error-for="title">[^<]+<', html)
    assert re.search(r'data-error-for="priority">[^<]+<', html)
    assert 'data-error-for="description"' not in html
    assert "Kept description text" in html and 'value="Web shop"' in html
    assert html.count("field-error") == 2
    assert desk.as_("customer").get("/tickets")["items"] == []


def test_a_refused_attachment_is_named_on_the_created_tickets_page(app):
    client = signed_in(app, "customer")
    response = submit_form(client, "/portal/new", files=[("setup.exe", b"MZ\x90\x00binary"), ("ok.png", PNG)])
    assert response.headers["Location"].endswith("/tickets/SUP-1")
    html = client.get("/tickets/SUP-1").get_data(as_text=True)
    assert "SUP-1 submitted." in html and "setup.exe was not attached" in html and "is not a file we accept" in html
    assert "ok.png" in html


def test_another_organisation_gets_not_found_for_the_ticket_and_its_files(app, desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/attachments", data={"file": (BytesIO(PNG), "a.png")},
                              expect=201, content_type="multipart/form-data")
    stranger = signed_in(app, "customer2")
    assert stranger.get(f"/tickets/{key}").status_code == 404
    assert stranger.get(f"/tickets/{key}/attachments/1").status_code == 404
    assert stranger.get(f"/tickets/{key}/attachments/1?inline=1").status_code == 404
    assert signed_in(app, "customer").get(f"/tickets/{key}/attachments/1").status_code == 200
    assert app.test_client().get(f"/tickets/{key}").status_code == 302  # not signed in: to the sign-in page


def test_internal_comments_are_for_staff_only(app, desk):
    key = desk.submit()["key"]
    support = signed_in(app, "support")
    path = f"/tickets/{key}"
    support.post(f"{path}/comments", data={"body": "Known issue in 4.2", "internal": "true",
                                           "csrf_token": csrf_of(support, path)})
    support.post(f"{path}/comments", data={"body": "We are on it.", "csrf_token": csrf_of(support, path)})
    staff_page = support.get(path).get_data(as_text=True)
    assert "Known issue in 4.2" in staff_page and "Internal — staff only" in staff_page
    assert "We are on it." in staff_page and 'name="internal"' in staff_page

    customer = signed_in(app, "customer")
    page = customer.get(path).get_data(as_text=True)
    assert "We are on it." in page and "Known issue in 4.2" not in page and 'name="internal"' not in page
    forged = customer.post(f"{path}/comments", data={"body": "x", "internal": "true",
                                                     "csrf_token": csrf_of(customer, path)})
    assert forged.status_code == 403
    customer.post(f"{path}/comments", data={"body": "   ", "csrf_token": csrf_of(customer, path)})
    assert "The comment was not added" in customer.get(path).get_data(as_text=True)


def test_the_timeline_tells_what_happened(app, desk):
    key = to_fix_bug(desk)
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    desk.complete(key, "review_on_d", "owner", ok=True)
    desk.complete(key, "deploy_to_q", "developer", version="1.4.2")

    customer_page = signed_in(app, "customer").get(f"/tickets/{key}")
    assert timeline_items(customer_page, "task_completed") == []  # the staff's steps are their own business
    changes = timeline_items(customer_page, "ticket_changed")
    assert changes[0].endswith("Priority: high. Status: In progress.") and changes[-1].endswith(
        "Status: Waiting for your answer.")
    [message] = timeline_items(customer_page, "notify_customer")
    assert message.startswith("2 Mar 2026, 10:00 Message to the customer: [SUP-1] ready for your test")
    assert "installed on the Q system, version 1.4.2" in message  # the customer reads the message itself
    html = customer_page.get_data(as_text=True)
    for internal in ("Null font in PDF export", "Sam Support", "Otto Owner", "Dana Developer", "Review on D"):
        assert internal not in html, internal
    assert "Test on Q" in text_of(customer_page)  # the customer's open task
    assert "data-timeline-shown" not in html  # all they may see is shown: nothing hidden is counted

    staff_page = signed_in(app, "developer").get(f"/tickets/{key}")
    analysed = [item for item in timeline_items(staff_page, "task_completed") if "Analyse the bug" in item]
    # the data under its form's own labels
    assert analysed and "Analysis Null font in PDF export" in analysed[0] and "Is this a bug? Yes" in analysed[0]
    assert "priority normal → high" in " ".join(timeline_items(staff_page, "ticket_changed"))


def test_a_duplicate_is_merged_into_the_ticket_it_duplicates(app, desk):
    first = desk.submit()["key"]
    second = desk.submit()["key"]
    desk.complete(second, "triage", "support", category="bug", priority="normal", outcome="duplicate",
                  duplicate_of=first)
    html = signed_in(app, "customer").get(f"/tickets/{second}").get_data(as_text=True)
    assert re.search(r'data-field="status"[^>]*>Closed<', html)
    assert re.search(r'data-field="resolution" data-value="duplicate">Duplicate of another ticket<', html)
    assert f'merged into <a href="/tickets/{first}">{first}</a>' in html
    german = signed_in(app, "customer").get(f"/tickets/{first}", headers={"Accept-Language": "de"})
    assert f'zusammengeführt aus <a href="/tickets/{second}">{second}</a>' in german.get_data(as_text=True)


def test_someday_maybe_reads_as_the_reply_said_to_the_customer_and_as_wont_fix_to_staff(app, desk):
    key = desk.submit(category="feature", title="Dark mode")["key"]
    desk.complete(key, "triage", "support", category="feature", priority="low", outcome="someday")
    customer = signed_in(app, "customer").get(f"/tickets/{key}").get_data(as_text=True)
    assert re.search(r'data-field="resolution" data-value="wont_fix">Noted for later \(someday/maybe\)<', customer)
    assert "Resolution: Noted for later (someday/maybe)." in customer and "wont" not in customer.replace(
        'data-value="wont_fix"', "")
    staff = signed_in(app, "support").get(f"/tickets/{key}").get_data(as_text=True)
    assert re.search(r'data-field="resolution" data-value="wont_fix">Won&#39;t fix<', staff)
    portal = signed_in(app, "customer").get("/portal").get_data(as_text=True)
    assert "Noted for later (someday/maybe)" in portal and "wont fix" not in portal


def test_a_customer_is_shown_the_latest_of_what_they_may_see_and_never_a_hidden_count(app, desk):
    key = desk.submit()["key"]
    support = signed_in(app, "support")
    path = f"/tickets/{key}"
    for number in range(3):
        support.post(f"{path}/comments", data={"body": f"Internal note {number}", "internal": "true",
                                               "csrf_token": csrf_of(support, path)})
    customer = signed_in(app, "customer")
    html = customer.get(path).get_data(as_text=True)
    assert "data-timeline-shown" not in html and "Internal note" not in html
    assert support.get(path).get_data(as_text=True).count('data-kind="comment_added"') == 3  # staff see all


def test_support_captures_a_call_for_globex(app, desk):
    support = signed_in(app, "support")
    form = support.get("/capture").get_data(as_text=True)
    assert '<option value="Globex"' in form and '<option value="Acme"' in form
    missing = submit_form(support, "/capture", title="Phone: invoices slow")
    assert missing.status_code == 422 and 'data-error-for="organisation"' in missing.get_data(as_text=True)
    response = submit_form(support, "/capture", title="Phone: invoices slow", organisation="Globex")
    assert response.headers["Location"].endswith("/tickets/SUP-1")
    assert desk.ticket("SUP-1")["channel"] == "phone"

    globex = signed_in(app, "customer2")
    assert "Phone: invoices slow" in globex.get("/portal").get_data(as_text=True)
    page = globex.get("/tickets/SUP-1")
    assert page.status_code == 200 and "Support team captured the ticket from a phone call" in text_of(page)
    assert "Sam Support" not in page.get_data(as_text=True)  # the agency is the support team to customers
    assert signed_in(app, "customer").get("/tickets/SUP-1").status_code == 404
    assert signed_in(app, "customer").get("/capture").status_code == 403
    assert signed_in(app, "developer").get("/capture").status_code == 403


def test_the_board_shows_developer_tasks_by_step_in_order(app, desk):
    high = to_fix_bug(desk, priority="high")
    critical = to_fix_bug(desk, priority="critical")
    feature = desk.submit(category="feature", title="CSV export")["key"]
    desk.complete(feature, "triage", "support", category="feature", priority="normal", outcome="forward")
    desk.complete(feature, "estimate_effort", "developer", hours=12, cost=1440.0, delivery_date="2026-04-30")
    desk.complete(feature, "approve_offer", "owner", approved=True, offer_text="Export to CSV")
    desk.complete(feature, "decide_offer", "customer", accept=True)

    response = signed_in(app, "developer").get("/board")
    assert response.status_code == 200
    columns = dict(re.findall(r'<section class="column" data-column="(\w+)">(.*?)</section>',
                              response.get_data(as_text=True), re.S))
    assert list(columns) == ["analyse", "fix", "estimate", "implement", "deploy"]
    fix_tiles = re.findall(r'data-ticket="(SUP-\d+)" data-task="fix_bug"', columns["fix"])
    assert fix_tiles == [critical, high]
    assert f'data-ticket="{feature}" data-task="implement"' in columns["implement"] and "12 h" in columns["implement"]
    assert "data-task" not in columns["analyse"]
    assert signed_in(app, "customer").get("/board").status_code == 403
    assert signed_in(app, "support").get("/board").status_code == 403


@pytest.mark.parametrize("staff", ["support", "developer"])
def test_staff_are_sent_from_the_portal_to_the_inbox(app, staff):
    response = signed_in(app, staff).get("/portal")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")


def test_the_portal_lists_the_organisations_tickets_and_the_customers_tasks(app, desk):
    acme = desk.submit(category="feature", title="CSV export")["key"]
    desk.complete(acme, "triage", "support", category="feature", priority="normal", outcome="forward")
    desk.complete(acme, "estimate_effort", "developer", hours=12, cost=1440.0, delivery_date="2026-04-30")
    desk.complete(acme, "approve_offer", "owner", approved=True, offer_text="Export to CSV")
    globex = desk.submit(as_="customer2", title="Globex only")["key"]

    portal = signed_in(app, "customer").get("/portal")
    html = portal.get_data(as_text=True)
    assert f'data-ticket="{acme}"' in html and f'data-ticket="{globex}"' not in html and "Globex only" not in html
    task_item = re.search(rf'<li data-ticket="{acme}" data-task="decide_offer"[^>]*>(.*?)</li>', html, re.S)
    assert task_item and "An offer is waiting for your decision" in task_item.group(1)
    assert re.search(r'href="/tasks/[0-9a-f-]{36}">Decide on the offer</a>', task_item.group(1))

    other = signed_in(app, "customer2").get("/portal").get_data(as_text=True)
    assert f'data-ticket="{globex}"' in other and "decide_offer" not in other and "CSV export" not in other
    filtered = signed_in(app, "customer").get("/portal?status=closed").get_data(as_text=True)
    assert f'<tr data-ticket="{acme}"' not in filtered and "No ticket matches." in filtered


def test_the_portal_filters_as_the_staff_list_does_in_the_customer_s_words(app, desk):
    bug = desk.submit(category="bug", priority="high", title="Login fails", system="Webshop")["key"]
    question = desk.submit(category="question", priority="low", title="Opening hours")["key"]
    desk.complete(question, "triage", "support", category="question", priority="low", outcome="answer",
                  answer="We are open 9 to 5.")
    customer = signed_in(app, "customer")

    def listed(query: str) -> list[str]:
        return re.findall(r'<tr data-ticket="(SUP-\d+)"', customer.get(f"/portal?{query}").get_data(as_text=True))

    assert listed("category=bug") == [bug] and listed("priority=low") == [question]
    assert listed("system=webshop") == [bug]  # case folded
    assert listed("status=new,captured") == [bug]  # "Received", one choice for both
    assert listed("sort=created") == [bug, question] and listed("") == [question, bug]
    html = customer.get("/portal").get_data(as_text=True)
    assert html.count(">Received</option>") == 1 and 'value="new,captured"' in html
    german = customer.get("/portal?category=nonsense", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert re.search(r'role="alert">[^<]*category', german) is None  # in words, not a field name
    assert 'role="alert"' in german and ">Eingegangen</option>" in german and "<tr data-ticket" not in german
    # What is internal is no filter of theirs: the portal does not pass it on.
    assert listed("assignee=support") == [question, bug]
