"""The tests' look at what is stored (`tests.helpers.Stored`): every kind of write
shows, and a cancelled transaction leaves nothing behind. "Nothing was written"
assertions all over the suite rest on it."""
from __future__ import annotations

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.storage.accounts import HandleClaim, Membership
from chalicelib.storage.dynamodb import transaction
from tests.helpers import Stored, new_handle, new_id, stored_items


def test_puts_updates_deletes_and_batch_writes_show_and_a_refused_write_does_not(aws):
    # Given
    kept, changed, deleted = (HandleClaim(new_handle(), creator_id=new_id("cr")) for _ in range(3))
    for claim in (kept, changed, deleted):
        claim.save()
    stored = Stored()

    # When
    added = HandleClaim(new_handle(), creator_id=new_id("cr"))
    added.save()
    changed.update(actions=[HandleClaim.creator_id.set(new_id("cr"))])
    deleted.delete()
    with pytest.raises(Exception):  # noqa: B017 (a refused conditional put, whatever PynamoDB calls it)
        HandleClaim(kept.handle, creator_id="someone-else").save(condition=HandleClaim.handle.does_not_exist())
    kept.save()  # the same content again: no change
    membership = Membership(new_id("br"), new_id("cr"), status="approved", updated_at="2026-11-26T10:00:00Z")
    with Membership.batch_write() as batch:
        batch.save(membership)

    # Then
    claims = {added.handle: "added", changed.handle: "changed", deleted.handle: "removed"}
    assert stored.changes() == {
        HandleClaim.Meta.table_name: claims,
        Membership.Meta.table_name: {f"{membership.brand_id} / {membership.creator_id}": "added"},
    }
    assert stored.changes(Membership) == {HandleClaim.Meta.table_name: claims}
    assert {claim.handle for claim in stored.items(HandleClaim)} == {added.handle, changed.handle}


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws):
    # Given a claim the transaction changes and one whose condition makes it fail
    changed = HandleClaim(new_handle(), creator_id="before")
    taken = HandleClaim(new_handle(), creator_id="owner")
    changed.save()
    taken.save()
    stored = Stored()

    # When a transaction puts a new item, updates one and fails on the last condition
    new = HandleClaim(new_handle(), creator_id=new_id("cr"))
    with pytest.raises(TransactWriteError):
        with transaction() as write:
            write.save(new)
            write.update(changed, actions=[HandleClaim.creator_id.set("after")])
            write.save(HandleClaim(taken.handle, creator_id="thief"), condition=HandleClaim.handle.does_not_exist())

    # Then nothing is written, and each item is as it was
    assert stored.changes() == {}
    assert HandleClaim.get(changed.handle).creator_id == "before"
    assert HandleClaim.get(taken.handle).creator_id == "owner"
    assert HandleClaim.count(new.handle) == 0
    assert {claim.handle for claim in stored_items(HandleClaim)} == {changed.handle, taken.handle}
