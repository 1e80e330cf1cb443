"""Cursors and pages (chalicelib/pagination.py)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.storage.pagination import decode_cursor, encode_cursor, paginate

KEY = {
    "code": {"S": "abc123XY"},
    "creator_id": {"S": "cr_1"},
    "listing_key": {"S": "0001764151200000#abc123XY"},
}


def test_a_cursor_round_trips_to_the_key_it_was_made_from():
    cursor = encode_cursor("links:creator:cr_1", KEY)
    assert decode_cursor("links:creator:cr_1", cursor) == KEY


def test_a_cursor_is_url_safe():
    cursor = encode_cursor("links:creator:cr_1", KEY)
    assert all(c.isalnum() or c in "-_." for c in cursor)


def test_no_cursor_means_the_first_page():
    assert decode_cursor("links:creator:cr_1", None) is None


def test_a_cursor_of_another_list_is_refused():
    cursor = encode_cursor("links:creator:cr_1", KEY)
    with pytest.raises(InvalidInput, match="cursor"):
        decode_cursor("links:creator:cr_2", cursor)


def _reencode(payload: dict) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        .decode()
        .rstrip("=")
    )


def test_a_tampered_payload_is_refused_even_with_the_original_signature():
    cursor = encode_cursor("links:creator:cr_1", KEY)
    signature = cursor.split(".")[1]
    tampered = {"s": "links:creator:cr_1", "k": {**KEY, "code": {"S": "zzzzzzzz"}}}
    with pytest.raises(InvalidInput):
        decode_cursor("links:creator:cr_1", f"{_reencode(tampered)}.{signature}")
    moved = {"s": "links:creator:cr_2", "k": KEY}
    with pytest.raises(InvalidInput):
        decode_cursor("links:creator:cr_2", f"{_reencode(moved)}.{signature}")


@pytest.mark.parametrize(
    "cursor",
    ["", ".", "abc", "abc.def", "!!!.???", "é.é", "a" * 500, "%%.%%"],
)
def test_garbage_cursors_are_refused(cursor):
    with pytest.raises(InvalidInput, match="cursor"):
        decode_cursor("links:creator:cr_1", cursor)


def test_a_flipped_signature_is_refused():
    cursor = encode_cursor("links:creator:cr_1", KEY)
    flipped = cursor[:-1] + ("a" if cursor[-1] != "a" else "b")
    with pytest.raises(InvalidInput):
        decode_cursor("links:creator:cr_1", flipped)


@dataclass
class Row:
    """Stands in for a PynamoDB item: paginate only calls serialize(null_check=False)."""

    key: int

    def serialize(self, null_check: bool = True) -> dict:
        return {"key": {"N": str(self.key)}, "other": {"S": "x"}}


def _query_over(rows):
    def query(start_key):
        start = 0 if start_key is None else int(start_key["key"]["N"]) + 1
        return iter(row for row in rows if row.key >= start)

    return query


def _walk(rows, limit, keep=lambda row: True):
    seen, cursor = [], None
    while True:
        page = paginate(
            scope="test",
            cursor=cursor,
            limit=limit,
            query=_query_over(rows),
            key_attributes=["key"],
            keep=keep,
        )
        assert len(page.items) <= limit
        seen += [row.key for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_walking_pages_hands_out_every_item_once():
    rows = [Row(i) for i in range(7)]
    assert _walk(rows, limit=2) == list(range(7))
    assert _walk(rows, limit=7) == list(range(7))
    assert _walk(rows, limit=100) == list(range(7))


def test_a_full_last_page_has_no_next_cursor():
    page = paginate(
        scope="test",
        cursor=None,
        limit=3,
        query=_query_over([Row(0), Row(1), Row(2)]),
        key_attributes=["key"],
    )
    assert [row.key for row in page.items] == [0, 1, 2]
    assert page.next_cursor is None


def test_a_filtered_list_resumes_after_the_last_item_handed_out():
    rows = [Row(i) for i in range(10)]
    assert _walk(rows, limit=2, keep=lambda row: row.key % 3 == 0) == [0, 3, 6, 9]


def test_a_list_filtered_to_nothing_is_one_empty_page():
    page = paginate(
        scope="test",
        cursor=None,
        limit=5,
        query=_query_over([Row(1)]),
        key_attributes=["key"],
        keep=lambda row: False,
    )
    assert (page.items, page.next_cursor) == ([], None)


def test_the_cursor_holds_only_the_key_attributes():
    page = paginate(
        scope="test", cursor=None, limit=1, query=_query_over([Row(0), Row(1)]), key_attributes=["key"]
    )
    assert decode_cursor("test", page.next_cursor) == {"key": {"N": "0"}}
