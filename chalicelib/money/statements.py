"""Statements: what a closed month says each brand owes each creator, read by
either party (and the admin), as JSON or, for brands, CSV; and the brand
marking a line paid.

A party's statement of M is its lines of M (one per counterparty and commission
currency), read through the `by_creator` or `by_brand` index of statement lines.
It exists only once the month is `closed`; before that, or with no line: NotFound.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterator, Mapping, Optional

from chalicelib.accounts import creators
from chalicelib.accounts.auth import BRAND
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import InvalidInput, NotFound
from chalicelib.base.money import normalize_currency
from chalicelib.base.timeutil import format_timestamp
from chalicelib.money.close import CLOSED, is_closed, parse_month
from chalicelib.storage.money import BRAND as STORE_BRAND
from chalicelib.storage.money import CREATOR as STORE_CREATOR
from chalicelib.storage.money import StatementLine, money_store
from chalicelib.storage.pagination import decode_cursor, encode_cursor

CSV_COLUMNS = ("creator_id", "handle", "currency", "conversions", "commission", "adjustments", "net", "paid_at")
PAID_FIELDS = ("creator_id", "currency")


def _store_party(party: str) -> str:
    """The store's name of the indexes `party` reads its lines through."""
    return STORE_BRAND if party == BRAND else STORE_CREATOR


def _counterparty(party: str) -> str:
    return "creator_id" if party == BRAND else "brand_id"


def line_view(line: StatementLine, party: str) -> dict[str, Any]:
    """A line as `party` sees it: the counterparty's id, then the numbers."""
    counterparty = _counterparty(party)
    return {
        counterparty: getattr(line, counterparty),
        "currency": line.currency,
        "conversions": int(line.conversions),
        "sales": {currency: int(amount) for currency, amount in (line.sales.as_dict() if line.sales else {}).items()},
        "commission": int(line.commission),
        "adjustments": int(line.adjustments),
        "net": int(line.net),
        "paid_at": line.paid_at,
    }


def _totals(lines: list[StatementLine]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + int(line.net)
    return totals


def _lines_of(party: str, party_id: str, month: str) -> list[StatementLine]:
    return money_store().statement_lines(_store_party(party), party_id, month)


def statement(party: str, party_id: str, month: str) -> dict[str, Any]:
    """The party's statement of `month`, or `NotFound`."""
    month = parse_month(month)
    lines = _lines_of(party, party_id, month) if is_closed(month) else []
    if not lines:
        raise NotFound(f"no statement for {month}")
    return {
        f"{party}_id": party_id,
        "month": month,
        "status": CLOSED,
        "lines": [line_view(line, party) for line in lines],
        "totals": _totals(lines),
    }


def wants_csv(party: str, format_name: Optional[str]) -> bool:
    """`?format=json` (the default) or, for a brand's statement, `csv`."""
    if format_name in (None, "json"):
        return False
    if format_name == "csv" and party == BRAND:
        return True
    raise InvalidInput("format must be json, or csv for a brand's statement")


def statement_csv(brand_id: str, month: str) -> str:
    """A brand's statement of `month` as CSV: a header row, then one row per line."""
    view = statement(BRAND, brand_id, month)
    handles = creators.creator_handles([line["creator_id"] for line in view["lines"]])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in view["lines"]:
        row = {**line, "handle": handles.get(line["creator_id"], ""), "paid_at": line["paid_at"] or ""}
        writer.writerow([row[column] for column in CSV_COLUMNS])
    return out.getvalue()


def list_statements(party: str, party_id: str, *, limit: int, cursor: Optional[str]) -> dict[str, Any]:
    """The party's closed statements, newest month first: `{month, status, totals}`."""
    scope = f"statements:{party}:{party_id}"
    start = decode_cursor(scope, cursor)
    before = start.get("month") if start else None
    if before is not None and not (isinstance(before, str) and len(before) == 7):
        raise InvalidInput("cursor is not valid for this list")
    months: list[tuple[str, list[StatementLine]]] = []
    has_more = False
    for month, lines in _months_newest_first(party, party_id, before):
        if len(months) == limit:
            has_more = True
            break
        months.append((month, lines))
    closed = _closed_months([month for month, _ in months])
    items = [
        {"month": month, "status": CLOSED, "totals": _totals(lines)} for month, lines in months if month in closed
    ]
    next_cursor = encode_cursor(scope, {"month": months[-1][0]}) if has_more and months else None
    return {"items": items, "next_cursor": next_cursor}


def _months_newest_first(
    party: str, party_id: str, before: Optional[str]
) -> Iterator[tuple[str, list[StatementLine]]]:
    month: Optional[str] = None
    lines: list[StatementLine] = []
    for line in money_store().statement_lines_newest_first(_store_party(party), party_id, before):
        if line.month != month:
            if month is not None:
                yield month, lines
            month, lines = line.month, []
        lines.append(line)
    if month is not None:
        yield month, lines


def _closed_months(months: list[str]) -> set[str]:
    if not months:
        return set()
    return {item.month for item in money_store().find_month_closes(months) if item.status == CLOSED}


def mark_paid(brand_id: str, month: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The brand marks one line paid; again: unchanged. No such line: `NotFound`."""
    month = parse_month(month)
    validation.reject_unknown_fields(body, PAID_FIELDS)
    creator_id = validation.required_string(body, "creator_id", max_length=validation.MAX_ID_LENGTH)
    currency = normalize_currency(body.get("currency"))
    if not is_closed(month):
        raise NotFound(f"no statement for {month}")
    line = money_store().mark_line_paid(month, brand_id, creator_id, currency, format_timestamp(now()))
    if line is None:
        raise NotFound(f"no line for creator {creator_id} in {currency} in {month}")
    return {"month": month, **line_view(line, BRAND)}
