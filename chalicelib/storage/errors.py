"""What a store's write can answer besides success, in the domain's terms.

Stores translate DynamoDB's refusals (a failed condition, a transaction cancelled by a
conflicting one) into these, so the domain decides what they mean without knowing
PynamoDB's or botocore's exceptions. Anything else (a timeout, a throttle) is raised as
it is: the domain does not handle it, and the caller is told to try again.
"""
from __future__ import annotations


class StorageRefused(Exception):
    """A write the store did not make because the stored state forbade it."""


class AlreadyExists(StorageRefused):
    """A create found its key taken (a replayed sale, a taken handle or code)."""


class ChangedMeanwhile(StorageRefused):
    """A conditional write found the item no longer as read, or lost a race with a
    concurrent transaction: read again and decide anew."""
