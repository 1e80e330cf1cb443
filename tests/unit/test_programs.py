"""Who may link to a brand (chalicelib/programs.py)."""

from __future__ import annotations

import pytest

from chalicelib.accounts.standing import may_link


@pytest.mark.parametrize(
    ("program", "standing", "allowed"),
    [
        ("open", None, True),
        ("open", "approved", True),
        ("open", "blocked", False),
        ("invite", None, False),
        ("invite", "approved", True),
        ("invite", "blocked", False),
    ],
)
def test_open_programs_take_all_but_the_blocked_and_invite_programs_only_the_approved(
    program, standing, allowed
):
    assert may_link(program, standing) is allowed
