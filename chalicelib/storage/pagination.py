"""Cursor pagination over DynamoDB queries.

A cursor is the DynamoDB key of the last item handed out, plus the name of the
list it belongs to, signed with the app secret: a cursor that is not ours, or
that belongs to another list (another tenant's), is a 400, never a 5xx.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Sequence

from chalicelib.base.config import app_secret
from chalicelib.base.errors import InvalidInput


@dataclass
class Page:
    items: list
    next_cursor: Optional[str]

    def body(self, view: Callable[[Any], dict]) -> dict:
        """The page as every list of the API answers it."""
        return {"items": [view(item) for item in self.items], "next_cursor": self.next_cursor}


def _sign(payload: bytes) -> str:
    return hmac.new(app_secret().encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(scope: str, key: dict) -> str:
    payload = json.dumps({"s": scope, "k": key}, separators=(",", ":"), sort_keys=True).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{token}.{_sign(payload)}"


def decode_cursor(scope: str, cursor: Optional[str]) -> Optional[dict]:
    if cursor is None:
        return None
    try:
        token, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if not hmac.compare_digest(signature, _sign(payload)):
            raise ValueError
        data = json.loads(payload)
        if data["s"] != scope or not isinstance(data["k"], dict):
            raise ValueError
        return data["k"]
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidInput("cursor is not valid for this list") from None


def paginate(
    *,
    scope: str,
    cursor: Optional[str],
    limit: int,
    query: Callable[[Optional[dict]], Iterator[Any]],
    key_attributes: Sequence[str],
    keep: Callable[[Any], bool] = lambda item: True,
) -> Page:
    """Run `query(start_key)` and hand out `limit` items that `keep` accepts.

    The cursor is the key of the last item handed out (not DynamoDB's
    LastEvaluatedKey), so filtered lists resume exactly where they stopped.
    """
    start_key = decode_cursor(scope, cursor)
    items: list = []
    has_more = False
    for item in query(start_key):
        if not keep(item):
            continue
        if len(items) == limit:
            has_more = True
            break
        items.append(item)
    next_cursor = None
    if has_more and items:
        # An index may project only some attributes: the keys are all a cursor needs.
        serialized = items[-1].serialize(null_check=False)
        next_cursor = encode_cursor(scope, {name: serialized[name] for name in key_attributes})
    return Page(items=items, next_cursor=next_cursor)


def key_attributes(model, index=None) -> list[str]:
    """The attributes that make up a query's start key: the table's keys and the index's."""
    names = [model._hash_keyname]
    if model._range_keyname:
        names.append(model._range_keyname)
    if index is not None:
        for key in index._get_schema()["key_schema"]:
            if key["AttributeName"] not in names:
                names.append(key["AttributeName"])
    return names
