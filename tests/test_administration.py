"""Administration through the API, as an admin and the people they invite do it: organisations with their
domains and contact person, invitations by a single-use link in the outbox, deactivation that stops sign-in at
once and hands back claimed tasks, password resets that never say whether an address is known, the admin
trail, and refusals in words."""

import json

import pytest

from engine.senders import JsonLinesSender
from engine.services import outbox
from engine.services.authorization import CAPABILITIES
from tests.desk import Caller
from tests.helpers import SAMPLE_TICKET, TRIAGE_ANSWER, link_token, mails_to, unique

NEW_PASSWORD = "correct horse battery"


def invite(desk, *, roles=("customer",), organisation=None, language=None, username=None) -> dict:
    username = username or unique("person")
    body = {"username": username, "name": f"Person {username}", "email": f"{username}@people.example",
            "roles": list(roles)}
    if organisation is not None:
        body["organisation"] = organisation
    if language is not None:
        body["language"] = language
    return desk.as_("admin").post("/users", body, expect=201)


def accept(desk, user: dict, password: str = NEW_PASSWORD) -> Caller:
    """The invited person opens the link of their invitation mail, chooses a password and signs in."""
    [mail] = [m for m in mails_to(desk.sf, user["email"]) if m["template"] == "invitation"][-1:]
    desk.client.post(f"/api/v1/auth/reset/{link_token(mail)}", json={"password": password})
    return Caller(desk.client, user["username"], password)


def organisation(desk, **fields) -> dict:
    body = {"name": unique("Org "), "domains": [f"{unique('d')}.example"], **fields}
    return desk.as_("admin").post("/organisations", body, expect=201)


def test_an_admin_creates_globex2_invites_a_customer_who_then_sees_only_globex2(desk):
    admin = desk.as_("admin")
    globex2 = admin.post("/organisations", {"name": "Globex2", "domains": ["Globex2.Example"], "contact": "support",
                                            "notes": "Project lead: Sam."}, expect=201)
    assert globex2 == {"id": globex2["id"], "name": "Globex2", "domains": ["globex2.example"], "contact": "support",
                       "contact_name": "Sam Support", "notes": "Project lead: Sam.", "active": True,
                       "mail_new_contacts": "create", "builtin": None}
    assert admin.get(f"/organisations/{globex2['id']}") == globex2
    assert "Globex2" in [o["name"] for o in admin.get("/organisations")["items"]]

    gwen = admin.post("/users", {"username": "gwen", "name": "Gwen Globex", "email": "gwen@globex2.example",
                                 "roles": ["customer"], "organisation": "Globex2"}, expect=201)
    assert (gwen["organisation"], gwen["organisation_id"], gwen["active"]) == ("Globex2", globex2["id"], True)
    [mail] = mails_to(desk.sf, "gwen@globex2.example")
    assert mail["template"] == "invitation" and mail["ticket_id"] is None
    assert "http://127.0.0.1:5000/password/reset/" in mail["body"] and "gwen" in mail["body"]
    token = link_token(mail)
    with pytest.raises(AssertionError):  # no password works before she chose one
        Caller(desk.client, "gwen", "demo")

    assert desk.client.get(f"/api/v1/auth/reset/{token}").status_code == 405  # the link is for the page
    assert desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": NEW_PASSWORD}).status_code == 204
    again = desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": "another good one"})
    assert again.status_code == 410 and "used already" in again.get_json()["error"]

    gwen_api = Caller(desk.client, "gwen", NEW_PASSWORD)
    mine = gwen_api.post("/tickets", {**SAMPLE_TICKET, "title": "Globex2's printer"}, expect=201)
    assert (mine["organisation"], mine["organisation_id"]) == ("Globex2", globex2["id"])
    acme = desk.submit(title="Acme's printer")
    assert acme["organisation_id"] != globex2["id"]
    assert [t["key"] for t in gwen_api.get("/tickets")["items"]] == [mine["key"]]
    gwen_api.get(f"/tickets/{acme['key']}", expect=404)
    # Staff find Globex2's tickets by its id or its name; support masters capture calls for it by either.
    support = desk.as_("support")
    assert [t["key"] for t in support.get(f"/tickets?organisation={globex2['id']}")["items"]] == [mine["key"]]
    assert [t["key"] for t in support.get("/tickets?organisation=Globex2")["items"]] == [mine["key"]]
    call = {**SAMPLE_TICKET, "title": "Called in", "organisation": globex2["id"]}
    assert support.post("/tickets", call, expect=201)["organisation"] == "Globex2"


def test_customer_mails_are_signed_by_the_organisation_s_contact_person(desk):
    org = organisation(desk, contact="support")
    customer = accept(desk, invite(desk, organisation=org["name"]))
    key = customer.post("/tickets", SAMPLE_TICKET, expect=201)["key"]
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    [answer] = desk.messages(key)
    assert answer["body"].endswith("Kind regards,\nSam Support")
    # Without a contact person (or with one who left), the support team signs.
    desk.as_("admin").call("PATCH", f"/organisations/{org['id']}", json={"contact": None})
    other = desk.submit()["key"]
    desk.complete(other, "triage", "support", **TRIAGE_ANSWER)
    assert desk.messages(other)[0]["body"].endswith("Kind regards,\nYour support team")


def test_a_deactivated_person_is_refused_at_their_next_request_and_their_claims_go_back(desk):
    developer = accept(desk, invite(desk, roles=["developer"]))
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    task = desk.task(key, "analyze_bug", "developer")
    developer.post(f"/tasks/{task['id']}/claim")
    assert [t["assignee"] for t in desk.ticket(key)["open_tasks"]] == [developer.username]

    changed = desk.as_("admin").call("PATCH", f"/users/{developer.username}", json={"active": False})
    assert changed["active"] is False
    refused = developer.call("GET", "/tasks", expect=401)
    assert "sign in again" in refused["error"]
    assert desk.client.post("/api/v1/auth/token", json={"username": developer.username,
                                                        "password": NEW_PASSWORD}).status_code == 401
    ticket = desk.ticket(key)
    assert [t["assignee"] for t in ticket["open_tasks"]] == [None]
    [released] = [e for e in ticket["events"] if e["kind"] == "task_assigned"]
    assert (released["actor"], released["detail"]["from"], released["detail"]["to"]) == (
        "admin", developer.username, None)
    assert released["detail"]["reason"] == "deactivated"
    [event] = desk.as_("admin").get(f"/admin/events?target={developer.username}")["items"][:1]
    assert (event["kind"], event["actor"], event["detail"]) == (
        "user_deactivated", "admin", {"active": {"from": True, "to": False}})

    desk.as_("admin").call("PATCH", f"/users/{developer.username}", json={"active": True})
    Caller(desk.client, developer.username, NEW_PASSWORD).get("/tasks")  # back, with the password they had
    kinds = [e["kind"] for e in desk.as_("admin").get(f"/admin/events?target={developer.username}")["items"]]
    assert kinds == ["user_reactivated", "user_deactivated", "user_invited"]


def test_an_admin_keeps_their_own_access(desk):
    admin = accept(desk, invite(desk, roles=["admin"]))  # not the demo admin: PostgreSQL keeps users
    path = f"/users/{admin.username}"
    assert admin.call("PATCH", path, expect=422, json={"active": False})["errors"] == {
        "active": ["You cannot deactivate yourself; another admin can."]}
    assert admin.call("PATCH", path, expect=422, json={"roles": ["developer"]})["errors"] == {
        "roles": ["You cannot take away your own admin role; another admin can."]}
    assert admin.get(path)["roles"] == ["admin"]
    assert admin.call("PATCH", path, json={"roles": ["admin", "ops"], "language": "de"})["roles"] == ["admin", "ops"]
    # Another admin may do both.
    assert desk.as_("admin").call("PATCH", path, json={"roles": ["ops"], "active": False})["active"] is False


def test_people_change_as_an_admin_says(desk):
    org = organisation(desk)
    person = invite(desk, roles=["developer"], language="en")
    admin = desk.as_("admin")
    path = f"/users/{person['username']}"
    changed = admin.call("PATCH", path, json={"roles": ["customer"], "organisation": org["id"], "name": "New Name",
                                              "language": "de"})
    assert (changed["roles"], changed["organisation"], changed["name"], changed["language"]) == (
        ["customer"], org["name"], "New Name", "de")
    back = admin.call("PATCH", path, json={"roles": ["support_master", "developer"]})
    assert (back["roles"], back["organisation"]) == (["developer", "support_master"], None)  # staff: no organisation
    listed = admin.get(f"/users?organisation={org['id']}")["items"]
    assert person["username"] not in [u["username"] for u in listed]
    assert person["username"] in [u["username"] for u in admin.get("/users?role=support_master")["items"]]
    assert all(u["active"] for u in admin.get("/users?active=true")["items"])
    acme = admin.get("/users?organisation=Acme")["items"]  # other tests' people outlive them on PostgreSQL
    assert "customer" in [u["username"] for u in acme] and {u["organisation"] for u in acme} == {"Acme"}
    admin.get("/users/nobody-of-that-name", expect=404)
    admin.call("PATCH", "/users/nobody-of-that-name", expect=404, json={"active": False})
    admin.get("/organisations/999999", expect=404)


def test_an_inactive_organisation_s_people_cannot_sign_in_and_it_is_not_offered_for_calls(desk):
    org = organisation(desk)
    customer = accept(desk, invite(desk, organisation=org["name"]))
    customer.get("/tickets")
    desk.as_("admin").call("PATCH", f"/organisations/{org['id']}", json={"active": False})
    customer.call("GET", "/tickets", expect=401)
    assert desk.client.post("/api/v1/auth/token", json={"username": customer.username,
                                                        "password": NEW_PASSWORD}).status_code == 401
    call = {**SAMPLE_TICKET, "organisation": org["name"]}
    refused = desk.as_("support").post("/tickets", call, expect=422)
    assert refused["errors"] == {"organisation": [f"The organisation {org['name']} is inactive; it has no new "
                                                  "tickets."]}
    assert desk.as_("admin").post("/users", {"username": unique("late"), "name": "Late", "roles": ["customer"],
                                             "email": f"{unique('late')}@x.example", "organisation": org["id"]},
                                  expect=422)["errors"]["organisation"]
    desk.as_("admin").call("PATCH", f"/organisations/{org['id']}", json={"active": True})
    Caller(desk.client, customer.username, NEW_PASSWORD).get("/tickets")


def test_a_reset_link_works_once_and_the_answer_never_says_whether_the_address_is_known(desk):
    person = accept(desk, invite(desk, roles=["developer"]))
    email = f"{person.username}@people.example"
    known = desk.client.post("/api/v1/auth/reset", json={"email": email.upper()})
    unknown = desk.client.post("/api/v1/auth/reset", json={"email": "nobody@nowhere.example"})
    assert (known.status_code, known.get_data(), unknown.status_code, unknown.get_data()) == (202, b"", 202, b"")
    assert mails_to(desk.sf, "nobody@nowhere.example") == []
    mail = mails_to(desk.sf, email)[-1]
    assert (mail["template"], mail["ticket_id"]) == ("password_reset", None)
    token = link_token(mail)
    short = desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": "short"})
    assert short.status_code == 422 and short.get_json()["errors"]["password"] == [
        "The new password must have at least 10 characters."]
    assert desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": "a fresh password"}).status_code == 204
    person.call("GET", "/tasks", expect=401)  # setting it signed out everywhere
    Caller(desk.client, person.username, "a fresh password")
    assert desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": "yet another one"}).status_code == 410
    assert desk.client.post("/api/v1/auth/reset/not-a-token", json={"password": "yet another one"}).status_code == 404
    # An unused link expires after two hours; a deactivated person's links stop working at once.
    desk.client.post("/api/v1/auth/reset", json={"email": email})
    late = link_token(mails_to(desk.sf, email)[-1])
    desk.clock.advance(hours=3)
    expired = desk.client.post(f"/api/v1/auth/reset/{late}", json={"password": "yet another one"})
    assert expired.status_code == 410 and "expired" in expired.get_json()["error"]


def test_reset_requests_are_throttled_per_address_and_per_client(desk):
    person = invite(desk, roles=["ops"])
    for _ in range(3):
        assert desk.client.post("/api/v1/auth/reset", json={"email": person["email"]}).status_code == 202
    refused = desk.client.post("/api/v1/auth/reset", json={"email": person["email"]})
    assert refused.status_code == 429 and "try again in 15 minutes" in refused.get_json()["error"]
    # Known or not, the same: and many addresses from one client are refused too.
    for number in range(7):
        assert desk.client.post("/api/v1/auth/reset", json={"email": f"x{number}@nowhere.example"}).status_code == 202
    assert desk.client.post("/api/v1/auth/reset", json={"email": "y@nowhere.example"}).status_code == 429
    assert len([m for m in mails_to(desk.sf, person["email"]) if m["template"] == "password_reset"]) == 3
    desk.clock.advance(minutes=16)
    assert desk.client.post("/api/v1/auth/reset", json={"email": person["email"]}).status_code == 202
    # Sign-in failures of the address are not counted with the reset requests.
    assert desk.client.post("/api/v1/auth/token", json={"username": "support", "password": "demo"}).status_code == 200


def test_a_new_invitation_replaces_the_earlier_link(desk):
    person = invite(desk, roles=["developer"])
    first = link_token(mails_to(desk.sf, person["email"])[-1])
    desk.as_("admin").post(f"/users/{person['username']}/invitation")
    second = link_token(mails_to(desk.sf, person["email"])[-1])
    assert desk.client.post(f"/api/v1/auth/reset/{first}", json={"password": NEW_PASSWORD}).status_code == 410
    assert desk.client.post(f"/api/v1/auth/reset/{second}", json={"password": NEW_PASSWORD}).status_code == 204
    kinds = [e["kind"] for e in desk.as_("admin").get(f"/admin/events?target={person['username']}")["items"]]
    assert kinds == ["invitation_resent", "user_invited"]


def test_an_invitation_is_written_in_the_person_s_language(desk):
    person = invite(desk, roles=["developer"], language="de")
    [mail] = mails_to(desk.sf, person["email"])
    assert mail["subject"] == "Ihr Zugang zu supportflow"
    assert "Wählen Sie Ihr Passwort" in mail["body"]


def test_the_outbox_file_carries_mails_without_a_ticket(desk, tmp_path):
    person = invite(desk, roles=["developer"])
    sink = tmp_path / "outbox.jsonl"
    outbox.deliver_pending(desk.sf, JsonLinesSender(sink))
    records = [json.loads(line) for line in sink.read_text().splitlines()]
    [record] = [r for r in records if r["to"] == [person["email"]]]
    assert record["kind"] == record["template"] == "invitation" and record["ticket"] is None
    assert "ticket_key" not in record and record["message_id"] == f"<{record['delivery_id']}@localhost>"
    assert "in_reply_to" not in record and "references" not in record  # of no ticket's thread
    assert (record["reply_to"], record["auto_submitted"]) == ("support@localhost", "auto-generated")
    assert "/password/reset/" in record["body"]


def test_the_admin_trail_says_who_changed_what(desk):
    admin = desk.as_("admin")
    org = organisation(desk, notes="First notes.")
    admin.call("PATCH", f"/organisations/{org['id']}", json={"notes": "Second notes.", "domains": org["domains"]})
    admin.call("PATCH", f"/organisations/{org['id']}", json={"notes": "Second notes."})  # no change: no event
    events = admin.get(f"/admin/events?target={org['name']}")["items"]
    assert [(e["kind"], e["actor"]) for e in events] == [("organisation_changed", "admin"),
                                                        ("organisation_created", "admin")]
    assert events[0]["detail"] == {"notes": {"from": "First notes.", "to": "Second notes."}}
    page = admin.get("/admin/events?limit=1")
    assert len(page["items"]) == 1 and admin.get(f"/admin/events?limit=1&before={page['next']}")["items"]


@pytest.mark.parametrize("body,field,message", [
    ({"domains": ["not a domain"]}, "domains", "'not a domain' is not an e-mail domain such as example.com."),
    ({"domains": ["acme"]}, "domains", "'acme' is not an e-mail domain such as example.com."),
    ({"domains": "acme.example"}, "domains", "Give the domains as a list, such as [\"example.com\"]."),
    ({"contact": "customer"}, "contact", "There is no active staff member 'customer' to be the contact person."),
    ({"name": "Acme"}, "name", "There is an organisation 'Acme' already."),
    ({"name": "   "}, "name", "Give the organisation a name."),
])
def test_a_bad_organisation_is_refused_in_words(desk, body, field, message):
    answer = desk.as_("admin").post("/organisations", {"name": unique("Org "), **body}, expect=422)
    assert answer["errors"][field] == [message]


def test_a_domain_belongs_to_one_organisation(desk):
    first = organisation(desk)
    answer = desk.as_("admin").post("/organisations", {"name": unique("Org "),
                                                       "domains": [first["domains"][0].upper()]}, expect=422)
    assert answer["errors"] == {"domains": [f"The domain {first['domains'][0]} belongs to {first['name']} already."]}


@pytest.mark.parametrize("body,field,message", [
    ({"roles": ["wizard"]}, "roles", "Unknown role 'wizard'; the roles are customer, support_master, developer, "
                                     "product_owner, process_owner, ops, admin."),
    ({"roles": []}, "roles", "Give the person at least one role."),
    ({"roles": ["customer"]}, "organisation", "A customer belongs to an organisation; name it."),
    ({"roles": ["customer"], "organisation": "Nowhere Ltd"}, "organisation", "There is no organisation 'Nowhere Ltd'."),
    ({"roles": ["developer"], "organisation": "Acme"}, "organisation",
     "Only customers belong to an organisation; staff have none."),
    ({"roles": ["customer", "developer"], "organisation": "Acme"}, "roles",
     "A person is a customer or staff, not both."),
    ({"username": "support"}, "username", "The user name 'support' is taken."),
    ({"username": "x"}, "username", "A user name has 2 to 100 letters, digits, dots, hyphens or underscores, and "
                                    "starts with a letter or digit."),
    ({"email": "customer@acme.example"}, "email", "Another person has the e-mail address customer@acme.example "
                                                  "already."),
    ({"language": "fr"}, "language", "Must be one of: en, de."),
])
def test_a_bad_user_is_refused_in_words_and_nothing_is_sent(desk, body, field, message):
    username = unique("bad")
    full = {"username": username, "name": "Bad Input", "email": f"{username}@x.example", "roles": ["developer"],
            **body}
    answer = desk.as_("admin").post("/users", full, expect=422)
    assert answer["errors"][field] == [message]
    assert mails_to(desk.sf, full["email"]) == []


@pytest.mark.parametrize("method,path,capability", [
    ("POST", "/organisations", "admin:organisations"), ("GET", "/organisations", "admin:organisations"),
    ("GET", "/organisations/1", "admin:organisations"), ("PATCH", "/organisations/1", "admin:organisations"),
    ("POST", "/users", "admin:users"), ("GET", "/users", "admin:users"), ("GET", "/users/support", "admin:users"),
    ("PATCH", "/users/support", "admin:users"), ("POST", "/users/support/invitation", "admin:users"),
    ("GET", "/admin/events", "admin:audit"),
])
def test_only_admins_administer(desk, method, path, capability):
    for username in ("support", "customer", "ops"):
        answer = desk.as_(username).call(method, path, expect=403, json={"active": False, "name": "X"})
        assert answer["error"] == CAPABILITIES[capability].refusal
    assert desk.as_("support").get("/tasks") is not None  # support was not deactivated by the attempt


def test_the_first_admin_is_made_on_the_command_line(tmp_path, monkeypatch, capsys):
    from io import StringIO

    from webapp.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SUPPORTFLOW_BASE_URL", "https://desk.agency.example/")
    assert main(["admin", "create", "boss", "--email", "boss@agency.example", "--name", "Bea Boss"]) == 0
    out = capsys.readouterr().out
    assert "admin boss created" in out
    link = out.strip().splitlines()[-1]
    assert link.startswith("https://desk.agency.example/password/reset/")
    assert main(["admin", "create", "boss", "--email", "other@agency.example"]) == 2
    assert "The user name 'boss' is taken." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", StringIO("short\n"))
    assert main(["admin", "create", "chief", "--email", "chief@agency.example", "--password-stdin"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", StringIO(f"{NEW_PASSWORD}\n"))
    assert main(["admin", "create", "chief", "--email", "chief@agency.example", "--password-stdin"]) == 0
    assert "sign in with the password given" in capsys.readouterr().out

    from engine.services import accounts
    from engine.services.context import open_supportflow

    sf = open_supportflow()
    assert accounts.sign_in(sf, "chief", NEW_PASSWORD)
    token = link.rsplit("/", 1)[1]
    from engine.services import links

    assert links.link_state(sf, token)["purpose"] == "invite"
    links.set_password(sf, token, {"password": NEW_PASSWORD})
    assert accounts.actor_by_username(sf, "boss").can("admin:users")


def test_the_openapi_document_lists_administration_and_resets(desk):
    document = desk.client.get("/api/v1/openapi.json").get_json()
    for path, method in (("/organisations", "post"), ("/organisations/{organisation_id}", "patch"),
                         ("/users", "post"), ("/users/{username}", "patch"), ("/users/{username}/invitation", "post"),
                         ("/admin/events", "get"), ("/auth/reset", "post"), ("/auth/reset/{token}", "post")):
        assert method in document["paths"][path], path
    assert "410" in document["paths"]["/auth/reset/{token}"]["post"]["responses"]
    assert "organisation_id" in document["components"]["schemas"]["TicketSummary"]["properties"]
