"""Who may do what (engine.services.authorization): the table of capabilities and roles, the navigation each
person gets from it, and one refusal per capability, in the capability's own words."""

import html

import pytest

from engine.domain import ROLES
from engine.errors import Forbidden
from engine.services.authorization import CAPABILITIES, Actor, capabilities_of
from tests.helpers import broken_support_ticket
from tests.pages.helpers import signed_in, text_of

# The whole rule, written out once more by hand: a change to the table must change this too.
EXPECTED = {
    "customer": {"ticket:submit", "ticket:reopen", "ticket:withdraw"},
    "support_master": {"ticket:capture", "ticket:internal", "ticket:reopen", "ticket:merge", "ticket:withdraw",
                       "task:assign", "reply:use", "reply:share", "ticket:list", "ticket:change", "view:share"},
    "developer": {"ticket:internal", "ticket:reopen", "board:read", "reply:use", "ticket:list"},
    "product_owner": {"ticket:internal", "ticket:reopen", "task:assign", "reply:use", "ticket:list",
                      "ticket:change"},
    "process_owner": {"ticket:internal", "ticket:reopen", "process:read", "process:edit", "process:migrate",
                      "step:diagnose", "reply:use", "ticket:list", "mail_template:edit"},
    "ops": {"ticket:internal", "ticket:reopen", "process:read", "process:migrate", "instance:inspect",
            "instance:repair", "step:diagnose", "reply:use", "ticket:list", "mail:read"},
    "admin": {"ticket:internal", "ticket:reopen", "admin:organisations", "admin:users", "admin:audit", "reply:use",
              "reply:share", "ticket:list", "view:share", "mail_template:edit"},
}


def actor(*roles: str, organisation_id: int | None = None) -> Actor:
    return Actor(1, "someone", "Someone", frozenset(roles), organisation_id)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_its_capabilities(role):
    assert capabilities_of(frozenset({role})) == EXPECTED[role]


def test_several_roles_hold_what_each_holds():
    assert actor("developer", "ops").capabilities == EXPECTED["developer"] | EXPECTED["ops"]
    assert actor().capabilities == frozenset()


def test_every_capability_is_held_by_someone_and_says_why_it_refuses():
    for name, capability in CAPABILITIES.items():
        assert capability.roles, name
        assert capability.refusal.endswith(".") and len(capability.refusal.split()) >= 5, name


def test_require_refuses_in_the_capability_s_words():
    with pytest.raises(Forbidden, match=r"^Only ops staff inspect and repair process instances\.$"):
        actor("support_master").require("instance:repair")
    actor("ops").require("instance:repair")
    with pytest.raises(AssertionError):
        actor("ops").can("instance:fly")  # a misspelt capability is a programming error, never a silent no


def test_a_task_is_worked_by_the_holders_of_its_role():
    developer = actor("developer")
    assert developer.may_work("developer") and not developer.may_work("support_master")
    assert not developer.may_work(None)
    with pytest.raises(Forbidden, match=r"^The task .Triage. is for the role support_master; you do not hold it\.$"):
        developer.require_work("Triage", "support_master")


def test_a_customer_sees_their_own_organisation_only():
    assert actor("customer", organisation_id=3).may_see_organisation(3)
    assert not actor("customer", organisation_id=3).may_see_organisation(4)
    assert not actor("customer").may_see_organisation(None)
    assert actor("support_master").may_see_organisation(4)


# Each navigation entry, and the capability that offers it.
NAVIGATION = {"Board": "board:read", "Capture a call": "ticket:capture", "Processes": "process:read",
              "Instances": "instance:inspect", "Errors": "instance:inspect", "Administration": "admin:users",
              "Replies": "reply:use", "Tickets": "ticket:list", "Mail templates": "mail_template:edit",
              "Incoming mail": "mail:read"}


@pytest.mark.parametrize("username,role", [("customer", "customer"), ("support", "support_master"),
                                           ("developer", "developer"), ("owner", "product_owner"),
                                           ("process", "process_owner"), ("ops", "ops"), ("admin", "admin")])
def test_the_navigation_offers_what_the_person_may_do(app, username, role):
    page = signed_in(app, username).get("/", follow_redirects=True)
    nav = text_of(page).split("Sign out")[0]
    for entry, capability in NAVIGATION.items():
        assert (f" {entry} " in f" {nav} ") == (capability in EXPECTED[role]), (username, entry)


def test_the_board_page_refuses_who_is_no_developer(app):
    page = signed_in(app, "support").get("/board")
    assert page.status_code == 403 and str(CAPABILITIES["board:read"].refusal) in html.unescape(text_of(page))


def _refused(caller, method: str, path: str, capability: str, **kwargs) -> None:
    answer = caller.call(method, path, expect=403, **kwargs)
    assert answer["error"] == CAPABILITIES[capability].refusal


def test_each_capability_is_refused_through_the_api_in_its_words(desk):
    key = desk.submit()["key"]
    triage = desk.task(key, "triage", "support")
    instance_id = desk.as_("ops").get("/instances")[0]["id"]
    support, customer, developer = desk.as_("support"), desk.as_("customer"), desk.as_("developer")
    call = {"title": "A call", "description": "Taken on the phone.", "category": "bug", "priority": "normal",
            "organisation": "Acme"}
    _refused(developer, "POST", "/tickets", "ticket:capture", json=call)
    _refused(customer, "POST", f"/tickets/{key}/comments", "ticket:internal", json={"body": "x", "internal": True})
    _refused(developer, "POST", f"/tasks/{triage['id']}/assign", "task:assign", json={"username": "support"})
    _refused(support, "GET", "/processes", "process:read")
    _refused(support, "POST", "/processes", "process:edit", data=b"<x/>", content_type="application/xml")
    _refused(developer, "POST", "/processes/support_ticket/migrate", "process:migrate", json={"from": 1, "to": 1})
    _refused(support, "GET", "/instances", "instance:inspect")
    _refused(support, "POST", f"/instances/{instance_id}/suspend", "instance:repair")
    _refused(support, "GET", "/ops/mail", "mail:read")
    _refused(customer, "GET", "/replies", "reply:use")
    _refused(support, "GET", "/mail-templates", "mail_template:edit")
    _refused(developer, "PUT", "/mail-templates/answer/en", "mail_template:edit",
             json={"subject": "Hi", "body": "Hi"})
    _refused(customer, "GET", "/tickets?assignee=me", "ticket:list")
    _refused(customer, "GET", "/views", "ticket:list")
    _refused(developer, "PATCH", f"/tickets/{key}", "ticket:change", json={"priority": "high"})
    _refused(developer, "POST", "/tickets/bulk", "ticket:change", json={"keys": [key], "action": "priority",
                                                                         "value": "high"})
    _refused(developer, "POST", "/views", "view:share", json={"name": "Mine", "filters": {}, "shared": True})
    _refused(developer, "POST", "/replies", "reply:share", json={"title": "Hi", "text": "Hi", "language": "en",
                                                                 "shared": True})
    answer = developer.call("POST", f"/tasks/{triage['id']}/complete", expect=403, json={"data": {}})
    assert answer["error"] == f"The task {triage['name']!r} is for the role support_master; you do not hold it."
    assert desk.status(key) == ("new", None) and desk.open_tasks(key) == ["triage"]  # nothing changed


def test_only_those_who_repair_read_why_a_step_failed(desk):
    desk.as_("process").post("/processes", data=broken_support_ticket(), content_type="application/xml",
                             expect=201)
    key = desk.submit()["key"]
    answer = desk.complete(key, "triage", "support", expect=503, category="bug", priority="high",
                           outcome="need_info", question="Which steps lead to the error?")
    assert "problem" not in answer
    ops = desk.as_("ops")
    [group] = ops.get("/instances/errors")
    retried = ops.call("POST", f"/instances/{group['instances'][0]['id']}/retry", expect=503)
    assert retried["problem"]
