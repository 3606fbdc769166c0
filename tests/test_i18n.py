"""Languages: which one a request gets, the engine's sentences and the pages in it, and dates, numbers and
money in the reader's locale."""

from datetime import UTC, datetime

from engine import i18n
from tests.pages.helpers import signed_in, text_of


def test_the_browser_s_first_spoken_language_by_quality():
    assert i18n.best_language("fr-FR,de;q=0.8,en;q=0.5") == "de"
    assert i18n.best_language("en-US,en;q=0.9,de;q=0.8") == "en"
    assert i18n.best_language("de-AT") == "de"
    assert i18n.best_language("de;q=0, en") == "en"
    assert i18n.best_language("fr, it;q=0.4") == "en"
    assert i18n.best_language(None) == i18n.best_language("") == "en"
    assert i18n.best_language("de;q=abc, xx-;;;,") == "en"  # garbage is nobody's language


def test_dates_numbers_and_money_follow_the_reader():
    moment = datetime(2027, 1, 15, 13, 30, tzinfo=UTC)
    with i18n.speaking("de"):
        assert i18n.format_date(moment) == "15.01.2027"
        assert i18n.format_datetime(moment) == "15.01.2027, 14:30"  # Berlin is an hour ahead in January
        assert i18n.format_money(1920, "EUR") == "1.920,00\xa0€"
        assert i18n.format_number(1920.5) == "1.920,5"
        assert (i18n.format_file_size(1_520_000), i18n.format_file_size(512)) == ("1,5 MB", "512 Byte")
    with i18n.speaking("en"):
        assert i18n.format_date(moment) == "15 Jan 2027"
        assert i18n.format_money(1920, "EUR") == "€1,920.00"
        assert (i18n.format_file_size(1_520_000), i18n.format_file_size(12_000)) == ("1.5 MB", "12 kB")
    assert i18n.current_language() == "en"  # the block's language ends with it


def test_a_lazy_sentence_is_read_in_the_language_current_when_read():
    sentence = i18n.lazy("Inbox")
    with i18n.speaking("de"):
        assert str(sentence) == "Eingang" and f"{sentence}!" == "Eingang!"
    assert str(sentence) == "Inbox" and sentence == "Inbox"


def test_a_page_speaks_the_browser_s_language_until_the_person_chose_one(app):
    client = signed_in(app, "support")
    german = client.get("/inbox", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in german.get_data(as_text=True) and "Eingang" in text_of(german)
    english = client.get("/inbox", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True) and "Inbox" in text_of(english)
    assert i18n.current_language() == "en"  # nothing of the request's language stays behind


def test_dates_as_the_records_carry_them_are_formatted_too():
    with i18n.speaking("de"):
        assert i18n.format_datetime("2027-01-15T13:30:00+00:00") == "15.01.2027, 14:30"
        assert i18n.format_datetime("2027-01-15T13:30:00") == "15.01.2027, 14:30"  # no zone: UTC
        assert i18n.format_date("2027-01-15") == i18n.format_datetime("2027-01-15") == "15.01.2027"
        assert i18n.format_date("soon") == "soon" and i18n.format_datetime("") == ""  # no date: as written


def test_the_vocabulary_reads_in_the_reader_s_language():
    from engine import domain

    with i18n.speaking("de"):
        assert domain.status_text("waiting_for_customer") == "Rückfrage beim Kunden"
        assert domain.status_text("waiting_for_customer", customer=True) == "Wartet auf Ihre Antwort"
        assert domain.resolution_text("wont_fix") == "Wird nicht behoben"
        assert domain.word(domain.PRIORITY_TEXT, "high") == "hoch"
        assert domain.word(domain.ROLE_TEXT, "made_up_role") == "made up role"
    assert domain.status_text("review") == "In review" and isinstance(domain.status_text("review"), str)
