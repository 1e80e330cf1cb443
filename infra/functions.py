"""The Lambda functions' names and the logical ids `chalice package` gives them: what the stack
builds and what the alarms watch both name functions this way (a module of its own, so that
`infra/alarms.py` needs nothing from `infra/stack.py`)."""
from __future__ import annotations

API_FUNCTION = "api_handler"
TAP_FUNCTION = "tap"


def chalice_logical_id(function_name: str) -> str:
    """The logical id `chalice package` gives a function: `close_month` -> `CloseMonth`."""
    if function_name == API_FUNCTION:
        return "APIHandler"
    return "".join(part[:1].upper() + part[1:] for part in function_name.split("_"))
