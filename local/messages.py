"""`make messages`: bring the French catalogue up to date with the dashboard's strings.

Extracts every string of the templates (`{{ _("…") }}`) and of the dashboard's Python
(`_()`, `gettext()`, `N_()`) and merges them into `locales/fr/LC_MESSAGES/messages.po`:
translations kept, new strings added with an empty `msgstr` for a translator, strings no
longer used dropped. `tests/unit/test_dashboard_catalogue.py` fails while one is untranslated.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

DASHBOARD = Path(__file__).resolve().parent.parent / "chalicelib" / "web" / "dashboard"
CATALOGUE = DASHBOARD / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def extracted() -> Catalog:
    """Every string the dashboard shows, with where it is used."""
    template = Catalog(project="Affilink", charset="utf-8")
    for filename, line, message, _comments, _context in extract_from_dir(
        str(DASHBOARD), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        template.add(message, locations=[(f"chalicelib/web/dashboard/{filename}", line)])
    return template


def main() -> int:
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source, locale="fr")
    catalog.update(extracted(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    with CATALOGUE.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True)
    untranslated = [message.id for message in catalog if message.id and not message.string]
    for message_id in untranslated:
        print(f"to translate: {message_id!r}")
    print(f"{CATALOGUE.relative_to(DASHBOARD.parent.parent.parent)}: {len(catalog)} strings, "
          f"{len(untranslated)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
