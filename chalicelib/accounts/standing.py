"""The rule of affiliate programs, as plain values: may a creator with this standing link to a
brand with this program? Kept apart from `programs.py` (memberships, the catalogue) because the
redirect applies it on every cold start and needs nothing else of accounts."""
from __future__ import annotations

from typing import Optional

STATUSES = ("approved", "blocked")
BLOCKED = "blocked"


def may_link(program: str, membership_status: Optional[str]) -> bool:
    """An `open` program takes any creator the brand has not blocked; an `invite` program only
    creators the brand approved."""
    if membership_status == BLOCKED:
        return False
    if program == "invite":
        return membership_status == "approved"
    return True
