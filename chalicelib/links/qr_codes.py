"""QR codes of short links, for live-shopping overlays.

The code encodes `short_url?qr=1`, so taps through it are recorded with
`via: "qr"`. segno is pure Python and imported only here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional, Union

from chalicelib.base.errors import InvalidInput
from chalicelib.links.short_links import own_link, short_url

FORMATS = ("svg", "png")
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class Image:
    content_type: str
    body: Union[bytes, str]  # PNG bytes (a binary type for API Gateway), SVG text


def image_format(value: Optional[str]) -> str:
    """`svg` (the default) or `png`; anything else is `InvalidInput`."""
    chosen = value or "svg"
    if chosen not in FORMATS:
        raise InvalidInput("format must be svg or png")
    return chosen


def qr_target(code: str) -> str:
    return f"{short_url(code)}?qr=1"


def link_qr_code(creator_id: str, code: str, *, image_format: str) -> Image:
    """The QR code of one of the creator's links (another creator's: NotFound)."""
    return qr_image(own_link(creator_id, code).code, image_format=image_format)


def qr_image(code: str, *, image_format: str) -> Image:
    """The QR code of a link the caller has already shown to be theirs."""
    import segno

    qr = segno.make(qr_target(code), error="m")
    buffer = io.BytesIO()
    if image_format == "png":
        qr.save(buffer, kind="png", scale=8, border=4)
        return Image(CONTENT_TYPES["png"], buffer.getvalue())
    qr.save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    return Image(CONTENT_TYPES["svg"], buffer.getvalue().decode("utf-8"))
