"""Photos: checked by content, re-encoded without EXIF, idempotent by client id, served to few."""

import io
import json

import pytest
from conftest import make_photo, make_store, make_visit
from PIL import Image


def jpeg(size=(2400, 1800), exif=True) -> bytes:
    """A camera-like JPEG, with a GPS-ish EXIF block when asked."""
    image = Image.new("RGB", size, "orange")
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # camera make
        info[0x0132] = "2026:11:02 10:00:00"
        image.save(out, "JPEG", exif=info)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def visit(db, people):
    return make_visit(db, make_store(db, "PH-1"), people["shopper"], status="in_progress")


def upload(client, visit_id, data, client_id="phone-photo-0001", key="price_tag_photo",
           name="p.jpg"):
    return client.http.post(
        f"/shopper/visits/{visit_id}/photos",
        data={"file": (io.BytesIO(data), name), "client_id": client_id, "criterion": key},
        headers={"X-CSRFToken": client.token(), "Accept": "application/json"},
        content_type="multipart/form-data")


def test_photo_is_reencoded_downscaled_and_stripped(app, login, db, visit):
    response = upload(login("shopper"), visit, jpeg())
    assert response.status_code == 201, response.text
    row = db["photos"].get(response.json["id"])
    assert max(row["width"], row["height"]) == 1600
    path = app.config["UPLOAD_DIR"] + "/" + row["filename"]
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and not stored.getexif()
    assert "p.jpg" not in row["filename"]


def test_retried_upload_is_stored_once(login, db, visit):
    client = login("shopper")
    first = upload(client, visit, jpeg())
    second = upload(client, visit, jpeg())
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    assert db["photos"].count == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 not a picture", "receipt.jpg", "This file is not a picture."),
        (b"", "empty.png", "This file is not a picture."),
    ],
)
def test_not_an_image_is_refused_clearly(login, db, visit, data, name, message):
    response = upload(login("shopper"), visit, data, name=name)
    assert response.status_code == 400
    assert message in response.json["message"]
    assert db["photos"].count == 0


def test_too_large_upload_gets_a_clear_json_message(app, login, db, visit):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = upload(login("shopper"), visit, jpeg((3000, 3000)) + b"0" * 60_000)
    assert response.status_code == 413
    assert "too large" in response.json["message"]
    assert db["visits"].get(visit)["status"] == "in_progress"


def test_photo_of_a_submitted_visit_is_refused(login, db, people):
    visit = make_visit(db, make_store(db, "PH-2"), people["shopper"], status="submitted")
    response = upload(login("shopper"), visit, jpeg())
    assert response.status_code == 409
    assert db["photos"].count == 0


def test_photo_for_unknown_criterion_is_refused(login, db, visit):
    response = upload(login("shopper"), visit, jpeg(), key="no_such_key")
    assert response.status_code == 400 and db["photos"].count == 0


def test_photo_counts_as_answer_in_the_summary(login, db, visit):
    client = login("shopper")
    upload(client, visit, jpeg())
    page = client.get(f"/shopper/visits/{visit}/summary").text
    assert "1 photo" in page


def test_plain_form_photo_upload_in_a_section(login, db, visit):
    client = login("shopper")
    number = 5  # transparency holds price_tag_photo
    response = client.http.post(
        f"/shopper/visits/{visit}/sections/{number}",
        data={"csrf_token": client.token(), "f-price_tag_photo": (io.BytesIO(jpeg()), "a.jpg"),
              "pid-price_tag_photo": "1234567890123456", "go": "stay"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert db["photos"].count_where("criterion_key = 'price_tag_photo'") == 1


def test_shopper_removes_a_photo(app, login, db, visit):
    client = login("shopper")
    photo_id = upload(client, visit, jpeg()).json["id"]
    response = client.post(f"/shopper/visits/{visit}/photos/{photo_id}/delete")
    assert response.status_code == 302 and db["photos"].count == 0


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("shopper", "in_progress", 200),
        ("shopper2", "in_progress", 404),
        ("admin", "in_progress", 200),
        ("plain_admin", "submitted", 200),
        ("manager", "submitted", 404),
        ("manager", "published", 200),
        ("manager2", "published", 404),
    ],
)
def test_photo_is_served_only_to_those_allowed(app, login, db, people, who, status, expected):
    store = make_store(db, "PH-3")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    visit = make_visit(db, store, people["shopper"], status=status)
    photo_id = make_photo(db, app, visit)
    response = login(who).get(f"/photos/{photo_id}")
    assert response.status_code == expected
    if expected == 200:
        assert response.mimetype == "image/jpeg"
        assert "no-store" in response.headers["Cache-Control"]


def test_photo_route_needs_login(app, db, people, login):
    visit = make_visit(db, make_store(db, "PH-4"), people["shopper"], status="in_progress")
    photo_id = make_photo(db, app, visit)
    response = login(None).get(f"/photos/{photo_id}")
    assert response.status_code == 302 and "/login" in response.location


def test_another_shoppers_visit_refuses_photos_with_404(login, db, people):
    other = make_visit(db, make_store(db, "PH-5"), people["shopper2"], status="in_progress")
    assert upload(login("shopper"), other, jpeg()).status_code == 404
    assert json.dumps(db["photos"].count) == "0"
