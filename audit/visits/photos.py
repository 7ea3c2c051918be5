"""Photos of a visit: checked by content, re-encoded without metadata, stored under random names.

An upload is idempotent by the phone's client id (UNIQUE(visit_id, client_id)): a retry returns
the photo already stored instead of a second copy.
"""

from __future__ import annotations

import io
import math
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.errors import N_, Invalid
from audit.storage.db import now
from audit.visits.field import require_editable, still_theirs
from audit.vocabulary import Role, VisitStatus

MAX_SIDE = 1600
# Checked from the header, before anything is decoded. A JPEG is decoded at 1/2, 1/4 or 1/8 of
# its size (libjpeg scales while it decodes), so a large one costs a few tens of MB; other
# formats decode whole, 4 bytes a pixel, so they get a lower cap (a phone's 12 MP photo fits).
MAX_PIXELS = 60_000_000
MAX_FULL_DECODE_PIXELS = 16_000_000
SCALED_DECODE = {"JPEG"}
# Decodes at once in one process, so parallel uploads cannot add up to gigabytes; a request
# that cannot get a turn in DECODE_WAIT_S is told to try again.
DECODES_AT_ONCE = 2
DECODE_WAIT_S = 20.0
_decodes = threading.BoundedSemaphore(DECODES_AT_ONCE)
MAX_PER_VISIT = 40
JPEG_QUALITY = 82
NOT_A_PICTURE = N_("This file is not a picture. Choose a photo (JPEG, PNG, WebP...).")
TOO_LARGE = N_("This picture is too large. Take the photo again, or send a smaller copy.")
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# With KEEP_PHOTO_GPS only the latitude and longitude are kept, in the photos table (never in
# the file): not the GPS time, altitude or anything else, and no camera, serial number or clock.
GPS_POSITION = {1: ("N", "S"), 2: 90, 3: ("E", "W"), 4: 180}
# JPEG markers that carry metadata rather than the picture: APP0..APP15 (JFIF, EXIF, XMP, ICC,
# maker notes) and COM (comments).
METADATA_MARKERS = {*range(0xE0, 0xF0), 0xFE}


@dataclass(frozen=True)
class Decoded:
    """A re-encoded photo: its JPEG bytes, size, and the position kept (if asked and sane)."""

    jpeg: bytes
    width: int
    height: int
    position: tuple[float, float] | None


def _photo(db: Database, visit_id: int, client_id: str) -> dict | None:
    """The stored photo with this client id, if any."""
    rows = list(db.query("SELECT * FROM photos WHERE visit_id = ? AND client_id = ?",
                         [visit_id, client_id]))
    return rows[0] if rows else None


def gps_position(img: Image.Image) -> tuple[float, float] | None:
    """The picture's GPS latitude and longitude in signed degrees, if sane; else None."""
    try:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        degrees = []
        for tag in (2, 4):
            parts = [float(x) for x in gps[tag]]  # degrees, minutes, seconds
            if len(parts) != 3 or not all(math.isfinite(x) and x >= 0 for x in parts):
                return None
            value = parts[0] + parts[1] / 60 + parts[2] / 3600
            if value > GPS_POSITION[tag]:
                return None
            ref = gps[tag - 1]
            if ref not in GPS_POSITION[tag - 1]:
                return None
            degrees.append(-value if ref in ("S", "W") else value)
    except Exception:  # noqa: BLE001 - a phone's odd or broken EXIF only means "no position"
        return None
    return degrees[0], degrees[1]


def strip_metadata(jpeg: bytes) -> bytes:
    """The JPEG without its APPn and COM segments: only what draws the picture is left."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out, pos = bytearray(b"\xff\xd8"), 2
    while pos < len(jpeg):
        if jpeg[pos] != 0xFF or pos + 4 > len(jpeg):
            raise ValueError("broken JPEG segment")
        marker = jpeg[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the compressed picture follows to the end
            out += jpeg[pos:]
            break
        length = int.from_bytes(jpeg[pos + 2:pos + 4], "big")
        if marker not in METADATA_MARKERS:
            out += jpeg[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out)


@contextmanager
def _decode_turn() -> Iterator[None]:
    """Wait for one of the few decode slots of this process; refuse when none frees up."""
    if not _decodes.acquire(timeout=DECODE_WAIT_S):
        raise Invalid("busy", N_("Many photos are being processed. Send this one again in a "
                                 "minute."))
    try:
        yield
    finally:
        _decodes.release()


def _check_size(img: Image.Image) -> None:
    """Refuse, before decoding, a picture that would cost too much memory to decode."""
    limit = MAX_PIXELS if img.format in SCALED_DECODE else MAX_FULL_DECODE_PIXELS
    if img.width * img.height > limit:
        raise Invalid("too_large", TOO_LARGE)


def reencode(stream: IO[bytes], keep_gps: bool = False) -> Decoded:
    """Decode an image at bounded size, upright it, cap its side, and encode a bare JPEG.

    The file keeps no metadata at all; keep_gps (config KEEP_PHOTO_GPS) returns the position
    for the photos table.
    """
    try:
        with _decode_turn(), Image.open(stream) as img:
            _check_size(img)
            position = gps_position(img) if keep_gps else None
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decoded at 1/2..1/8 of its size
            if img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA")  # a palette is resized nearest-neighbour otherwise
            img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            # Uprighted after shrinking (the bound is square): the copies it makes are small.
            upright = ImageOps.exif_transpose(img).convert("RGB")
    except Image.DecompressionBombError as err:
        raise Invalid("too_large", TOO_LARGE) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise Invalid("not_an_image", NOT_A_PICTURE) from err
    upright.info = {}  # Pillow writes a comment it read back into the new file
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Decoded(strip_metadata(out.getvalue()), upright.width, upright.height, position)


def store_photo(db: Database, upload_dir: str | Path, visit: dict, *, criterion_key: str,
                client_id: str, stream: IO[bytes], keep_gps: bool = False) -> tuple[dict, bool]:
    """Store a photo for a criterion of the visit; (row, created). A retry returns the first."""
    if not CLIENT_ID.fullmatch(client_id or ""):
        raise Invalid("bad_client_id", N_("The photo has no valid id."))
    existing = _photo(db, visit["id"], client_id)
    if existing:
        return existing, False
    visit = require_editable(db, visit)
    try:
        version_set(db, visit["version_id"]).criterion(criterion_key)
    except KeyError:
        raise Invalid("bad_criterion", N_("This question is not part of the visit's checklist."),
                      field="criterion") from None
    if db["photos"].count_where("visit_id = ?", [visit["id"]]) >= MAX_PER_VISIT:
        raise Invalid("too_many", N_("A visit can have at most %(n)d photos."), n=MAX_PER_VISIT)
    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    picture = reencode(stream, keep_gps)
    _write(folder / name, picture.jpeg)
    position = picture.position or (None, None)
    try:
        with db.atomic():
            still_theirs(db, visit)
            photo_id = db["photos"].insert({
                "visit_id": visit["id"], "criterion_key": criterion_key, "client_id": client_id,
                "filename": name, "width": picture.width, "height": picture.height,
                "bytes": len(picture.jpeg), "lat": position[0], "lon": position[1],
                "created_at": now(),
            }).last_pk
    except sqlite3.IntegrityError:
        # The same photo raced in twice: keep the first, drop this copy.
        (folder / name).unlink(missing_ok=True)
        return _photo(db, visit["id"], client_id), False
    except BaseException:
        # No row, no file (a full disk, a restore under way): the phone sends the photo again.
        (folder / name).unlink(missing_ok=True)
        raise
    return db["photos"].get(photo_id), True


def _write(target: Path, data: bytes) -> None:
    """Write the file whole or not at all."""
    try:
        # Unbuffered: on a full disk the error comes from write(), and closing has nothing left
        # to flush (a buffered file, failing again in close(), was left open).
        with target.open("wb", buffering=0) as f:
            written = 0
            while written < len(data):
                written += f.write(data[written:])
    except BaseException:
        target.unlink(missing_ok=True)  # a full disk leaves no half-written picture behind
        raise


def delete_photo(db: Database, upload_dir: str | Path, visit: dict, photo_id: int) -> bool:
    """Remove a photo of an editable visit; False if the visit has no such photo."""
    require_editable(db, visit)
    rows = list(db.query("SELECT * FROM photos WHERE id = ? AND visit_id = ?",
                         [photo_id, visit["id"]]))
    if not rows:
        return False
    with db.atomic():
        db["photos"].delete(photo_id)
    (Path(upload_dir) / rows[0]["filename"]).unlink(missing_ok=True)
    return True


def visit_photos(db: Database, visit_id: int) -> dict[str, list[dict]]:
    """The visit's photos by criterion key, oldest first."""
    by_key: dict[str, list[dict]] = {}
    for row in db.query("SELECT * FROM photos WHERE visit_id = ? ORDER BY id", [visit_id]):
        by_key.setdefault(row["criterion_key"], []).append(row)
    return by_key


def photo_for_viewer(db: Database, photo_id: int, user_id: int, role: str) -> dict | None:
    """The photo if this user may see it: the visit's shopper, admins, and managers of the
    store once the visit is published; None for everyone else."""
    rows = list(db.query(
        """SELECT p.*, v.shopper_id, v.status, v.store_id, s.region FROM photos p
           JOIN visits v ON v.id = p.visit_id JOIN stores s ON s.id = v.store_id
           WHERE p.id = ?""", [photo_id]))
    if not rows:
        return None
    photo = rows[0]
    if role == Role.ADMIN or (role == Role.SHOPPER and photo["shopper_id"] == user_id):
        return photo
    if role == Role.MANAGER and photo["status"] == VisitStatus.PUBLISHED:
        manages = db.execute(
            """SELECT 1 FROM store_managers WHERE store_id = ? AND user_id = ?
               UNION SELECT 1 FROM region_managers WHERE region = ? AND user_id = ?""",
            [photo["store_id"], user_id, photo["region"], user_id]).fetchone()
        return photo if manages else None
    return None
