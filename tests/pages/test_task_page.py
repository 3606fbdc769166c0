"""What the task page shows beside its form: the ticket's files and comments, a comment box that comes back to
the task, the answers of the tasks before it, a long description folded; and where each role lands."""

import io
import re

import pytest

from tests.helpers import accept_through
from tests.pages.helpers import GERMAN, PNG, csrf, flashes, sign_in, signed_in, text_of

FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}


def attach(desk, key, name, content, as_="customer", internal=False):
    data = {"file": (io.BytesIO(content), name), "internal": "true" if internal else "false"}
    return desk.as_(as_).post(f"/tickets/{key}/attachments", data=data, content_type="multipart/form-data",
                              expect=201)


def section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start:html.index("</section>", start)]


def comment_box(html: str) -> str:
    return re.search(r"<form [^>]*data-comment-box>.*?</form>", html, re.S).group(0)


def test_triage_sees_the_customers_screenshot_and_files(app, desk):
    key = desk.submit()["key"]
    shot = attach(desk, key, "screen.png", PNG)
    log = attach(desk, key, "error.log", b"printer not found\n")
    note = attach(desk, key, "notes.txt", b"internal notes\n", as_="support", internal=True)
    task = desk.task(key, "triage", "support")
    files = section(signed_in(app, "support").get(f"/tasks/{task['id']}").get_data(as_text=True), 'id="attachments"')
    href = f"/tickets/{key}/attachments/{shot['id']}"
    assert f'<img src="{href}?inline=1" alt="screen.png"' in files  # the image inline, as a thumbnail
    assert f'<a href="{href}" download>screen.png</a>' in files
    log_href = f"/tickets/{key}/attachments/{log['id']}"
    assert f'<a href="{log_href}" download>error.log</a>' in files and f'{log_href}?inline=1' not in files
    assert f'data-attachment="{note["id"]}" class="internal"' in files


def test_the_customers_task_page_shows_their_files_but_no_internal_ones(app, desk):
    key = desk.submit()["key"]
    attach(desk, key, "screen.png", PNG)
    attach(desk, key, "notes.txt", b"internal notes\n", as_="support", internal=True)
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which printer?")
    task = desk.task(key, "provide_information", "customer")
    files = section(signed_in(app, "customer").get(f"/tasks/{task['id']}").get_data(as_text=True), 'id="attachments"')
    assert "screen.png" in files and "notes.txt" not in files


def test_staff_read_internal_comments_beside_the_form_and_customers_do_not(app, desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "It happens every Monday."}, expect=201)
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Customer runs v1.2", "internal": True},
                             expect=201)
    triage = desk.task(key, "triage", "support")
    staff = text_of(signed_in(app, "support").get(f"/tasks/{triage['id']}"))
    assert "It happens every Monday." in staff and "Customer runs v1.2" in staff
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info", question="Which?")
    answer = desk.task(key, "provide_information", "customer")
    customer = signed_in(app, "customer").get(f"/tasks/{answer['id']}").get_data(as_text=True)
    assert "It happens every Monday." in customer and "Customer runs v1.2" not in customer
    assert 'name="internal"' not in comment_box(customer)  # customers write no internal ones


def test_a_comment_from_the_task_page_comes_back_to_the_task(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    box = comment_box(page)
    assert f'action="/tickets/{key}/comments"' in box and f'name="back" value="/tasks/{task["id"]}"' in box
    assert 'name="internal"' in box
    done = client.post(f"/tickets/{key}/comments", data={"csrf_token": csrf(client), "body": "Asked the printer team",
                                                         "internal": "true", "back": f"/tasks/{task['id']}"})
    assert done.status_code == 302 and done.headers["Location"] == f"/tasks/{task['id']}"
    again = client.get(done.headers["Location"])
    assert ("success", "Comment added.") in flashes(again)
    comments = section(again.get_data(as_text=True), "<h2>Comments</h2>")
    assert "Asked the printer team" in comments and "internal" in comments
    assert [c["internal"] for c in desk.ticket(key)["comments"]] == [True]


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "tasks/1"])
def test_the_comment_box_goes_back_only_to_a_page_of_this_site(app, desk, back):
    key = desk.submit()["key"]
    client = signed_in(app, "support")
    done = client.post(f"/tickets/{key}/comments", data={"csrf_token": csrf(client), "body": "Noted", "back": back})
    assert done.headers["Location"] == f"/tickets/{key}#comments"


def test_an_empty_comment_from_the_task_page_says_why_and_keeps_the_task(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    done = client.post(f"/tickets/{key}/comments", data={"csrf_token": csrf(client), "body": " ",
                                                         "back": f"/tasks/{task['id']}"})
    assert done.headers["Location"] == f"/tasks/{task['id']}"
    kind, message = flashes(client.get(done.headers["Location"]))[0]
    assert kind == "error" and message.startswith("The comment was not added:")
    assert desk.ticket(key)["comments"] == []


def test_the_next_triage_shows_the_question_and_the_customers_answer(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which printer **model**?")
    desk.complete(key, "provide_information", "customer", information="The LaserJet 4000 on floor 2")
    task = desk.task(key, "triage", "support")
    html = signed_in(app, "support").get(f"/tasks/{task['id']}").get_data(as_text=True)
    answers = section(html, 'id="previous-answers"')
    assert answers.index('data-answer="provide_information"') < answers.index('data-answer="triage"')  # newest first
    assert "The LaserJet 4000 on floor 2" in answers and "Which printer <strong>model</strong>?" in answers
    assert html.index('id="previous-answers"') < html.index("data-taskform")  # in the main column, above the form


def test_the_developer_reads_the_customers_rejection_remarks_on_q(app, desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    accept_through(desk, key, reject_on="q", remarks="The invoice PDF still has no umlauts")
    task = desk.task(key, "fix_bug", "developer")
    answers = section(signed_in(app, "developer").get(f"/tasks/{task['id']}").get_data(as_text=True),
                      'id="previous-answers"')
    first = re.search(r'<article class="answer" data-answer="([^"]+)"', answers).group(1)
    assert first == "accept_on_q" and "The invoice PDF still has no umlauts" in answers
    assert "Null font in PDF export" in answers and "Embedded the font" in answers


def test_customers_see_only_their_own_answers_among_the_previous_ones(app, desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    accept_through(desk, key, reject_on="q", remarks="Still no umlauts")
    desk.complete(key, "fix_bug", "developer", fix_summary="Second attempt")
    desk.complete(key, "review_on_d", "owner", ok=True)
    desk.complete(key, "deploy_to_q", "developer", version="1.4.3")
    task = desk.task(key, "accept_on_q", "customer")
    html = signed_in(app, "customer").get(f"/tasks/{task['id']}").get_data(as_text=True)
    answers = section(html, 'id="previous-answers"')
    assert re.findall(r'data-answer="([^"]+)"', answers) == ["accept_on_q"]
    assert "Still no umlauts" in answers and "Null font" not in html


def test_a_first_task_has_no_previous_answers(app, desk):
    task = desk.task(desk.submit()["key"], "triage", "support")
    assert 'id="previous-answers"' not in signed_in(app, "support").get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_a_long_description_folds_and_a_short_one_does_not(app, desk):
    long_key = desk.submit(description="The printer stops after every page.\n\n" * 40)["key"]
    short_key = desk.submit(description="The printer stops.")["key"]
    client = signed_in(app, "support")
    folded = client.get(f"/tasks/{desk.task(long_key, 'triage', 'support')['id']}").get_data(as_text=True)
    block = folded[folded.index("data-fold>"):folded.index("</button>", folded.index("data-fold>"))]
    assert '<div class="description markdown fold-body">' in block
    assert 'data-fold-toggle data-less="Show less" hidden>Show the whole description' in block  # shown by fold.js
    assert 'src="/static/fold.js"' in folded
    plain = client.get(f"/tasks/{desk.task(short_key, 'triage', 'support')['id']}").get_data(as_text=True)
    assert "data-fold" not in plain and "The printer stops." in plain


# --- where each role lands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "home"), [("customer", "/portal"), ("support", "/inbox"),
                                                ("developer", "/inbox"), ("owner", "/inbox"),
                                                ("process", "/processes"), ("ops", "/ops/instances"),
                                                ("admin", "/inbox")])
def test_each_role_lands_where_its_work_is(app, username, home):
    client = app.test_client()
    assert sign_in(client, username).headers["Location"] == home
    assert client.get("/").headers["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.parametrize("username", ["process", "ops", "support"])
def test_an_explicit_next_still_wins(app, username):
    assert sign_in(app.test_client(), username, next="/account/password").headers["Location"] == "/account/password"


# --- the keyboard's markup ----------------------------------------------------------------------------------


def test_every_signed_in_page_lists_its_keys_in_the_readers_language(app, desk):
    desk.submit()
    client = signed_in(app, "support")
    inbox = client.get("/inbox").get_data(as_text=True)
    overlay = re.search(r"<div class=\"keys-overlay\" data-keys-overlay[^>]*hidden>.*?</dl>", inbox, re.S).group(0)
    assert "<kbd>j</kbd> <kbd>k</kbd>" in overlay and "Claim the selected task" in overlay
    assert 'src="/static/keys.js"' in inbox
    assert re.search(r"<tr data-ticket=[^>]*data-row class", inbox)
    assert '<form method="post" class="inline" data-row-claim' in inbox
    german = client.get("/inbox", headers=GERMAN).get_data(as_text=True)
    assert "Tastenkürzel" in german and "<kbd>Eingabe</kbd>" in german
    assert "data-keys-overlay" not in app.test_client().get("/sign-in").get_data(as_text=True)  # nobody signed in


def test_the_rows_of_the_portal_and_the_instances_can_be_walked(app, desk):
    key = desk.submit()["key"]
    portal = signed_in(app, "customer").get("/portal").get_data(as_text=True)
    assert f'<tr data-ticket="{key}" data-row>' in portal and 'name="q" data-filter' in portal
    instances = signed_in(app, "ops").get("/ops/instances").get_data(as_text=True)
    assert f'data-ticket="{key}" data-row>' in instances and "<a data-row-open href=\"/ops/instances/" in instances
