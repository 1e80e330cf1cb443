"""QR codes of short links decode to `short_url?qr=1`."""
from __future__ import annotations

import png
import segno
import zxingcpp

from tests.helpers import bearer, call, make_brand, make_creator, make_link, new_alias


def _decode_png(data: bytes) -> str:
    width, height, rows, _info = png.Reader(bytes=data).asDirect()
    pixels = bytearray()
    for row in rows:
        pixels.extend(255 if value else 0 for value in row)  # 1-bit or 8-bit grey to 8-bit
    image = memoryview(bytes(pixels)).cast("B", (height, width))
    barcode = zxingcpp.read_barcode(image)
    assert barcode is not None, "no QR code found in the image"
    return barcode.text


def _setup(client):
    brand = make_brand(client)
    creator = make_creator(client)
    link = make_link(client, creator, brand, alias=new_alias("live-serum"))
    return creator, link


def test_png_qr_code_decodes_to_the_short_url_with_qr_1(client):
    creator, link = _setup(client)
    response = client.http.get(
        f"/links/{link['code']}/qr?format=png", headers={**bearer(creator["api_key"]), "Accept": "image/png"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert _decode_png(response.body) == f"https://afl.test/{link['code']}?qr=1"


def test_svg_is_the_default_and_draws_the_same_matrix(client):
    creator, link = _setup(client)
    response = client.http.get(f"/links/{link['code']}/qr", headers=bearer(creator["api_key"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    expected = segno.make(f"https://afl.test/{link['code']}?qr=1", error="m")
    import io

    buffer = io.BytesIO()
    expected.save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    assert response.body.decode() == buffer.getvalue().decode()


def test_png_without_accept_header_is_406(client):
    creator, link = _setup(client)
    response = call(client, "GET", f"/links/{link['code']}/qr?format=png", headers=bearer(creator["api_key"]))
    assert response.status_code == 406


def test_unknown_format_is_400_and_another_creators_link_is_404(client):
    creator, link = _setup(client)
    gif = call(client, "GET", f"/links/{link['code']}/qr?format=gif", headers=bearer(creator["api_key"]))
    assert gif.status_code == 400
    other = make_creator(client)
    assert call(client, "GET", f"/links/{link['code']}/qr", headers=bearer(other["api_key"])).status_code == 404
