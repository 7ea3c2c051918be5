"""Photos of a visit: checked by content, re-encoded without EXIF, stored under random names.

An upload is idempotent by the phone's client id (UNIQUE(visit_id, client_id)): a retry returns
the photo already stored instead of a second copy.
"""

from __future__ import annotations

import io
import math
import re
import secrets
import sqlite3
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
MAX_PIXELS = 60_000_000  # a bigger picture is a decompression bomb, not a price tag
MAX_PER_VISIT = 40
JPEG_QUALITY = 82
NOT_A_PICTURE = N_("This file is not a picture. Choose a photo (JPEG, PNG, WebP...).")
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# With KEEP_PHOTO_GPS only these survive: latitude and longitude with their N/S and E/W refs.
# Not the GPS time, altitude or anything else, and no camera, serial number or clock.
GPS_POSITION = {1: ("N", "S"), 2: 90, 3: ("E", "W"), 4: 180}


def _photo(db: Database, visit_id: int, client_id: str) -> dict | None:
    """The stored photo with this client id, if any."""
    rows = list(db.query("SELECT * FROM photos WHERE visit_id = ? AND client_id = ?",
                         [visit_id, client_id]))
    return rows[0] if rows else None


def gps_position(img: Image.Image) -> Image.Exif | None:
    """A new EXIF block with only the picture's GPS latitude and longitude, if sane; else None."""
    try:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        kept = {tag: gps[tag] for tag in GPS_POSITION}
        for tag, allowed in GPS_POSITION.items():
            if isinstance(allowed, tuple):
                if kept[tag] not in allowed:
                    return None
                continue
            parts = [float(x) for x in kept[tag]]  # degrees, minutes, seconds
            if len(parts) != 3 or not all(math.isfinite(x) and x >= 0 for x in parts):
                return None
            if parts[0] + parts[1] / 60 + parts[2] / 3600 > allowed:
                return None
    except Exception:  # noqa: BLE001 - a phone's odd or broken EXIF only means "no position"
        return None
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = kept
    return exif


def _reencode(stream: IO[bytes], target: Path, keep_gps: bool = False) -> tuple[int, int, int]:
    """Decode an image, upright it, drop EXIF, cap its size, save JPEG; (width, height, bytes).

    keep_gps (config KEEP_PHOTO_GPS) keeps the position only, nothing else of the EXIF.
    """
    try:
        with Image.open(stream) as img:
            if img.width * img.height > MAX_PIXELS:
                raise Invalid("too_large", N_("This picture has too many pixels."))
            img.load()
            position = gps_position(img) if keep_gps else None
            upright = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise Invalid("not_an_image", NOT_A_PICTURE) from err
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Saved with a fresh EXIF block at most: camera, serial and time stamps stay on the phone,
    # and the position too unless the admin chose to keep it.
    extra = {"exif": position} if position is not None else {}
    encoded = io.BytesIO()
    upright.save(encoded, "JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    data = encoded.getbuffer()
    try:
        # Unbuffered: on a full disk the error comes from write(), and closing has nothing left
        # to flush (Pillow's own file, failing again in close(), was left open).
        with target.open("wb", buffering=0) as f:
            written = 0
            while written < len(data):
                written += f.write(data[written:])
    except BaseException:
        target.unlink(missing_ok=True)  # a full disk leaves no half-written picture behind
        raise
    return upright.width, upright.height, len(data)


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
    width, height, size = _reencode(stream, folder / name, keep_gps)
    try:
        with db.atomic():
            still_theirs(db, visit)
            photo_id = db["photos"].insert({
                "visit_id": visit["id"], "criterion_key": criterion_key, "client_id": client_id,
                "filename": name, "width": width, "height": height, "bytes": size,
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
