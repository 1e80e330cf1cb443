"""The OpenAPI document, read from `openapi.yaml` (shipped inside chalicelib)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    import yaml  # only this route needs it

    return yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text(encoding="utf-8"))
