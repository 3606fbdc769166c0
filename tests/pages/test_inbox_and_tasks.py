"""The staff inbox and the task page through the browser's eyes: server-rendered forms, typed form data,
errors next to their fields, claims, and tasks that moved on meanwhile."""

import re

import pytest
from werkzeug.datastructures import MultiDict

from engine.errors import NotFound
from engine.forms import FormDefinition
from engine.services import accounts, offers, tasks
from tests.helpers import bug_fix_reading_an_undefined_name
from tests.pages.helpers import csrf, signed_in
from webapp.pages import taskforms


def inbox_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-ticket="([^"]+)" data-task="([^"]+)"', html)




def post_task(client, task_id: str, _ticket: str | None = None, **fields):
    return client.post(f"/tasks/{task_id}", data={"csrf_token": csrf(client), **fields})


def field_html(html: str, key: str) -> str:
    """The wrapper of one form field, from its opening tag to the next field's."""
    start = html.index(f'data-key="{key}"')
    end = html.find('<div class="field', start)
    return html[start:end if end > 0 else None]


def feature_offer(desk, key: str, approve: bool = True) -> None:
    desk.complete(key, "triage", "support", category="feature", priority="high", outcome="forward")
    desk.complete(key, "estimate_effort", "developer", hours=12, cost=1500, delivery_date="2026-05-01")
    if approve:
        desk.complete(key, "approve_offer", "owner", approved=True, offer_text="We add the CSV export.")


# --- the inbox ---------------------------------------------------------------------------------------------


def test_the_inbox_lists_a_new_tickets_triage_with_its_data(app, desk, clock):
    key = desk.submit(title="Printer on fire", priority="high")["key"]
    task = desk.task(key, "triage", "support")
    clock.advance(hours=3)
    page = signed_in(app, "support").get("/inbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and inbox_rows(html) == [(key, "triage")]
    assert f'href="/tasks/{task["id"]}">Triage the ticket</a>' in html
    assert f'href="/tickets/{key}">{key}</a>' in html and "Printer on fire" in html
    assert '<span class="badge high">high</span>' in html and "<td" in html and ">3 h</td>" in html
    assert re.search(r'data-role-count="support_master"[^>]*>Support Master <strong>1</strong>', html)
    clock.advance(days=2)
    assert ">2 d</td>" in signed_in(app, "support").get("/inbox").get_data(as_text=True)


def test_customers_go_to_the_portal_and_strangers_to_sign_in(app):
    assert app.test_client().get("/inbox").headers["Location"].startswith("/sign-in")
    assert signed_in(app, "customer").get("/inbox").headers["Location"] == "/portal"


def test_an_empty_inbox_says_so_kindly(app):
    html = signed_in(app, "developer").get("/inbox").get_data(as_text=True)
    assert "Your inbox is empty" in html and "<table" not in html


def test_filters_sorting_and_a_count_per_role(app, desk, sf, clock):
    accounts.create_user(sf, "both", "demo", ["support_master", "developer"], display_name="Bo Both")
    low = desk.submit(priority="low")["key"]
    clock.advance(hours=1)
    critical = desk.submit(priority="critical")["key"]
    clock.advance(hours=1)
    high = desk.submit(priority="high")["key"]
    clock.advance(hours=1)
    desk.complete(low, "triage", "support", category="bug", priority="low", outcome="forward")
    client = signed_in(app, "both")

    def rows(query: str = "") -> list[tuple[str, str]]:
        return inbox_rows(client.get(f"/inbox{query}").get_data(as_text=True))

    html = client.get("/inbox").get_data(as_text=True)
    assert re.search(r"Developer <strong>1</strong>.*Support Master <strong>2</strong>", html, re.S)
    assert rows() == [(critical, "triage"), (high, "triage"), (low, "analyze_bug")]  # oldest task first
    assert rows("?role=developer") == [(low, "analyze_bug")]
    assert rows("?role=ops") == rows()  # a role the user does not hold filters nothing
    assert rows("?priority=critical") == [(critical, "triage")]
    assert rows("?sort=priority") == [(critical, "triage"), (high, "triage"), (low, "analyze_bug")]
    assert rows("?sort=priority&role=support_master&priority=low") == []
    assert "No task matches these filters" in client.get("/inbox?priority=normal").get_data(as_text=True)
    assert rows("?show=mine") == []
    assert rows("?show=unassigned") == rows()


def test_an_overdue_task_stands_out_and_sorts_by_due_date(app, desk, sf, clock):
    # A support master who is also a customer of Acme sees Acme's customer tasks, which have deadlines.
    accounts.create_user(sf, "hybrid", "demo", ["support_master", "customer"], organisation="Acme")
    waiting = desk.submit()["key"]
    desk.complete(waiting, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Which steps lead to the error?")
    fresh = desk.submit()["key"]
    clock.advance(days=31)  # past provide_information's 30 days; its timer has not run yet
    html = signed_in(app, "hybrid").get("/inbox?sort=due").get_data(as_text=True)
    assert inbox_rows(html) == [(waiting, "provide_information"), (fresh, "triage")]
    row = re.search(rf'<tr data-ticket="{waiting}".*?</tr>', html, re.S).group(0)
    assert 'class="overdue"' in row and '<span class="badge overdue">overdue</span>' in row
    assert "1 Apr 2026" in row  # due 30 days after 2026-03-02, in the reader's locale
    assert 'class="overdue"' not in re.search(rf'<tr data-ticket="{fresh}".*?</tr>', html, re.S).group(0)


def test_claim_and_release(app, desk, sf):
    desk.user("support2", ["support_master"], "Sue Second")
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    response = client.post(f"/inbox/tasks/{task['id']}/claim",
                           data={"csrf_token": csrf(client), "back": "/inbox?show=mine"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?show=mine"
    html = client.get("/inbox?show=mine").get_data(as_text=True)
    assert "You claimed “Triage the ticket” on SUP-1." in html and inbox_rows(html) == [(key, "triage")]
    assert 'data-assignee="support"' in html and ">Release</button>" in html
    other = signed_in(app, "support2")
    html = other.get("/inbox").get_data(as_text=True)
    assert "Sam Support" in html and ">Claim</button>" not in html  # someone else holds it
    response = other.post(f"/inbox/tasks/{task['id']}/claim",
                          data={"csrf_token": csrf(other), "back": "https://evil.example/"})
    assert response.headers["Location"] == "/inbox"
    assert "This task is held by Sam Support already." in other.get("/inbox").get_data(as_text=True)
    client.post(f"/inbox/tasks/{task['id']}/unclaim", data={"csrf_token": csrf(client)})
    html = client.get("/inbox").get_data(as_text=True)
    assert "You released" in html and "data-assignee" not in html and inbox_rows(html) == [(key, "triage")]
    assert client.post(f"/inbox/tasks/{task['id']}/claim").status_code == 400  # no CSRF token


def test_the_task_page_says_who_holds_it_and_support_masters_assign_it(app, desk, sf):
    desk.user("support2", ["support_master"], "Sue Second")
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert '<p class="task-holder" data-holder="">Nobody holds this task yet.</p>' in html
    picker = html[html.index('name="username"'):]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', picker[:picker.index("</select>")])
    assert options[0] == ("", "Nobody") and {("support", "Sam Support"), ("support2", "Sue Second")} <= set(options)
    assert "developer" not in dict(options) and "customer" not in dict(options)  # only holders of the role
    response = client.post(f"/tasks/{task['id']}/assign", data={"csrf_token": csrf(client), "username": "support2"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{task['id']}"
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "“Triage the ticket” is now held by Sue Second." in html
    assert '<p class="task-holder" data-holder="support2">Held by <strong>Sue Second</strong>.</p>' in html
    assert desk.task(key, "triage", "support")["assignee"] == "support2"
    trail = client.get(f"/tickets/{key}").get_data(as_text=True)
    assert "<strong>Sam Support</strong> assigned <em>Triage the ticket</em> to Sue Second." in trail
    # the developer's own task page has no assign control: only support masters pass tasks on
    desk.complete(key, "triage", "support2", category="bug", priority="high", outcome="forward")
    analysis = desk.task(key, "analyze_bug", "developer")
    assert 'name="username"' not in signed_in(app, "developer").get(f"/tasks/{analysis['id']}").get_data(as_text=True)


def test_completing_a_task_someone_else_holds_names_them_and_keeps_the_input(app, desk, sf):
    desk.user("support2", ["support_master"], "Sue Second")
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    other = signed_in(app, "support2")
    assert other.get(f"/tasks/{task['id']}").status_code == 200  # the form is open in the browser …
    desk.as_("support").post(f"/tasks/{task['id']}/claim")  # … when someone else claims the task
    response = post_task(other, task["id"], key, category="question", priority="low", outcome="answer",
                         answer="Use the PDF printer.")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This task is held by Sam Support; your input was not saved." in html
    assert ">Use the PDF printer.</textarea>" in html and ">Complete task</button>" in html
    assert desk.open_tasks(key) == ["triage"] and desk.status(key) == ("new", None)


# --- the task page: rendering ------------------------------------------------------------------------------


def test_the_triage_form_renders_its_options_and_conditional_fields(app, desk):
    key = desk.submit(category="question", priority="low")["key"]
    task = desk.task(key, "triage", "support")
    page = signed_in(app, "support").get(f"/tasks/{task['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Triage the ticket</h1>" in html and "Printing fails" in html
    assert "<strong>Check before you decide.</strong>" in html  # the form's text, as a paragraph
    outcome = field_html(html, "outcome")
    assert '<select id="field-outcome" name="outcome"' in outcome
    for value in ("need_info", "answer", "forward", "someday", "duplicate"):
        assert f'<option value="{value}">' in outcome
    assert '<option value="question" selected>' in field_html(html, "category")  # starts from the ticket
    assert '<option value="low" selected>' in field_html(html, "priority")
    assert 'data-hide="=outcome != &#34;answer&#34;"' in field_html(html, "answer")
    assert '<textarea id="field-answer" name="answer"' in html
    assert 'data-hide="=outcome != &#34;duplicate&#34;"' in field_html(html, "duplicate_of")
    assert 'data-hide="=outcome != &#34;need_info&#34;"' in field_html(html, "question")
    assert '<textarea id="field-question" name="question"' in html
    assert ">Complete task</button>" in html and 'name="csrf_token"' in html
    assert '<li data-kind="ticket_created"' in html and "/static/dist/taskforms.js" in html


def test_yes_no_fields_are_radio_pairs_with_no_answer_chosen(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Restart the printer.")
    task = desk.task(key, "confirm_answer", "customer")
    client = signed_in(app, "customer")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    solved = field_html(html, "solved")
    assert '<input type="radio" name="solved" value="true"> Yes' in solved
    assert '<input type="radio" name="solved" value="false"> No' in solved and "checked" not in solved
    assert "<legend>Does the answer solve your problem?" in solved
    response = post_task(client, task["id"], key, comment="Thanks!")  # no answer chosen
    assert response.status_code == 422
    assert re.search(r'data-error-for="solved"[^>]*>Choose Yes or No\.', field_html(response.get_data(as_text=True),
                                                                                 "solved"))
    assert desk.open_tasks(key) == ["confirm_answer"]


def test_the_customer_reads_the_support_teams_question_on_the_task(app, desk, sf):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which printer **model**?\n<script>alert(1)</script>")
    task = desk.task(key, "provide_information", "customer")
    html = signed_in(app, "customer").get(f"/tasks/{task['id']}").get_data(as_text=True)
    start = html.index('<div class="form-text"')
    text = html[start:html.index("</div>", start)]
    assert "The support team needs more information" in text
    assert "Which printer **model**?<br>&lt;script&gt;alert(1)&lt;/script&gt;" in text  # escaped, as typed
    assert "<script>alert" not in html
    # only what the form's texts name is read from the task's data, nothing else of it
    view = tasks.task_view(sf, accounts.actor_by_username(sf, "customer"), task["id"])
    assert view["shown_data"] == {"question": "Which printer **model**?\n<script>alert(1)</script>"}


def test_a_text_shows_the_data_it_names_and_nothing_else():
    form = {"components": [{"type": "text", "text": "**Asked:** {{ question }}\n\nUnknown: {{nothing}}."}]}
    [text] = taskforms.widgets(FormDefinition.from_json(form, element="t"), shown_data={"question": "a **b** <i>"})
    assert str(text.text) == "<p><strong>Asked:</strong> a **b** &lt;i&gt;</p><p>Unknown: .</p>"


# --- the task page: completing -----------------------------------------------------------------------------


def test_an_invalid_triage_shows_the_messages_next_to_the_fields_and_keeps_the_input(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    response = post_task(client, task["id"], key, category="feature", priority="", outcome="answer", answer="  ",
                         duplicate_of="not a key")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-error-for="priority"[^>]*>This field is required\.', field_html(html, "priority"))
    assert re.search(r'data-error-for="answer"[^>]*>This field is required\.', field_html(html, "answer"))
    assert 'class="field field-error" data-key="answer"' in html
    assert 'data-error-for="duplicate_of"' not in html  # hidden by outcome=answer: ignored
    assert '<option value="feature" selected>' in field_html(html, "category")  # the input is kept
    assert '<option value="answer" selected>' in field_html(html, "outcome")
    assert '<option value="" >' not in html and "Please correct what is marked below" in html
    assert desk.open_tasks(key) == ["triage"] and desk.status(key) == ("new", None)


def test_a_valid_post_completes_the_task_and_returns_to_the_inbox(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    response = post_task(client, task["id"], key, category="question", priority="high", outcome="answer",
                         answer="Use the PDF printer.", duplicate_of="")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    html = client.get("/inbox").get_data(as_text=True)
    assert f"Done: Triage the ticket on {key}." in html and inbox_rows(html) == []
    assert desk.open_tasks(key) == ["confirm_answer"]
    ticket = desk.ticket(key)
    assert ticket["priority"] == "high" and ticket["category"] == "question"


def test_a_task_completed_meanwhile_is_said_plainly(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    assert client.get(f"/tasks/{task['id']}").status_code == 200  # the form is open in the browser …
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="forward")  # … elsewhere
    response = post_task(client, task["id"], key, category="question", priority="low", outcome="someday")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This task was completed by someone else meanwhile; your input was not saved." in html
    assert "Complete task" not in html and f'href="/tickets/{key}"' in html
    page = client.get(f"/tasks/{task['id']}")  # from any link, the task itself says it is done
    assert page.status_code == 409 and "This task is no longer open" in page.get_data(as_text=True)
    assert desk.open_tasks(key) == ["analyze_bug"]


def test_a_failed_step_keeps_what_was_typed_and_says_operations_were_told(app, desk):
    desk.as_("process").post("/processes", data=bug_fix_reading_an_undefined_name(),
                             content_type="application/xml", expect=201)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    task = desk.task(key, "analyze_bug", "developer")
    response = post_task(signed_in(app, "developer"), task["id"], key, is_bug="false", analysis="A wish, not a bug.")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was saved: the process cannot go on from this step" in html and "Operations were told" in html
    assert "NameError" not in html and "severity" not in html  # what failed is for operations
    assert ">A wish, not a bug.</textarea>" in html
    assert '<input type="radio" name="is_bug" value="false" checked>' in html and ">Complete task</button>" in html
    assert desk.open_tasks(key) == ["analyze_bug"]
    assert [g["instances"][0]["ticket_key"] for g in desk.as_("ops").get("/instances/errors")] == [key]


def test_a_suspended_instance_refuses_plainly_and_keeps_nothing(app, desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    instance = desk.as_("ops").get(f"/instances?ticket={key}")[0]
    desk.as_("ops").post(f"/instances/{instance['id']}/suspend")
    response = post_task(signed_in(app, "support"), task["id"], key, category="bug", priority="low",
                         outcome="forward")
    assert response.status_code == 409 and "Complete task" not in response.get_data(as_text=True)
    assert desk.open_tasks(key) == ["triage"]


def test_a_customer_confirms_the_answer_on_the_task_page(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Restart the printer.")
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Grumpy customer", "internal": True}, expect=201)
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Did it help?", "internal": False}, expect=201)
    task = desk.task(key, "confirm_answer", "customer")
    client = signed_in(app, "customer")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "<h1>Confirm the answer</h1>" in html and 'href="/portal">My tickets</a>' in html
    assert "Did it help?" in html and "Grumpy" not in html  # public comments only
    response = post_task(client, task["id"], key, solved="true", comment="Thanks!")
    assert response.status_code == 302 and response.headers["Location"] == "/portal"
    assert desk.status(key) == ("closed", "answered")


def test_the_offer_decision_shows_hours_cost_and_delivery_date(app, desk):
    key = desk.submit(title="CSV export", category="feature")["key"]
    feature_offer(desk, key)
    task = desk.task(key, "decide_offer", "customer")
    client = signed_in(app, "customer")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert '<dd data-field="hours">12 hours</dd>' in html and '<dd data-field="cost">€1,500.00</dd>' in html
    assert '<dd data-field="delivery_date">1 May 2026</dd>' in html and "We add the CSV export." in html
    assert "Our offer" in html and "The offer is valid for 30 days." in html
    assert post_task(client, task["id"], key, accept="true").status_code == 302
    assert desk.open_tasks(key) == ["implement"]


def test_a_customer_cannot_open_another_organisations_task(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Restart the printer.")
    task = desk.task(key, "confirm_answer", "customer")
    stranger = signed_in(app, "customer2")
    assert stranger.get(f"/tasks/{task['id']}").status_code == 404
    assert post_task(stranger, task["id"], key, solved="true").status_code == 404
    assert desk.open_tasks(key) == ["confirm_answer"]


# --- the engine's offer, and the form conversions -----------------------------------------------------------


def actor(sf, username):
    return accounts.actor_for_token(sf, accounts.sign_in(sf, username, "demo"))


def test_the_current_offer_is_the_latest_estimate_customers_see_once_approved(desk, sf):
    key = desk.submit(category="feature")["key"]
    feature_offer(desk, key, approve=False)
    estimate = {"hours": 12, "cost": 1500, "currency": "EUR", "delivery_date": "2026-05-01", "offer_text": None}
    assert offers.current_offer(sf, actor(sf, "owner"), key) == estimate
    assert offers.current_offer(sf, actor(sf, "customer"), key) is None
    desk.complete(key, "approve_offer", "owner", approved=False)
    desk.complete(key, "estimate_effort", "developer", hours=8.5, cost=990.5, delivery_date="2026-06-01")
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="Cheaper now.")
    offer = {"hours": 8.5, "cost": 990.5, "currency": "EUR", "delivery_date": "2026-06-01",
             "offer_text": "Cheaper now."}
    assert offers.current_offer(sf, actor(sf, "customer"), key) == offer
    with pytest.raises(NotFound):
        offers.current_offer(sf, actor(sf, "customer2"), key)
    assert offers.current_offer(sf, actor(sf, "customer"), desk.submit()["key"]) is None


FORM = {"components": [
    {"type": "text", "text": "Read <this> **first**."},
    {"type": "textfield", "key": "name"}, {"type": "textarea", "key": "notes"},
    {"type": "number", "key": "hours"}, {"type": "number", "key": "cost"}, {"type": "number", "key": "junk"},
    {"type": "number", "key": "huge"}, {"type": "checkbox", "key": "ok"}, {"type": "checkbox", "key": "no"},
    {"type": "checkbox", "key": "unsure"}, {"type": "select", "key": "pick", "values": [{"value": "a"}]},
    {"type": "radio", "key": "way", "values": [{"value": "x"}]},
    {"type": "datetime", "subtype": "date", "key": "when"},
]}


def test_browser_strings_become_the_engines_types():
    posted = MultiDict({"name": "Ann", "notes": "   ", "hours": "3.0", "cost": "12.5", "junk": "twelve",
                        "huge": "123456789012345678901234567890", "ok": "true", "no": "false", "pick": "a",
                        "way": "", "when": "2026-05-01", "csrf_token": "x", "_ticket": "SUP-1"})
    form = FormDefinition.from_json(FORM, element="t")
    assert taskforms.typed_data(form, posted) == {
        "name": "Ann", "hours": 3, "cost": 12.5, "junk": "twelve", "huge": 123456789012345678901234567890,
        "ok": True, "no": False, "pick": "a", "when": "2026-05-01"}
    assert taskforms.typed_data(form, {"hours": "nan", "ok": "maybe"}) == {"hours": "nan", "ok": "maybe"}
    assert taskforms.typed_data(None, posted) == {}


def test_widgets_escape_texts_and_keep_what_was_posted():
    form = FormDefinition.from_json(FORM, element="t")
    text, *fields = taskforms.widgets(form, {"name": "<b>Ann</b>", "ok": "false"})
    assert str(text.text) == "<p>Read &lt;this&gt; <strong>first</strong>.</p>"
    values = {w.key: w.value for w in fields}
    assert values["name"] == "<b>Ann</b>" and values["ok"] == "false" and values["hours"] == ""
