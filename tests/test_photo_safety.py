"""Uploaded photos: no metadata survives, and crafted pictures cannot exhaust memory (issue 25)."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from conftest import make_store, make_visit
from PIL import Image

from audit.visits import photos

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"shot by Zofia, phone serial 8841"


def crafted_png(width: int, height: int, bits: int = 8) -> bytes:
    """A PNG of the given size, all black, built row by row: tiny on disk, huge once decoded.

    8 bits: RGB, as the issue's file; 1 bit: black and white, smaller still on disk.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width * 3 if bits == 8 else (width + 7) // 8))
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bits, 2 if bits == 8 else 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))


def jpeg_with_metadata() -> bytes:
    """A phone-like JPEG with a comment, EXIF, XMP and an ICC profile."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "orange").save(
        out, "JPEG", comment=SECRET, exif=exif, xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>",
        icc_profile=b"\0" * 128 + SECRET)
    return out.getvalue()


def markers(jpeg: bytes) -> list[int]:
    """The JPEG's segment markers before the picture data (start of scan)."""
    found, pos = [], 2
    while jpeg[pos + 1] != 0xDA:
        found.append(jpeg[pos + 1])
        pos += 2 + int.from_bytes(jpeg[pos + 2:pos + 4], "big")
    return found


@pytest.fixture
def visit(db, people):
    return make_visit(db, make_store(db, "SAFE-1"), people["shopper"], status="in_progress")


def upload(client, visit_id, data, name="p.png"):
    return client.http.post(
        f"/shopper/visits/{visit_id}/photos",
        data={"file": (io.BytesIO(data), name), "client_id": "safety-photo-01",
              "criterion": "price_tag_photo"},
        headers={"X-CSRFToken": client.token(), "Accept": "application/json"},
        content_type="multipart/form-data")


def stored_file(app, db) -> bytes:
    """The one stored photo's bytes."""
    (row,) = db["photos"].rows
    return (Path(app.config["UPLOAD_DIR"]) / row["filename"]).read_bytes()


def assert_bare(data: bytes) -> None:
    """No EXIF, no comment, no APPn or COM segment, and nothing of the secret."""
    with Image.open(io.BytesIO(data)) as img:
        assert not img.getexif() and "comment" not in img.info and "icc_profile" not in img.info
    assert not [m for m in markers(data) if 0xE0 <= m <= 0xEF or m == 0xFE]
    assert SECRET not in data


def test_plain_form_photo_keeps_no_comment_or_other_metadata(app, login, db, visit):
    client = login("shopper")
    response = client.http.post(
        f"/shopper/visits/{visit}/sections/5",
        data={"csrf_token": client.token(),
              "f-price_tag_photo": (io.BytesIO(jpeg_with_metadata()), "a.jpg"),
              "pid-price_tag_photo": "1234567890123456", "go": "stay"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert_bare(stored_file(app, db))


def test_phone_upload_keeps_no_metadata(app, login, db, visit):
    assert upload(login("shopper"), visit, jpeg_with_metadata(), "a.jpg").status_code == 201
    assert_bare(stored_file(app, db))


# The 30000 pixel one in black and white: as RGB it is 2.6 MB, which the test client spools to a
# temporary file it never closes.
@pytest.mark.parametrize(("side", "bits"), [(7745, 8), (30000, 1)])
def test_huge_png_is_refused_with_413_before_decoding(login, db, visit, side, bits):
    response = upload(login("shopper"), visit, crafted_png(side, side, bits))
    assert response.status_code == 413
    assert "This picture is too large." in response.json["message"]
    assert db["photos"].count == 0


def test_upload_waits_for_a_decode_slot_and_is_told_to_retry(login, db, visit, monkeypatch):
    monkeypatch.setattr(photos, "DECODE_WAIT_S", 0.1)
    client = login("shopper")
    taken = [photos._decodes.acquire(timeout=5) for _ in range(photos.DECODES_AT_ONCE)]
    try:
        response = upload(client, visit, crafted_png(40, 30))
    finally:
        for _ in taken:
            photos._decodes.release()
    assert response.status_code == 503
    assert "again" in response.json["message"]
    assert upload(client, visit, crafted_png(40, 30)).status_code == 201


PEAK = textwrap.dedent("""
    import json, sys
    from audit.visits.photos import reencode

    def kib(field):
        status = open("/proc/self/status").read().split(field + ":")[1]
        return int(status.split()[0])

    before = kib("VmRSS")
    try:
        with open(sys.argv[1], "rb") as stream:
            result = reencode(stream)
        outcome = [result.width, result.height]
    except Exception as err:
        outcome = getattr(err, "code", repr(err))
    after = kib("VmHWM")  # the peak resident size
    print(json.dumps({"outcome": outcome, "peak_mb": (after - before) / 1024}))
""")


def decode_peak(path: Path) -> dict:
    """Decode the file in a fresh process: what came of it, and how far its peak RSS grew."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(path)], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def test_decoding_a_7745_pixel_picture_costs_little_memory(tmp_path):
    png = tmp_path / "bomb.png"
    png.write_bytes(crafted_png(7745, 7745))
    assert png.stat().st_size < 400_000  # the 175 KB file
    jpeg = tmp_path / "big.jpg"
    Image.new("L", (7745, 7745), 128).save(jpeg, "JPEG")
    refused, scaled = decode_peak(png), decode_peak(jpeg)
    assert refused["outcome"] == "too_large"
    assert scaled["outcome"] == [1600, 1600]  # decoded at 1/4, then shrunk
    # Decoded whole, the JPEG alone would take 60 MB as grey and 180 MB as RGB.
    assert refused["peak_mb"] < 20 and scaled["peak_mb"] < 40, (refused, scaled)
    print("peak RSS growth (MB): PNG", refused["peak_mb"], "JPEG", scaled["peak_mb"])


def test_a_photo_stored_before_stripping_loses_its_metadata_when_served_and_in_pdfs(
        app, login, db, people):
    from reports import aggregate, render

    store = make_store(db, "OLD-1")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    visit = make_visit(db, store, people["shopper"], "published",
                       started_at="2026-11-02T10:00:00+00:00")
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "legacy.jpg").write_bytes(jpeg_with_metadata())
    photo_id = db["photos"].insert({
        "visit_id": visit, "criterion_key": "price_tag_photo", "client_id": "legacy-photo-1",
        "filename": "legacy.jpg", "width": 300, "height": 200, "bytes": 1,
        "created_at": "2026-11-02T10:00:00+00:00"}).last_pk
    served = login("manager").get(f"/photos/{photo_id}")
    assert served.status_code == 200
    assert_bare(served.data)
    html = render.visit_html(aggregate.visit_report(db, visit, "en"), folder)
    (uri,) = [part.split('"')[0] for part in html.split("data:image/jpeg;base64,")[1:]]
    thumbnail = base64.b64decode(uri)
    assert SECRET not in thumbnail and 0xFE not in markers(thumbnail)  # no comment in the PDF


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00", b"GIF89a"])
def test_stripping_a_broken_file_is_a_value_error(data):
    with pytest.raises(ValueError):
        photos.strip_metadata(data)
