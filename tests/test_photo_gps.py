"""KEEP_PHOTO_GPS (AUDIT_KEEP_PHOTO_GPS=1): the photo's position goes to the photos table; the
file keeps no EXIF either way."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import make_store, make_visit
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

GPS = ExifTags.IFD.GPSInfo
WARSAW = {1: "N", 2: (52.0, 13.0, 48.6), 3: "E", 4: (21.0, 0.0, 44.1)}


def jpeg(gps: dict | None) -> bytes:
    """A phone-like JPEG: camera make, clock, and the GPS block given (with a GPS time)."""
    info = Image.Exif()
    info[0x010F] = "PhoneMaker"
    info[0x0132] = "2026:11:02 10:00:00"
    if gps is not None:
        info[GPS] = {**gps, 6: 112.5, 29: "2026:11:02"}  # altitude and date go too
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG", exif=info)
    return out.getvalue()


@pytest.fixture
def visit(db, people):
    return make_visit(db, make_store(db, "GPS-1"), people["shopper"], status="in_progress")


def stored(app, login, db, visit, data: bytes) -> tuple[Image.Exif, dict]:
    """Upload as the shopper; the EXIF of the file the server kept, and the photo's row."""
    client = login("shopper")
    response = client.http.post(
        f"/shopper/visits/{visit}/photos",
        data={"file": (io.BytesIO(data), "p.jpg"), "client_id": "gps-photo-0001",
              "criterion": "price_tag_photo"},
        headers={"X-CSRFToken": client.token(), "Accept": "application/json"},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    row = db["photos"].get(response.json["id"])
    with Image.open(Path(app.config["UPLOAD_DIR"]) / row["filename"]) as img:
        return img.getexif(), row


def test_by_default_a_photo_keeps_no_exif_at_all(app, login, db, visit):
    assert app.config["KEEP_PHOTO_GPS"] is False
    exif, row = stored(app, login, db, visit, jpeg(WARSAW))
    assert dict(exif) == {} and exif.get_ifd(GPS) == {}
    assert (row["lat"], row["lon"]) == (None, None)


def test_with_the_setting_the_position_is_kept_in_the_table_not_the_file(app, login, db, visit):
    app.config["KEEP_PHOTO_GPS"] = True
    exif, row = stored(app, login, db, visit, jpeg(WARSAW))
    assert dict(exif) == {}  # no camera make, no clock, no GPS block either
    assert round(row["lat"], 4) == round(52 + 13 / 60 + 48.6 / 3600, 4)
    assert round(row["lon"], 4) == round(21 + 44.1 / 3600, 4)


def test_a_southern_western_position_is_negative(app, login, db, visit):
    app.config["KEEP_PHOTO_GPS"] = True
    _exif, row = stored(app, login, db, visit, jpeg({**WARSAW, 1: "S", 3: "W"}))
    assert row["lat"] < 0 and row["lon"] < 0


@pytest.mark.parametrize(("gps", "why"), [
    (None, "no position"),
    ({**WARSAW, 1: "X"}, "a latitude that is neither north nor south"),
    ({**WARSAW, 2: (95.0, 0.0, 0.0)}, "a latitude past the pole"),
    ({**WARSAW, 4: (IFDRational(1, 0), 0.0, 0.0)}, "a division by zero"),
    ({1: "N", 2: (52.0, 13.0, 48.6)}, "a latitude without a longitude"),
])
def test_with_the_setting_an_odd_position_is_dropped_not_kept(app, login, db, visit, gps, why):
    app.config["KEEP_PHOTO_GPS"] = True
    exif, row = stored(app, login, db, visit, jpeg(gps))
    assert dict(exif) == {} and (row["lat"], row["lon"]) == (None, None), why
