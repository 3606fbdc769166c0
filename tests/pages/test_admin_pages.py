"""The administration pages and the password pages, as an admin and the people they invite use them: an
organisation created and edited, a customer invited who chooses a password from the mailed link and sees
their organisation and contact person, a deactivated person signed out at their next page, a forgotten
password reset once, and refusals in words."""

import html

from engine.services.authorization import CAPABILITIES
from tests.helpers import link_token, mails_to, unique
from tests.pages.helpers import csrf_of, flashes, sign_in, signed_in, submit_form, text_of

PASSWORD = "correct horse battery"


def post_form(client, path: str, page: str | None = None, **fields):
    return client.post(path, data={"csrf_token": csrf_of(client, page or path), **fields})


def test_an_admin_creates_an_organisation_and_invites_a_customer_who_then_signs_in(app, sf):
    admin = signed_in(app, "admin")
    nav = text_of(admin.get("/admin", follow_redirects=True))
    assert "Administration" in nav and "People" in nav
    name, domain = unique("Initech "), f"{unique('initech')}.example"
    created = post_form(admin, "/admin/organisations/new", name=name, domains=f"{domain.upper()}\n",
                        contact="support", notes="Seed 002's project lead.")
    assert created.status_code == 302
    listing = admin.get("/admin/organisations")
    assert name in text_of(listing) and domain in text_of(listing) and "Sam Support" in text_of(listing)
    assert ("success", f"The organisation {name} is created.") in flashes(listing)

    username = unique("cust")
    email = f"{username}@{domain}"
    invited = post_form(admin, "/admin/users/new", username=username, name="Ines Initech", email=email,
                        roles="customer", organisation=name, language="en")
    assert invited.status_code == 302
    person = admin.get(invited.headers["Location"])
    assert ("success", f"Ines Initech is invited: the invitation with their link is on its way to {email}.") in (
        flashes(person))
    [mail] = mails_to(sf, email)
    token = link_token(mail)

    visitor = app.test_client()
    page = visitor.get(f"/password/reset/{token}")
    assert page.status_code == 200 and "Welcome — choose your password" in html.unescape(text_of(page))
    differ = post_form(visitor, f"/password/reset/{token}", password=PASSWORD, confirm=PASSWORD + "x")
    assert differ.status_code == 422 and "The two passwords differ" in text_of(differ)
    weak = post_form(visitor, f"/password/reset/{token}", password="password123", confirm="password123")
    assert weak.status_code == 422 and "most common ones" in text_of(weak)
    done = post_form(visitor, f"/password/reset/{token}", password=PASSWORD, confirm=PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/sign-in")
    used = visitor.get(f"/password/reset/{token}")
    assert used.status_code == 410 and "used already" in text_of(used)

    assert sign_in(visitor, username, PASSWORD).status_code == 302
    portal = visitor.get("/portal")
    assert "Your contact: Sam Support, support@supportflow.example" in text_of(portal)
    assert "No tickets yet." in text_of(portal)  # Acme's tickets are not hers
    submitted = submit_form(visitor, "/portal/new", title="Printer on fire")
    ticket = text_of(visitor.get(submitted.headers["Location"]))
    assert name in ticket and "Your contact: Sam Support, support@supportflow.example" in ticket
    assert "Contact person: Sam Support" in text_of(admin.get(submitted.headers["Location"]))


def test_a_deactivated_person_is_signed_out_at_their_next_page(app, desk):
    username = unique("dev")
    desk.as_("admin").post("/users", {"username": username, "name": "Dev Eloper", "roles": ["developer"],
                                      "email": f"{username}@agency.example"}, expect=201)
    token = link_token(mails_to(desk.sf, f"{username}@agency.example")[-1])
    desk.client.post(f"/api/v1/auth/reset/{token}", json={"password": PASSWORD})
    person = app.test_client()
    assert sign_in(person, username, PASSWORD).status_code == 302
    assert person.get("/inbox").status_code == 200

    admin = signed_in(app, "admin")
    page = admin.get(f"/admin/users/{username}")
    assert "Send the invitation again" in text_of(page)
    saved = post_form(admin, f"/admin/users/{username}", name="Dev Eloper", email=f"{username}@agency.example",
                      roles="developer", language="")  # "active" unticked
    assert saved.status_code == 302
    assert "inactive" in text_of(admin.get("/admin/users?role=developer&active=false"))
    back = person.get("/inbox")
    assert back.status_code == 302 and "/sign-in" in back.headers["Location"]
    trail = text_of(admin.get("/admin/events"))
    assert "Person deactivated" in trail and username in trail


def test_an_admin_edits_an_organisation_and_bad_input_is_said_in_words(app):
    admin = signed_in(app, "admin")
    refused = post_form(admin, "/admin/organisations/new", name="Acme", domains="not a domain", contact="")
    assert refused.status_code == 422
    words = html.unescape(text_of(refused))
    assert "There is an organisation 'Acme' already." in words
    assert "'not' is not an e-mail domain such as example.com." in words
    name = unique("Hooli ")
    post_form(admin, "/admin/organisations/new", name=name, domains="", contact="")
    [row] = [line for line in admin.get("/admin/organisations").get_data(as_text=True).split("<tr")
             if f'data-organisation="{name}"' in line]
    path = row.split('href="')[1].split('"')[0]
    saved = post_form(admin, path, name=name, domains="hooli.example", contact="developer", notes="",
                      has_active="1")  # "active" unticked: inactive
    assert saved.status_code == 302
    edited = text_of(admin.get(path))
    assert "hooli.example" in edited
    assert "inactive" in text_of(admin.get("/admin/organisations")).split(name)[1][:60]
    # An inactive organisation is not offered when capturing calls.
    assert name not in text_of(signed_in(app, "support").get("/capture"))
    bad_user = post_form(admin, "/admin/users/new", username="x", name="X", email="no-mail", roles="wizard")
    assert bad_user.status_code == 422
    assert "Unknown role 'wizard'" in html.unescape(text_of(bad_user)) and "Not a valid email address." in text_of(
        bad_user)


def test_a_forgotten_password_is_reset_once_and_the_answer_never_says_whether_the_address_is_known(app, desk, sf):
    username = unique("own")
    email = f"{username}@agency.example"  # not a demo user's: PostgreSQL keeps users between tests
    desk.as_("admin").post("/users", {"username": username, "name": "Olga Owner", "roles": ["product_owner"],
                                      "email": email}, expect=201)
    visitor = app.test_client()
    assert "Forgot your password?" in text_of(visitor.get("/sign-in"))
    answers = []
    for address in (email, "nobody@nowhere.example"):
        answer = post_form(visitor, "/password/reset", email=address)
        answers.append((answer.status_code, flashes(visitor.get(answer.headers["Location"]))))
    assert answers[0] == answers[1] and answers[0][0] == 302
    assert mails_to(sf, "nobody@nowhere.example") == []
    token = link_token(mails_to(sf, email)[-1])
    assert mails_to(sf, email)[-1]["template"] == "password_reset"
    page = visitor.get(f"/password/reset/{token}")
    assert "Choose a new password" in text_of(page)
    assert post_form(visitor, f"/password/reset/{token}", password=PASSWORD, confirm=PASSWORD).status_code == 302
    again = post_form(visitor, f"/password/reset/{token}", page="/password/reset", password=PASSWORD, confirm=PASSWORD)
    assert again.status_code == 410 and "used already" in text_of(again)
    unknown = visitor.get("/password/reset/no-such-link")
    assert unknown.status_code == 404 and "This link is not known." in text_of(unknown)
    assert sign_in(visitor, username, PASSWORD).status_code == 302


def test_only_admins_reach_the_administration(app):
    for username in ("support", "customer"):
        client = signed_in(app, username)
        assert "Administration" not in text_of(client.get("/", follow_redirects=True))
        for path in ("/admin", "/admin/users", "/admin/organisations", "/admin/organisations/new",
                     "/admin/users/new", "/admin/events"):
            page = client.get(path)
            assert page.status_code == 403, path
            assert any(str(capability.refusal) in html.unescape(text_of(page)) for capability in
                       (CAPABILITIES["admin:users"], CAPABILITIES["admin:organisations"],
                        CAPABILITIES["admin:audit"])), path


def test_the_administration_and_the_password_pages_speak_german(app):
    admin = signed_in(app, "admin")
    german = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    people = text_of(admin.get("/admin/users", headers=german))
    assert "Verwaltung" in people and "Personen" in people and "Jemanden einladen" in people
    assert "Neue Organisation" in text_of(admin.get("/admin/organisations", headers=german))
    assert "Admin-Protokoll" in text_of(admin.get("/admin/events", headers=german))
    visitor = app.test_client()
    assert "Passwort vergessen?" in text_of(visitor.get("/sign-in", headers=german))
    unknown = visitor.get("/password/reset/no-such-link", headers=german)
    assert "Dieser Link ist unbekannt." in text_of(unknown)
