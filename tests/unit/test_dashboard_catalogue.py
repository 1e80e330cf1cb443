"""One catalogue for every string of the dashboard: each one the pages show has its French."""
from __future__ import annotations

from babel.messages.pofile import read_po

from chalicelib.web.dashboard import i18n
from local.messages import CATALOGUE, extracted


def test_every_string_of_the_dashboard_has_a_french_translation():
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source, locale="fr")
    used = {message.id for message in extracted() if message.id}
    translated = {message.id for message in catalog if message.id and message.string}
    assert used - translated == set(), "run `make messages` and translate what it lists"
    assert translated - used == set(), "strings no page uses any more: run `make messages`"


def test_money_numbers_and_dates_are_formatted_for_the_locale_by_babel():
    def plain(value: str) -> str:
        return value.replace("\u00a0", " ").replace("\u202f", " ")

    assert plain(i18n.money(1250, "EUR", "fr")) == "12,50 €"
    assert i18n.money(1250, "EUR", "en") == "€12.50"
    assert plain(i18n.money(1500, "JPY", "fr")) == "1 500 JPY" and i18n.money(1500, "JPY", "en") == "¥1,500"
    assert plain(i18n.number(12345, "fr")) == "12 345" and i18n.number(12345, "en") == "12,345"
    assert i18n.day("2026-11-26", "fr") == "26 nov. 2026" and i18n.day("2026-11-26", "en") == "Nov 26, 2026"


def test_the_language_comes_from_the_switch_then_accept_language():
    assert i18n.negotiate(None, "fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert i18n.negotiate(None, "de-DE,de;q=0.9,fr;q=0.5") == "fr"
    assert i18n.negotiate(None, "de, es") == "en"
    assert i18n.negotiate("en", "fr") == "en"
    assert i18n.negotiate("xx", "fr-CA") == "fr"
    assert i18n.negotiate(None, "fr;q=abc, en;q=0.5") == "en"
    assert i18n.negotiate(None, None) == "en"
