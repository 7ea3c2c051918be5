"""One outbox message as an e-mail: text and HTML in the recipient's language, with the app's
name, a link into the app and a one-click unsubscribe for its kind.

What a manager receives is built from the visit and the store only: the shopper's name and
e-mail are never read here for a manager's kind (tests/test_mail.py reads every message).
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, parseaddr
from pathlib import Path

from flask import Flask, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from audit.mail.unsubscribe import token
from audit.notifications.kinds import ACTION_KINDS, Kind
from audit.vocabulary import DEFAULT_LANGUAGE, LANGUAGES

SUBJECTS = {
    Kind.VISIT_PUBLISHED: _l("%(store)s: a new audit is published"),
    Kind.VISIT_ALERT: _l("Alert: %(store)s failed an audit"),
    Kind.VISIT_ASSIGNED: _l("A new visit for you: %(store)s"),
    Kind.VISIT_RESCHEDULED: _l("Your visit to %(store)s has new dates"),
    Kind.VISIT_CANCELLED: _l("Your visit to %(store)s is cancelled"),
    Kind.VISIT_RETURNED: _l("Please correct your visit to %(store)s"),
    Kind.VISIT_OVERDUE: _l("Your visit to %(store)s is overdue"),
    Kind.ACTION_DUE: _l("%(store)s: an action is due soon"),
    Kind.ACTION_OVERDUE: _l("%(store)s: an action is overdue"),
    Kind.REVIEW_DIGEST: _l("Visits waiting for review: %(count)s"),
    Kind.MONTHLY_REPORTS: _l("Your stores' audit reports for last month"),
}
MANAGER_VISIT_KINDS = (Kind.VISIT_PUBLISHED, Kind.VISIT_ALERT)


# Headers folded at 998 (RFC 5322's limit), not 78: Python 3.11's folder drops the space between
# two encoded words it splits a subject into ("новый аудит" arrived as "новыйаудит").
POLICY = default_policy.clone(max_line_length=998)


def language(user: dict) -> str:
    """The language the user reads the app in (the default when they never chose)."""
    return user["language"] if user.get("language") in LANGUAGES else DEFAULT_LANGUAGE


def compose(app: Flask, message: dict, user: dict, facts: dict,
            attachment: Path | None = None) -> EmailMessage:
    """The e-mail of one outbox message to one user, from the facts of audit/mail/facts.py."""
    kind = Kind(message["kind"])
    lang = language(user)
    with app.test_request_context("/", base_url=app.config["BASE_URL"]), force_locale(lang):
        context = {"kind": kind, "user_name": user["name"], "visit": facts, "facts": facts,
                   "payload": message["payload"], "lang": lang,
                   "link": _link(kind, facts), "attached": attachment is not None,
                   "pdf_link": (url_for("manager.visit_report", published_visit_ref=facts["ref"],
                                        _external=True) if kind in MANAGER_VISIT_KINDS else None),
                   "unsubscribe": url_for("account.unsubscribe",
                                          token=token(app, user["id"], kind), _external=True),
                   "preferences": url_for("account.notifications", _external=True),
                   "home": url_for("auth.home", _external=True)}
        subject = str(SUBJECTS[kind]) % {
            "store": facts["store_name"],
            "count": facts.get("submitted", 0) + facts.get("approved", 0)}
        text = render_template(f"mail/{kind}.txt", **context)
        html = render_template(f"mail/{kind}.html", **context)
    mail = EmailMessage(policy=POLICY)
    mail["Subject"] = subject
    mail["From"] = app.config["MAIL_FROM"]
    mail["To"] = formataddr((user["name"], user["email"]))
    mail["Message-ID"] = message_id(app, message)
    mail["List-Unsubscribe"] = f"<{context['unsubscribe']}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    if attachment is not None:
        mail.add_attachment(attachment.read_bytes(), maintype="application", subtype="pdf",
                            filename=f"visit-{facts['store_code']}-{facts['id']}.pdf")
    return mail


def message_id(app: Flask, message: dict) -> str:
    """The same Message-ID every time one outbox row is sent, so a repeat can be told."""
    domain = parseaddr(app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message["key"].encode()).hexdigest()[:12]
    return f"<outbox-{message['id']}-{digest}@{domain}>"


def _link(kind: Kind, facts: dict) -> str:
    """Where the message leads in the app."""
    if kind in MANAGER_VISIT_KINDS:
        return url_for("manager.store", store_id=facts["store_id"], _external=True)
    if kind in ACTION_KINDS:
        return url_for("manager.action", action_id=facts["id"], _external=True)
    if kind == Kind.REVIEW_DIGEST:
        return url_for("review.index", _external=True)
    if kind == Kind.MONTHLY_REPORTS:
        return url_for("manager.index", _external=True)
    if kind == Kind.VISIT_CANCELLED:
        return url_for("shopper.index", _external=True)
    return url_for("shopper.visit", visit_id=facts["id"], _external=True)
