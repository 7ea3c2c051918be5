"""E-mail through a real SMTP server (aiosmtpd on loopback): who gets what, in which language,
with nothing of the shopper in a manager's message, and every message once after an outage."""

from __future__ import annotations

import email
import email.policy
import io
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader

from audit import outbox
from audit.mail import tasks
from audit.mail.delivery import deliver_due
from audit.visits import review

SHOPPER_NAME = "Zuzanna Wiśniewska-Kowal"
SHOPPER_EMAIL = "zuzanna.wk@example.com"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.raw.append(envelope.content)
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(app):
    """A loopback port the app sends to (nothing listens until smtp_server starts)."""
    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    app.config["BASE_URL"] = "https://audit.example.com"
    return port


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_server(smtp_port):
    controller, inbox = start_server(smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def chain(db, people):
    """A store with a Polish and a Russian manager, and a shopper with a name to hide."""
    store_id = make_store(db, "WAW-7", region="Mazowieckie")
    pl = make_user(db, "manager", "kierownik@example.com", name="Anna Kierownik")
    ru = make_user(db, "manager", "upravlyayushchiy@example.com", name="Olga Menedzher")
    db["users"].update(pl, {"language": "pl"})
    db["users"].update(ru, {"language": "ru"})
    db["store_managers"].insert_all([{"store_id": store_id, "user_id": u} for u in (pl, ru)])
    shopper = make_user(db, "shopper", SHOPPER_EMAIL, name=SHOPPER_NAME)
    return {"store_id": store_id, "pl": pl, "ru": ru, "shopper": shopper}


def _publish(db, people, chain, score=92.0, knocked_out=0):
    visit_id = make_visit(db, chain["store_id"], chain["shopper"], status="approved",
                          score=score, passed=int(score >= 80 and not knocked_out),
                          knocked_out=knocked_out)
    review.publish(db, visit_id, people["admin"])
    return visit_id


def _all_text(message: email.message.EmailMessage) -> str:
    """Headers, every text part, and the text of every PDF attached."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        parts.append(part.get_filename() or "")
        if part.get_content_type() in ("text/plain", "text/html"):
            parts.append(part.get_content())
        elif part.get_content_type() == "application/pdf":
            reader = PdfReader(io.BytesIO(part.get_payload(decode=True)))
            parts.extend(page.extract_text() for page in reader.pages)
            parts.append(str(reader.metadata))
    return "\n".join(parts)


def test_publishing_a_visit_mails_its_managers_in_their_language_without_the_shopper(
        app, db, people, chain, smtp_server):
    visit_id = _publish(db, people, chain)
    done = deliver_due(app)
    assert (done.sent, done.failed, done.retried) == (2, 0, 0)
    (polish,) = smtp_server.to("kierownik@example.com")
    (russian,) = smtp_server.to("upravlyayushchiy@example.com")
    assert polish["Subject"] == "Store WAW-7: opublikowano nowy audyt"
    assert russian["Subject"] == "Store WAW-7: опубликован новый аудит"
    for message in (polish, russian):
        text = _all_text(message)
        assert SHOPPER_NAME not in text and SHOPPER_EMAIL not in text
        assert "Zuzanna" not in text and "Kowal" not in text
        assert f"https://audit.example.com/manager/stores/{chain['store_id']}" in text
        (pdf,) = message.iter_attachments()
        assert pdf.get_filename() == f"visit-WAW-7-{visit_id}.pdf"
        pages = PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages
        assert "WAW-7" in "".join(page.extract_text() for page in pages)  # the text is read
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"].startswith("<https://audit.example.com/unsubscribe/")
    assert "Аудит «Тайный покупатель»" in _all_text(russian)  # the app's name, in Russian


def test_a_knocked_out_visit_sends_an_alert_to_its_managers(app, db, people, chain,
                                                          smtp_server):
    _publish(db, people, chain, score=88.0, knocked_out=1)
    deliver_due(app)
    alerts = [m for m in smtp_server.messages if "Alert" in m["Subject"]
              or "Alarm" in m["Subject"] or "Тревога" in m["Subject"]]
    assert sorted(m["To"].addresses[0].addr_spec for m in alerts) == [
        "kierownik@example.com", "upravlyayushchiy@example.com"]
    text = _all_text(alerts[0])
    assert SHOPPER_NAME not in text and SHOPPER_EMAIL not in text


def test_a_server_down_then_up_gets_every_message_exactly_once(app, db, people, chain,
                                                              smtp_port):
    first = _publish(db, people, chain)
    down = deliver_due(app)
    assert (down.sent, down.retried) == (0, 2)
    waiting = list(db.query("SELECT * FROM outbox WHERE status = 'waiting'"))
    assert len(waiting) == 2 and all(m["last_error"] for m in waiting)
    assert all(m["next_try_at"] > datetime.now(UTC).isoformat() for m in waiting)
    second = _publish(db, people, chain)
    controller, inbox = start_server(smtp_port)
    try:
        deliver_due(app)  # the second visit's messages go; the first's wait for their back-off
        assert len(inbox.messages) == 2
        _time_passes(db)
        deliver_due(app)
        deliver_due(app)
        _time_passes(db)
        deliver_due(app)
    finally:
        controller.stop()
    assert len(inbox.messages) == 4
    assert len({m["Message-ID"] for m in inbox.messages}) == 4
    bodies = [_all_text(m) for m in inbox.messages]
    assert sum(f"visit-WAW-7-{first}.pdf" in b for b in bodies) == 2
    assert sum(f"visit-WAW-7-{second}.pdf" in b for b in bodies) == 2
    assert outbox.counts(db)["sent"] == 4


def test_a_sender_that_dies_after_the_server_accepted_sends_again_with_the_same_message_id(
        app, db, people, chain, smtp_server, monkeypatch):
    """At-least-once, said honestly: the mark comes after the server's yes, so a crash in
    between sends again when the lease ends; the Message-ID is the same, so it can be told."""
    _publish(db, people, chain)

    def crash(_db, _message_id):
        raise KeyboardInterrupt("the worker was killed")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        deliver_due(app)
    monkeypatch.undo()
    assert len(smtp_server.messages) == 1
    deliver_due(app)  # the lease holds: nothing is sent twice at once
    assert len(smtp_server.messages) == 1
    _time_passes(db, seconds=outbox.LEASE_SECONDS + 1)
    deliver_due(app)
    assert len(smtp_server.messages) == 3
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert ids[0] in ids[1:]


def test_without_a_mail_server_messages_wait_and_the_outbox_page_says_so(app, db, people,
                                                                        chain, login):
    _publish(db, people, chain)
    done = deliver_due(app)
    assert (done.events, done.sent) == (1, 0)
    assert outbox.counts(db)["waiting"] == 2
    page = login("admin").get("/admin/outbox")
    assert "AUDIT_SMTP_URL" in page.text
    assert page.text.count("Anna Kierownik") == 1


def test_a_refused_address_fails_and_an_admin_can_send_it_again(app, db, people, chain,
                                                              smtp_port, login):
    class Refusing(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            if address.startswith("kierownik"):
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = Refusing()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        _publish(db, people, chain)
        done = deliver_due(app)
    finally:
        controller.stop()
    assert (done.sent, done.failed) == (1, 1)
    (failed,) = outbox.recent(db, "failed")
    assert "550" in failed["last_error"]
    admin = login("admin")
    assert "550 no such mailbox" in admin.get("/admin/outbox?status=failed").text
    response = admin.post(f"/admin/outbox/{failed['id']}/resend")
    assert response.status_code == 302
    assert db["outbox"].get(failed["id"])["status"] == "waiting"
    assert "550" not in admin.get("/admin/outbox?status=failed").text


def test_a_turned_off_kind_is_not_sent(app, db, people, chain, smtp_server):
    from audit.notifications import preferences

    preferences.unsubscribe(db, chain["pl"], "visit_published")
    _publish(db, people, chain)
    done = deliver_due(app)
    assert (done.sent, done.skipped) == (1, 1)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == [
        "upravlyayushchiy@example.com"]


def test_the_unsubscribe_link_works_without_login_and_by_one_click_post(app, db, people, chain,
                                                                       smtp_server):
    _publish(db, people, chain)
    deliver_due(app)
    (polish,) = smtp_server.to("kierownik@example.com")
    url = polish["List-Unsubscribe"].strip("<>").replace("https://audit.example.com", "")
    anonymous = app.test_client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "<form" in page.text
    assert db["notification_optouts"].count == 0  # a GET (a link scanner) changes nothing
    # RFC 8058: the mail client POSTs this body, with no session and no CSRF token.
    done = anonymous.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert list(db.query("SELECT user_id, kind FROM notification_optouts")) == [
        {"user_id": chain["pl"], "kind": "visit_published"}]
    assert anonymous.post("/unsubscribe/forged-token").status_code == 400
    assert db["notification_optouts"].count == 1


def test_a_user_chooses_which_kinds_they_get(app, db, people, chain, login):
    manager = login("manager")
    page = manager.get("/account/notifications")
    assert 'value="visit_published" checked' in page.text
    manager.post("/account/notifications", {"kinds": ["visit_alert", "action_due"]})
    assert {r["kind"] for r in db.query(
        "SELECT kind FROM notification_optouts WHERE user_id = ?", [people["manager"]])} == {
        "visit_published", "action_overdue", "monthly_reports"}
    assert 'value="visit_published" checked' not in manager.get("/account/notifications").text


def test_the_periodic_task_delivers(app, db, people, chain, smtp_server, monkeypatch):
    _publish(db, people, chain)
    monkeypatch.setattr(tasks, "RUN_SECONDS", 0)
    monkeypatch.setattr(tasks, "_app", app)
    huey = tasks.make_huey(tasks.Settings(immediate=True))
    huey.deliver()  # also scans the reminders of today (last month's reports, maybe)
    assert sorted(m["Subject"] for m in smtp_server.messages if "WAW-7:" in m["Subject"]) == [
        "Store WAW-7: opublikowano nowy audyt", "Store WAW-7: опубликован новый аудит"]


def test_shoppers_get_the_returned_note_and_deadline(app, db, people, chain, smtp_server):
    visit_id = make_visit(db, chain["store_id"], chain["shopper"], status="submitted")
    review.return_to_shopper(db, visit_id, people["admin"], "Dodaj zdjęcie paragonu")
    deliver_due(app)
    (message,) = smtp_server.to(SHOPPER_EMAIL)
    text = _all_text(message)
    assert "Dodaj zdjęcie paragonu" in text
    assert "Nov 30, 2026" in text
    assert f"https://audit.example.com/shopper/visits/{visit_id}" in text


def _time_passes(db, seconds: int = outbox.MAX_DELAY):
    """Move every waiting message's next try into the past, as if `seconds` went by."""
    with db.atomic():
        for row in db.query("SELECT id, next_try_at FROM outbox WHERE status = 'waiting'"):
            at = datetime.fromisoformat(row["next_try_at"]) - timedelta(seconds=seconds)
            db.execute("UPDATE outbox SET next_try_at = ? WHERE id = ?",
                       [at.isoformat(timespec="seconds"), row["id"]])


def test_an_overdue_visit_reminds_its_shopper_once(app, db, people, chain, smtp_server):
    from audit.mail.delivery import scan_reminders

    visit_id = make_visit(db, chain["store_id"], chain["shopper"], status="scheduled")
    at = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # the window ended on 30 November
    assert scan_reminders(app, at) == 1
    scan_reminders(app, at + timedelta(hours=5))
    assert db["outbox"].count_where("kind = 'visit_overdue'") == 1
    deliver_due(app)
    (message,) = smtp_server.to(SHOPPER_EMAIL)
    assert "overdue" in message["Subject"]
    assert f"https://audit.example.com/shopper/visits/{visit_id}" in _all_text(message)


def test_actions_due_and_overdue_remind_the_managers_unless_done_meanwhile(
        app, db, people, chain, smtp_server):
    from audit.mail.delivery import scan_reminders

    def action(text, due):
        return db["actions"].insert({
            "store_id": chain["store_id"], "text": text, "due_date": due,
            "created_at": "2026-11-01T00:00:00+00:00", "updated_at": "2026-11-01"}).last_pk

    action("Retrain the staff on greeting", "2026-12-04")
    late = action("Fix the fitting-room lights", "2026-11-20")
    done = action("Clean the windows", "2026-11-25")
    action("Not yet: next quarter", "2027-03-01")
    assert scan_reminders(app, datetime(2026, 12, 2, 5, 0, tzinfo=UTC)) == 6
    db["actions"].update(done, {"status": "done"})
    delivered = deliver_due(app)
    assert (delivered.sent, delivered.skipped) == (4, 2)
    texts = [_all_text(m) for m in smtp_server.to("kierownik@example.com")]
    assert sum("Retrain the staff" in t for t in texts) == 1
    assert sum("Fix the fitting-room lights" in t for t in texts) == 1
    assert f"https://audit.example.com/manager/actions/{late}" in "".join(texts)


def test_reviewers_get_one_digest_a_day_when_visits_wait(app, db, people, chain,
                                                         smtp_server):
    from audit.mail.delivery import scan_reminders

    morning = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 06:00 in Warsaw: too early
    assert scan_reminders(app, morning) == 0  # nothing waits yet either
    make_visit(db, chain["store_id"], chain["shopper"], status="submitted",
               submitted_at="2026-11-28T10:00:00+00:00")
    assert scan_reminders(app, morning) == 0

    def digests():
        return db["outbox"].count_where("kind = 'review_digest'")

    scan_reminders(app, morning + timedelta(hours=2))
    assert digests() == 1  # one reviewer: 'admin'
    scan_reminders(app, morning + timedelta(hours=9))
    assert digests() == 1
    deliver_due(app)
    (digest,) = smtp_server.to("admin@example.com")
    assert digest["Subject"] == "Visits waiting for review: 1"
    assert "https://audit.example.com/review/" in _all_text(digest)


def test_each_month_managers_get_links_to_their_stores_reports(app, db, people, chain,
                                                               smtp_server):
    from audit.mail.delivery import scan_reminders

    _publish(db, people, chain)  # started on 2 November
    quiet = make_store(db, "QUIET-1")
    db["store_managers"].insert({"store_id": quiet, "user_id": people["manager2"]})
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert scan_reminders(app, at) == 3  # the two managers of WAW-7 and manager2
    assert scan_reminders(app, at + timedelta(days=10)) == 0  # once a month
    delivered = deliver_due(app)
    assert delivered.skipped == 1  # manager2: nothing of theirs was published in November
    (monthly,) = [m for m in smtp_server.to("kierownik@example.com")
                  if "opublikowano" not in m["Subject"]]
    assert (f"https://audit.example.com/manager/stores/{chain['store_id']}/report.pdf"
            "?start=2026-11-01&end=2026-11-30&lang=pl") in _all_text(monthly)


def test_an_undone_cancel_does_not_tell_the_shopper_it_was_cancelled(app, db, people, chain,
                                                                     smtp_server):
    from audit.visits import scheduling

    visit_id = make_visit(db, chain["store_id"], chain["shopper"], status="scheduled")
    scheduling.cancel(db, visit_id, people["admin"])
    scheduling.undo_cancel(db, visit_id, people["admin"])
    done = deliver_due(app)
    assert (done.sent, done.skipped) == (1, 1)
    (message,) = smtp_server.to(SHOPPER_EMAIL)
    assert message["Subject"] == "A new visit for you: Store WAW-7"
    assert outbox.recent(db, "skipped")[0]["last_error"] == "visit_restored"


def test_a_wrong_mail_server_setting_keeps_messages_waiting_and_the_page_says_why(
        app, db, people, chain, login):
    app.config["SMTP_URL"] = "http://mail.example.com"
    _publish(db, people, chain)
    done = deliver_due(app)
    assert done.sent == 0 and "expected smtp://host:port" in done.errors[0]
    assert outbox.counts(db)["waiting"] == 2
    assert "expected smtp://host:port" in login("admin").get("/admin/outbox").text
