"""Money with a currency: offers and invoices carry one (SUPPORTFLOW_CURRENCY, EUR unless set, an ISO 4217 code),
each invoice keeps the one it was made in, and amounts read in the reader's locale (1.440,00 € / €1,440.00) on the
offer box of the task page, on the invoice and in the mails."""

import pytest

from engine.settings import SettingError, Settings
from tests.helpers import accept_through
from tests.pages.helpers import signed_in

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def test_the_currency_is_euro_unless_set_and_must_be_an_iso_code():
    assert Settings.from_environment({}).currency == "EUR"
    assert Settings.from_environment({"SUPPORTFLOW_CURRENCY": " chf "}).currency == "CHF"
    for bad in ("EURO", "XXY", "€", "E1R"):
        with pytest.raises(SettingError) as refused:
            Settings.from_environment({"SUPPORTFLOW_CURRENCY": bad})
        assert str(refused.value) == (f"SUPPORTFLOW_CURRENCY must be an ISO 4217 currency code such as EUR, CHF or "
                                      f"USD, not {bad!r}.")


def offered(desk, key: str) -> None:
    desk.complete(key, "triage", "support", category="feature", priority="normal", outcome="forward")
    desk.complete(key, "estimate_effort", "developer", hours=12, cost=1440, delivery_date="2026-05-01")
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="We add the CSV export.")


def test_offer_and_invoice_in_the_reader_s_locale_with_the_desk_s_currency(app, desk, sf, monkeypatch):
    key = desk.submit(category="feature", title="CSV export")["key"]
    offered(desk, key)
    [offer_mail] = [m for m in desk.messages(key) if m["template"] == "offer"]
    assert "Cost: €1,440.00" in offer_mail["body"] and "€1,440.00" in offer_mail["html"]
    task = desk.task(key, "decide_offer", "customer")
    client = signed_in(app, "customer")
    german = client.get(f"/tasks/{task['id']}", headers=GERMAN).get_data(as_text=True)
    assert '<dd data-field="cost">1.440,00\xa0€</dd>' in german
    english = client.get(f"/tasks/{task['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<dd data-field="cost">€1,440.00</dd>' in english

    desk.complete(key, "decide_offer", "customer", accept=True)
    desk.complete(key, "implement", "developer", summary="CSV export in the report menu")
    monkeypatch.setattr(sf, "settings", Settings(currency="CHF"))  # the desk changed its currency meanwhile
    ticket = accept_through(desk, key)
    assert ticket["invoice"]["cost"] == 1440.0 and ticket["invoice"]["currency"] == "CHF"
    page = client.get(f"/tickets/{key}", headers=GERMAN).get_data(as_text=True)
    assert "<dd>1.440,00\xa0CHF</dd>" in page
    trail = signed_in(app, "support").get(f"/tickets/{key}", headers=GERMAN).get_data(as_text=True)
    assert "12 Stunden, 1.440,00\xa0CHF." in trail, "the trail's invoice entry (staff's) says its currency too"

    monkeypatch.setattr(sf, "settings", Settings(currency="USD"))
    assert desk.ticket(key)["invoice"]["currency"] == "CHF", "an invoice keeps the currency it was made in"
