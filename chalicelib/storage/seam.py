"""The seam between the domain and its storage: which implementation of each store
this process uses.

Every capability's storage module declares its store as a small class (a Protocol
and its DynamoDB implementation, in the spirit of the Chalice todo sample's
`TodoDB`) and one getter, e.g. `money_store()`, that asks this module for it:

    def money_store() -> MoneyStore:
        return seam.provide("money", DynamoMoneyStore)

The DynamoDB implementation is built on first use (never at import: CDK synthesis
imports `app.py`) and kept for the life of the process. Tests put another
implementation in place with `replaced(...)`: an in-memory twin
(`chalicelib/storage/memory/`) for fast unit tests, or a wrapper that injects a
fault into one call.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")

_built: dict[str, Any] = {}
_replacements: dict[str, Any] = {}
_lock = threading.Lock()


def provide(name: str, build: Callable[[], T]) -> T:
    """The store `name`: a replacement put in place by `replaced`, else the one `build` makes once."""
    store = _replacements.get(name)
    if store is not None:
        return store
    store = _built.get(name)
    if store is None:
        with _lock:
            store = _built.get(name)
            if store is None:
                store = _built[name] = build()
    return store


@contextmanager
def replaced(**stores: Any) -> Iterator[None]:
    """Use these stores (by name) instead of the process's own until the block ends."""
    previous = {name: _replacements.get(name) for name in stores}
    _replacements.update(stores)
    try:
        yield
    finally:
        for name, store in previous.items():
            if store is None:
                _replacements.pop(name, None)
            else:
                _replacements[name] = store


def current(name: str) -> Any:
    """The store `name` as `provide` would hand it out now, or None before its first use."""
    return _replacements.get(name) or _built.get(name)


def reset() -> None:
    """Forget the stores built so far (tests, the local runner after a change of settings)."""
    with _lock:
        _built.clear()
