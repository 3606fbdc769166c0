"""Numbers and keys from the address bar or a form that were 500s: digits that are not ASCII ('²'), numbers past
what their column holds. Each is a clear 4xx with a sentence about the thing, and nothing changes."""

from tests.helpers import instance_of
from tests.pages.helpers import RENAMED, csrf_of, flashes, post, signed_in, text_of
from webapp.converters import bounded_number

HUGE = "99999999999999999999999"


def test_a_ticket_key_with_superscript_digits_is_no_such_ticket(app, desk):
    key = desk.submit()["key"]
    page = signed_in(app, "support").get("/tickets/SUP-²")
    assert page.status_code == 404 and "There is no ticket SUP-²." in text_of(page)
    for path in ("/tickets/SUP-²", "/tickets/SUP-\uff11"):  # a fullwidth digit is no key digit either
        assert desk.as_("support").get(path, expect=404)["error"] == f"There is no ticket {path[9:]}."
    assert desk.as_("customer").post("/tickets/SUP-²/comments", {"body": "Hello"}, expect=404)
    client = signed_in(app, "support")
    answer = client.post("/tickets/SUP-²/comments", data={"body": "Hello", "csrf_token": csrf_of(client, "/inbox")})
    assert answer.status_code == 404
    assert desk.ticket(key)["comments"] == []


def test_an_instance_filter_with_superscript_digits_matches_nothing(app, desk):
    desk.submit()
    assert desk.as_("ops").get("/instances?ticket=SUP-²") == []
    page = signed_in(app, "ops").get("/ops/instances?ticket=SUP-²")
    assert page.status_code == 200 and "No instance matches these filters." in text_of(page)


def test_the_diff_and_migration_pages_keep_versions_within_bounds(app, desk):
    desk.as_("process").post("/processes", data=RENAMED, content_type="application/xml", expect=201)
    client = signed_in(app, "process")
    for query, unreadable in ((f"from={HUGE}&to=2", HUGE), (f"from=1&to={HUGE}", HUGE), ("from=²&to=2", "²"),
                              ("from=0&to=2", "0")):
        for page in ("diff", "migrate"):
            answer = client.get(f"/processes/support_ticket/{page}?{query}")
            assert answer.status_code == 422, (page, query)
            assert f"“{unreadable}” is not a version of support_ticket: its versions are numbered 1 to 2." in (
                text_of(answer)), (page, query)
    # The API's bounds are the same.
    desk.as_("process").get(f"/processes/support_ticket/diff?from={HUGE}&to=2", expect=422)


def test_the_migration_refuses_an_instance_id_it_cannot_read_and_moves_nothing(app, desk):
    key = desk.submit()["key"]
    desk.as_("process").post("/processes", data=RENAMED, content_type="application/xml", expect=201)
    client = signed_in(app, "process")
    token = csrf_of(client, "/processes/support_ticket/migrate?from=1&to=2")
    mine = str(instance_of(desk, key)["id"])
    for posted in ({"instance": ["²", mine]}, {"instance": [HUGE, mine]}):
        answer = client.post("/processes/support_ticket/migrate", follow_redirects=True,
                             data={"csrf_token": token, "from": "1", "to": "2", **posted})
        assert answer.status_code == 200
        assert f"There is no instance “{posted['instance'][0]}”; nothing was moved." in text_of(answer)
    missing = client.post("/processes/support_ticket/migrate", data={"csrf_token": token, "to": "2", "instance": mine})
    assert missing.status_code == 422, "a move names both versions"
    huge = client.post("/processes/support_ticket/migrate", data={"csrf_token": token, "from": HUGE, "to": "2",
                                                                  "instance": mine})
    assert huge.status_code == 422 and f"“{HUGE}” is not a version of support_ticket" in text_of(huge)
    assert instance_of(desk, key)["version"] == 1


def test_the_bulk_page_refuses_an_instance_id_it_cannot_read_and_does_nothing(app, desk):
    key = desk.submit()["key"]
    mine = str(instance_of(desk, key)["id"])
    client = signed_in(app, "ops")
    for unreadable in (HUGE, "²", "-1", "0"):
        answer = post(client, "/ops/instances/bulk", action="suspend", ids=[mine, unreadable])
        assert answer.status_code == 200
        assert ("error", f"Nothing was done: there is no instance “{unreadable}”.") in flashes(answer)
    assert instance_of(desk, key)["status"] == "waiting"


def test_bounded_numbers_read_like_the_url_converters():
    assert [bounded_number(text, 99) for text in ("1", " 42 ", "99")] == [1, 42, 99]
    assert [bounded_number(text, 99) for text in ("0", "100", "-1", "²", "\u0661", "1.0", "", None, "9" * 5000)] == [
        None] * 9
