"""Full-text search over tickets through GET /tickets?q=, on both databases: folding, stems, literal `%` and `_`,
who finds what, ticket keys and ranking."""

from engine.search_text import index_text, parse_query
from engine.services import search


def _found(desk, q: str, as_: str = "support") -> list[str]:
    return [t["key"] for t in desk.as_(as_).client.get(
        "/api/v1/tickets", query_string={"q": q}, headers=desk.as_(as_).headers).get_json()["items"]]


def test_umlauts_and_sharp_s_fold_both_ways(desk):
    umlaut = desk.submit(title="Passwort ändern", description="Wie kann ich es ändern?")["key"]
    spelled = desk.submit(title="Adresse aendern", description="Bitte umstellen.")["key"]
    street = desk.submit(title="Neue Anschrift", description="Die Strasse vor dem Haus ist falsch.")["key"]
    for q in ("Ändern", "andern", "aendern"):
        assert set(_found(desk, q)) == {umlaut, spelled}, q
    assert _found(desk, "Straße") == [street]
    assert _found(desk, "STRASSE") == [street]


def test_german_and_english_words_are_stemmed(desk):
    printer = desk.submit(title="Papierstau im Drucker", description="Seit gestern.")["key"]
    plural = desk.submit(title="Alle Druckern melden Fehler", description="Im zweiten Stock.")["key"]
    english = desk.submit(title="Export", description="The report stopped printing yesterday.")["key"]
    assert set(_found(desk, "Druckers")) == {printer, plural}
    assert _found(desk, "prints") == [english]
    assert _found(desk, "yesterday prints") == [english]  # terms are ANDed
    assert _found(desk, "yesterday Drucker") == []


def test_the_last_word_matches_as_a_prefix(desk):
    key = desk.submit(title="Rechnungsdruck", description="Die Rechnung ist leer.")["key"]
    assert _found(desk, "rechnun") == [key]
    assert _found(desk, "rechnun leer") == []  # only the last word is a prefix
    assert _found(desk, "leer rechnun") == [key]


def test_percent_and_underscore_are_ordinary_characters(desk):
    rebate = desk.submit(title="Rabatt 50% falsch", description="Feld max_value leer.")["key"]
    desk.submit(title="Something else", description="Nothing special.")
    assert _found(desk, "%") == []
    assert _found(desk, "_") == []
    assert _found(desk, "50%") == [rebate]
    assert _found(desk, "max_value") == [rebate]
    assert _found(desk, "a%b") == []


def test_comments_attachments_and_internal_comments(desk):
    key = desk.submit(title="Login", description="Geht nicht.")["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "Der Fehlercode lautet Zebra."}, expect=201)
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Vermutlich Kolibri-Modul.", "internal": True},
                             expect=201)
    desk.as_("support").post(f"/tickets/{key}/attachments", expect=201,
                             data={"file": (__import__("io").BytesIO(b"hello log"), "serverlog.txt")})
    assert _found(desk, "zebra", "customer") == [key]
    assert _found(desk, "kolibri", "support") == [key]
    assert _found(desk, "kolibri", "customer") == []
    assert _found(desk, "kolibri zebra", "customer") == []
    assert _found(desk, "serverlog") == [key]
    [hit] = desk.as_("support").get("/tickets?q=kolibri")["items"]
    assert hit["matched_in"] == "internal" and "Kolibri" in hit["snippet"]
    start, end = hit["snippet_marks"][0]
    assert hit["snippet"][start:end] == "Kolibri"
    [public] = desk.as_("customer").get("/tickets?q=geht")["items"]
    assert public["matched_in"] == "description"


def test_another_organisations_ticket_is_never_found_by_a_customer(desk):
    acme = desk.submit(title="Seltsamer Scanner")["key"]
    globex = desk.submit(as_="customer2", title="Seltsamer Scanner bei Globex")["key"]
    assert _found(desk, "seltsam", "customer") == [acme]
    assert _found(desk, "seltsam", "customer2") == [globex]
    assert _found(desk, acme, "customer2") == []
    assert set(_found(desk, "seltsam")) == {acme, globex}
    assert _found(desk, "globex", "customer") == []  # the organisation's name is searched
    assert _found(desk, "globex", "support") == [globex]


def test_a_ticket_key_comes_first(desk):
    first = desk.submit(title="Monitor flackert")["key"]
    second = desk.submit(title="Monitor bleibt dunkel")["key"]
    number = first.split("-")[1]
    for q in (first, f"sup {number}", f"sup-{number}", f"#{number}"):
        assert _found(desk, q) == [first], q
    assert _found(desk, f"{second.lower()} monitor")[:2] == [second, first]
    assert search.jump_target(desk.sf, _actor(desk, "support"), f"SUP {number}") == first
    assert search.jump_target(desk.sf, _actor(desk, "customer2"), first) is None


def test_a_title_match_ranks_above_a_comment_match(desk):
    in_comment = desk.submit(title="Allgemeine Frage", description="Zur Lizenz.")["key"]
    desk.as_("customer").post(f"/tickets/{in_comment}/comments", {"body": "Es geht um den Webshop."}, expect=201)
    in_title = desk.submit(title="Webshop langsam", description="Seit dem Update.")["key"]
    older = desk.submit(title="Webshop offline", description="Kein Zugriff.")["key"]
    desk.as_("customer").post(f"/tickets/{in_comment}/comments", {"body": "Noch ein Wort."}, expect=201)
    assert _found(desk, "webshop")[-1] == in_comment
    assert set(_found(desk, "webshop")[:2]) == {in_title, older}


def test_a_renamed_organisation_is_found_by_its_new_name(desk):
    org = desk.as_("admin").post("/organisations", {"name": "Initech", "domains": ["initech.example"]}, expect=201)
    key = desk.as_("support").post("/tickets", {"title": "Stapler fehlt", "description": "Rot.",
                                                "category": "question", "priority": "low",
                                                "organisation": org["id"]}, expect=201)["key"]
    assert _found(desk, "initech") == [key]
    desk.as_("admin").call("PATCH", f"/organisations/{org['id']}", json={"name": "Initrode"})
    assert _found(desk, "initech") == []
    assert _found(desk, "initrode stapler") == [key]
    assert search.reindex(desk.sf) >= 1
    assert _found(desk, "initrode") == [key]


def test_the_normaliser():
    assert set(index_text("Ändern").split()) >= {"andern", "aendern", "and"}
    assert "strasse" in index_text("Straße").split()
    assert index_text("50%_x") == "50 x"
    query = parse_query("SUP-7 Drucker dru")
    assert query.keys == (7,) and [t.word for t in query.terms] == ["drucker", "dru"]
    assert not query.terms[0].prefixes and query.terms[1].prefixes == {"dru"}


def _actor(desk, username):
    from engine.services import accounts
    token = desk.as_(username).headers["Authorization"].split()[1]
    return accounts.actor_for_token(desk.sf, token)
