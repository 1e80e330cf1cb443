"""Dashboard sessions: signing in with the API key a brand or creator already has.

A session is a signed, expiring token that names the key's hash (never the key): every
request reads that key's item again (one consistent read, as the API's auth does), so
rotating the key ends every session it opened. CSRF tokens are bound to the session.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Optional

from chalicelib.accounts.auth import BRAND, CREATOR, Caller, caller_of_key, hash_key
from chalicelib.base.clock import now
from chalicelib.base.config import app_secret
from chalicelib.base.errors import Forbidden, Unauthorized
from chalicelib.storage.accounts import accounts_store

SESSION_HOURS = 12
_ROLES = (BRAND, CREATOR)


def _signature(purpose: str, payload: str) -> str:
    return hmac.new(app_secret().encode("utf-8"), f"{purpose}:{payload}".encode("utf-8"), hashlib.sha256).hexdigest()


def sign_in(api_key: Optional[str]) -> tuple[str, Caller]:
    """`(session token, caller)` for a brand's or creator's key; `Unauthorized` otherwise."""
    key = (api_key or "").strip()
    caller = caller_of_key(key)
    if caller.role not in _ROLES:
        raise Unauthorized("the dashboard is for brands and creators: sign in with a brand's or creator's key")
    expires = int((now() + timedelta(hours=SESSION_HOURS)).timestamp())
    payload = f"{caller.role}.{caller.id}.{hash_key(key)}.{expires}"
    return f"{payload}.{_signature('session', payload)}", caller


def caller_of(token: Optional[str]) -> Caller:
    """The caller of a live session; `Unauthorized` when the token is missing, forged,
    expired, or its key was rotated since."""
    parts = (token or "").split(".")
    if len(parts) != 5:
        raise Unauthorized("not signed in")
    role, owner_id, key_hash, expires, signature = parts
    payload = ".".join(parts[:4])
    if not hmac.compare_digest(signature.encode("utf-8"), _signature("session", payload).encode("utf-8")):
        raise Unauthorized("not signed in")
    if not expires.isdigit() or int(expires) <= now().timestamp():
        raise Unauthorized("the session has expired: sign in again")
    if len(key_hash) != 64:
        raise Unauthorized("not signed in")
    item = accounts_store().find_key(key_hash)
    if item is None or item.role != role or item.owner_id != owner_id:
        raise Unauthorized("the key of this session was replaced: sign in with the new key")
    return Caller(role, owner_id)


def csrf_token(session: str) -> str:
    """The token every form of this session carries."""
    return _signature("csrf", session)[:40]


def check_csrf(session: Optional[str], submitted: Optional[str]) -> None:
    _check_form_token(csrf_token(session) if session else None, submitted)


def new_login_nonce() -> str:
    """The sign-in form's CSRF token (no session yet): a random value also set as a cookie."""
    return secrets.token_urlsafe(24)


def check_login_nonce(cookie: Optional[str], submitted: Optional[str]) -> None:
    _check_form_token(cookie, submitted)


def _check_form_token(expected: Optional[str], submitted: Optional[str]) -> None:
    """The form carries the token this session (or the sign-in cookie) expects, compared in constant time."""
    if not expected or not submitted or not hmac.compare_digest(submitted.encode("utf-8"), expected.encode("utf-8")):
        raise Forbidden("this form has expired or did not come from this site: open the page again")
