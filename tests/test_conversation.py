"""Comments and attachments: customers see and write only public ones on their own tickets; files are
accepted by what their bytes are, limited in size, and served so that a browser never runs them."""

import io

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(desk, key, as_, name, content, expect=201, internal=False):
    data = {"file": (io.BytesIO(content), name), "internal": "true" if internal else "false"}
    return desk.as_(as_).post(f"/tickets/{key}/attachments", data=data, content_type="multipart/form-data",
                              expect=expect)


def test_public_and_internal_comments(desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "It happens every Monday."}, expect=201)
    note = desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Customer is on v1.2", "internal": True},
                                    expect=201)
    assert note["internal"] is True and note["author"] == "support"
    staff_view, customer_view = desk.ticket(key), desk.ticket(key, as_="customer")
    assert [c["body"] for c in staff_view["comments"]] == ["It happens every Monday.", "Customer is on v1.2"]
    assert [c["body"] for c in customer_view["comments"]] == ["It happens every Monday."]
    assert "v1.2" not in str(customer_view)
    assert [e["kind"] for e in customer_view["events"]].count("comment_added") == 1


def test_customers_cannot_comment_internally_or_on_other_tickets(desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "x", "internal": True}, expect=403)
    desk.as_("customer2").post(f"/tickets/{key}/comments", {"body": "x"}, expect=404)
    answer = desk.as_("customer").post(f"/tickets/{key}/comments", {"body": 5}, expect=422)
    assert set(answer["errors"]) == {"body"}
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "   "}, expect=422)
    assert desk.ticket(key)["comments"] == []


def test_a_screenshot_is_attached_and_served_safely(desk):
    key = desk.submit()["key"]
    attached = upload(desk, key, "customer", "../../etc/screen shot.png", PNG)
    assert attached["filename"] == "screen shot.png"
    assert (attached["content_type"], attached["size"]) == ("image/png", len(PNG))
    response = desk.client.get(f"/api/v1/tickets/{key}/attachments/{attached['id']}",
                               headers=desk.as_("support").headers)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    inline = desk.client.get(f"/api/v1/tickets/{key}/attachments/{attached['id']}?inline=1",
                             headers=desk.as_("customer").headers)
    assert inline.headers["Content-Disposition"].startswith("inline") and inline.mimetype == "image/png"
    assert [a["filename"] for a in desk.ticket(key, as_="customer")["attachments"]] == ["screen shot.png"]
    desk.as_("customer2").get(f"/tickets/{key}/attachments/{attached['id']}", expect=404)


def test_files_are_judged_by_their_bytes(desk):
    key = desk.submit()["key"]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = upload(desk, key, "customer", "logo.png", svg, expect=422)
    assert "not a file we accept" in refused["errors"]["file"][0]
    upload(desk, key, "customer", "page.html", b"<html><script>alert(1)</script></html>", expect=422)
    upload(desk, key, "customer", "empty.txt", b"", expect=422)
    upload(desk, key, "customer", "big.png", PNG + b"\x00" * (10 * 1024 * 1024), expect=422)
    log = upload(desk, key, "customer", "error.log", b"Fehler: Drucker nicht gefunden\n")
    served = desk.client.get(f"/api/v1/tickets/{key}/attachments/{log['id']}",
                             headers=desk.as_("customer").headers)
    assert served.mimetype == "text/plain" and served.headers["Content-Disposition"].startswith("attachment")
    desk.as_("customer").post(f"/tickets/{key}/attachments", data={}, content_type="multipart/form-data",
                              expect=422)
    assert len(desk.ticket(key)["attachments"]) == 1


def test_internal_attachments_are_for_staff(desk):
    key = desk.submit()["key"]
    upload(desk, key, "customer", "mine.png", PNG, internal=True, expect=403)
    internal = upload(desk, key, "developer", "trace.txt", b"stack trace", internal=True)
    assert desk.ticket(key, as_="customer")["attachments"] == []
    desk.as_("customer").get(f"/tickets/{key}/attachments/{internal['id']}", expect=404)
    assert desk.as_("support").get(f"/tickets/{key}/attachments/{internal['id']}") == "stack trace"
