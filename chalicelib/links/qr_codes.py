"""QR codes of short links, for live-shopping overlays.

The code encodes `short_url?qr=1`, so taps through it are recorded with
`via: "qr"`. segno is pure Python and imported only here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional

from chalicelib.base.errors import InvalidInput, NotAcceptable
from chalicelib.links.short_links import own_link, short_url

FORMATS = ("svg", "png")


@dataclass(frozen=True)
class Image:
    content_type: str
    body: bytes | str  # PNG bytes (a binary type for API Gateway), SVG text


def qr_target(code: str) -> str:
    return f"{short_url(code)}?qr=1"


def link_qr_code(creator_id: str, code: str, *, image_format: Optional[str], accept: Optional[str]) -> Image:
    image_format = image_format or "svg"
    if image_format not in FORMATS:
        raise InvalidInput("format must be svg or png")
    if image_format == "png" and "image/png" not in (accept or ""):
        # API Gateway returns a binary body only when the client accepts it.
        raise NotAcceptable("format=png needs the header Accept: image/png")
    link = own_link(creator_id, code)
    import segno

    qr = segno.make(qr_target(link.code), error="m")
    buffer = io.BytesIO()
    if image_format == "png":
        qr.save(buffer, kind="png", scale=8, border=4)
        return Image("image/png", buffer.getvalue())
    qr.save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    return Image("image/svg+xml", buffer.getvalue().decode("utf-8"))
