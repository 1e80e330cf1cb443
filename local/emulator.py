"""The embedded DynamoDB emulator (moto, in this process) made to keep DynamoDB's promises: the one
place that knows moto's insides, used by the local run (`local/run.py`) and by the tests
(`tests/conftest.py`, `tests/helpers.Stored`).

DynamoDB checks a write's condition and applies the write as one step. moto's backend takes no
lock: two threads can both pass one condition, and a `TransactWriteItems` that fails its
condition restores a copy of every table it touched, erasing what other threads wrote meanwhile
(sales answered 201 and refunds answered 200 vanished under a dozen concurrent clients; the
concurrency tests would exercise the emulator's race, not our conditional writes). So, once per
process (`keep_dynamodb_promises`):

- every write (put, update, delete, batch write, transaction) runs one at a time;
- each item a put, update or delete changed is written in a journal, its state before and after;
- a cancelled transaction puts back, from the journal, the items it changed, instead of moto's
  deep copy of every table it touched (which grows with the tables and, shared by all the tests
  of a worker, with the suite).

The journal keeps what was written only when asked (`keep_journal`, the tests: "nothing was
written" is read from it whatever the shared tables hold); otherwise it holds a transaction's
writes until the transaction ends, so the local run's memory does not grow with its writes.
An external moto server (`AWS_ENDPOINT_URL_DYNAMODB`) is another process: this cannot reach it
(README).
"""
from __future__ import annotations

import copy
import functools
import inspect
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional

_UNREADABLE_BEFORE: dict = {"<item>": "a write whose key could not be read"}
_UNREADABLE_AFTER: dict = {"<item>": "written somewhere"}


@dataclass(frozen=True)
class Write:
    """One item a write changed: its state before and after (None: no such item). `key` is the
    item's key as text (`hash` or `hash / range`); `hash_key`/`range_key` are moto's values."""

    table: str
    key: str
    hash_key: Any
    range_key: Any
    before: Optional[dict]
    after: Optional[dict]


class Journal:
    """Every item changed by a write, in order. `start` is the sequence number of the first entry
    kept, `sizes_at_start` the item count of every table at that point. Hold `lock` to read it
    consistently: every write holds it too."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.keeping = False
        self.start = 0
        self.writes: list[Write] = []
        self.sizes_at_start: dict[str, int] = {}
        self._transactions = 0

    @property
    def end(self) -> int:
        return self.start + len(self.writes)

    def since(self, mark: int) -> list[Write]:
        """The writes from sequence number `mark` on."""
        if mark < self.start:
            raise AssertionError("this mark is older than the journal (taken in an earlier test?)")
        return self.writes[mark - self.start:]

    def forget(self) -> None:
        """Start afresh from here: the writes so far are dropped, the tables' sizes noted."""
        with self.lock:
            self.start = self.end
            self.writes.clear()
            self.sizes_at_start = table_sizes()

    def _record(self, write: Write) -> None:
        if self.keeping or self._transactions:
            self.writes.append(write)

    def _drop_since(self, mark: int) -> None:
        del self.writes[mark - self.start:]


journal = Journal()


def keep_dynamodb_promises() -> None:
    """Patch moto's DynamoDB backend, once per process: writes one at a time, journaled, and
    transactions rolled back item by item."""
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_affilink_promises_kept", False):
        return
    for name, key_argument in (("put_item", "item_attrs"), ("update_item", "key"), ("delete_item", "key")):
        setattr(DynamoDBBackend, name, _journaled(getattr(DynamoDBBackend, name), key_argument))
    transact = _rolled_back_item_by_item(DynamoDBBackend.transact_write_items)
    DynamoDBBackend.transact_write_items = transact  # type: ignore[method-assign]
    # A batch write is puts and deletes (journaled above); the lock makes the batch one step too.
    DynamoDBBackend.batch_write_item = _serialised(DynamoDBBackend.batch_write_item)  # type: ignore[method-assign]
    dynamodb_models.copy = _NoTableCopies()  # type: ignore[assignment]
    DynamoDBBackend._affilink_promises_kept = True  # type: ignore[attr-defined]


def keep_journal() -> None:
    """Keep every write in the journal from now on (the tests' `Stored`): `journal.forget()` drops them."""
    keep_dynamodb_promises()
    with journal.lock:
        journal.keeping = True


# --- what the emulator holds ----------------------------------------------------------------------


def _backend() -> Any:
    """moto's in-process DynamoDB of the account and region the app uses."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.base.config import region

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region()]


def table_sizes() -> dict[str, int]:
    """The number of items of every table, by table name."""
    return {name: len(table) for name, table in _backend().tables.items()}


def stored_items_json(*table_names: str) -> list[dict]:
    """Every item of these tables, as DynamoDB's JSON (`{"Attributes": ...}`), table after table."""
    backend = _backend()
    return [item.to_json() for name in table_names for item in backend.get_table(name).all_items()]


# --- the patches ----------------------------------------------------------------------------------


def _key_text(hash_key: Any, range_key: Any) -> str:
    return str(hash_key.value) if range_key is None else f"{hash_key.value} / {range_key.value}"


def _item_state(table: Any, hash_key: Any, range_key: Any) -> Optional[dict]:
    item = table.get_item(hash_key, range_key)
    return item.to_json()["Attributes"] if item is not None else None


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with journal.lock:
            return write(*args, **kwargs)

    return one_at_a_time


def _journaled(original: Callable[..., Any], key_argument: str) -> Callable[..., Any]:
    """A moto backend write, one at a time, that records the item's state before and after (when it changed)."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        with journal.lock:
            arguments = signature.bind(self, *args, **kwargs).arguments
            table_name = arguments["table_name"]
            before: Optional[dict]
            after: Optional[dict]
            try:
                table = self.get_table(table_name)
                hash_key, range_key = self.get_keys_value(table, arguments[key_argument])
                before = _item_state(table, hash_key, range_key)
            except Exception:  # the write itself will refuse it; if it does not, it is recorded as unknown
                table = hash_key = range_key = None
                before = _UNREADABLE_BEFORE
            result = original(self, *args, **kwargs)
            if table is None:
                after, key = _UNREADABLE_AFTER, f"<unreadable #{journal.end}>"
            else:
                after, key = _item_state(table, hash_key, range_key), _key_text(hash_key, range_key)
            if before != after:
                journal._record(Write(table_name, key, hash_key, range_key, before, after))
            return result

    return write


def _rolled_back_item_by_item(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto backs up every table a transaction touches (a deep copy of the whole table, which grows
    with the tables) to roll a cancelled transaction back. Here the backup is skipped
    (`_NoTableCopies`) and the items this transaction changed are put back from the journal instead."""

    @functools.wraps(original)
    def transact(self: Any, *args: Any, **kwargs: Any) -> Any:
        with journal.lock:
            mark = journal.end
            journal._transactions += 1
            try:
                return original(self, *args, **kwargs)
            except Exception:
                for write in reversed(journal.since(mark)):
                    table = self.get_table(write.table)
                    if write.before is None:
                        table.delete_item(write.hash_key, write.range_key)
                    else:
                        table.put_item(write.before)
                journal._drop_since(mark)
                raise
            finally:
                journal._transactions -= 1
                if not journal.keeping and not journal._transactions:
                    journal._drop_since(mark)

    return transact


class _NoTableCopies:
    """`copy` as moto's DynamoDB backend sees it: a table is not copied (see `_rolled_back_item_by_item`)."""

    def deepcopy(self, value: Any, memo: Optional[dict] = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)
