"""French and English: the locale of a visit, the one message catalogue, and numbers,
dates and money formatted for the locale by Babel (`12,50 €` in French, `€12.50` in English).

English is the catalogue's source language (msgids); `locales/fr/LC_MESSAGES/messages.po`
holds the French. It is compiled in memory on first use: no binary file in the repository.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from typing import Optional

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from chalicelib.base.money import minor_unit_exponent


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it here."""
    return message


# The domain's refusals that name something (a host, an alias): the pattern of its English
# message, and the catalogue's message with the same name in it.
REFUSALS_WITH_A_NAME = (
    (re.compile(r"destination host (?P<host>\S+) is not allowed by this brand"),
     N_("destination host %(host)s is not allowed by this brand")),
    (re.compile(r"alias '(?P<alias>[^']+)' is taken"), N_("alias '%(alias)s' is taken")),
    (re.compile(r"alias '(?P<alias>[^']+)' is a path of this API"), N_("alias '%(alias)s' is a path of this API")),
)
LOCALES = ("en", "fr")
DEFAULT = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
CATALOGUE = Path(__file__).parent / "locales"


def negotiate(chosen: Optional[str], accept_language: Optional[str]) -> str:
    """The switch's choice if it names a locale we have, else the best of `Accept-Language`."""
    if chosen in LOCALES:
        return str(chosen)
    wanted = []
    for part in (accept_language or "").split(",")[:20]:
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            wanted.append((quality, tag.replace("_", "-")))
    for _, tag in sorted(wanted, key=lambda pair: -pair[0]):
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LOCALES:
            return language
    return DEFAULT


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    path = CATALOGUE / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()  # English: the msgids themselves
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def money(minor: int, currency: str, locale: str) -> str:
    exponent = minor_unit_exponent(currency)
    return format_currency(Decimal(minor).scaleb(-exponent), currency, locale=locale)


def number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def day(value: str | date, locale: str) -> str:
    moment = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(moment, format="medium", locale=locale)


def short_day(value: str, locale: str) -> str:
    return format_date(date.fromisoformat(value), format="d MMM", locale=locale)


def timestamp(value: Optional[str], locale: str) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(moment, format="medium", tzinfo=moment.tzinfo, locale=locale)


def month(value: str, locale: str) -> str:
    return format_date(date.fromisoformat(value + "-01"), format="MMMM y", locale=locale)
