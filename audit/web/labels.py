"""The words users read for the app's codes, in their language: one table per word list.

Domain modules store and return codes (audit/vocabulary values, contact channels, ...); pages,
forms and error messages turn them into words here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from audit.notifications.kinds import Kind
from audit.visits.online import step_labels
from audit.vocabulary import ActionStatus, Channel, Role, VisitStatus
from criteria.model import Criterion

VISIT_STATUS = {
    VisitStatus.SCHEDULED: _l("Scheduled"),
    VisitStatus.IN_PROGRESS: _l("In progress"),
    VisitStatus.SUBMITTED: _l("Submitted"),
    VisitStatus.RETURNED: _l("Returned for correction"),
    VisitStatus.APPROVED: _l("Approved"),
    VisitStatus.PUBLISHED: _l("Published"),
    VisitStatus.CANCELLED: _l("Cancelled"),
    VisitStatus.UNPUBLISHED: _l("Unpublished"),
}
# In running text ("3 physical stores"), lower case.
CHANNEL = {Channel.PHYSICAL: _l("physical"), Channel.ONLINE: _l("online")}
# As a choice or a heading.
CHANNEL_TITLE = {Channel.PHYSICAL: _l("Physical shop"), Channel.ONLINE: _l("Online shop")}
ROLE = {Role.SHOPPER: _l("Shopper"), Role.MANAGER: _l("Manager"), Role.ADMIN: _l("Admin")}
ACTION_STATUS = {ActionStatus.OPEN: _l("open"), ActionStatus.DONE: _l("done"),
                 ActionStatus.DROPPED: _l("dropped")}
# One label per criteria.scoring.CONTACT_CHANNELS code, in its order (a test checks).
CONTACT_CHANNEL = {
    "email": _l("E-mail"), "chat": _l("Chat"), "phone": _l("Phone"),
    "form": _l("Contact form"), "social": _l("Social media"),
}
# A line of a visit's log (visit_log.action), as a reviewer reads it.
VISIT_LOG_ACTION = {
    "start": lazy_pgettext("visit log", "Started"),
    "submit": lazy_pgettext("visit log", "Submitted"),
    "approve": lazy_pgettext("visit log", "Approved"),
    "return": lazy_pgettext("visit log", "Returned for correction"),
    "publish": lazy_pgettext("visit log", "Published"),
    "cancel": lazy_pgettext("visit log", "Cancelled"),
    "reschedule": lazy_pgettext("visit log", "Rescheduled"),
    "correct": lazy_pgettext("visit log", "Answer corrected"),
    "restore": lazy_pgettext("visit log", "Cancellation undone"),
    "resume": lazy_pgettext("visit log", "Cancellation undone"),
}
# A line of an action's history (action_log.change).
ACTION_CHANGE = {"create": _l("Created"), "edit": _l("Changed"), "done": _l("Marked done"),
                 "dropped": _l("Dropped"), "reopen": _l("Reopened")}
# Words the domain returns in English (marked with N_ there) when a criterion has none of its own.
DEFAULT_WORDS = {"Sent": _l("Sent"), "Received": _l("Received"),
                 "Visit started": _l("Visit started"), "Visit submitted": _l("Visit submitted")}

# A domain error's parameter of one of these kinds is shown as its word.
BY_KIND: dict[type[StrEnum], dict] = {VisitStatus: VISIT_STATUS, Channel: CHANNEL, Role: ROLE,
                                      ActionStatus: ACTION_STATUS}


# The texts of a criteria set (criteria/translations.py MissingText.field), in running text.
TEXT_FIELD = {"name": _l("name of the set"), "description": _l("description of the set"),
              "title": _l("section title"), "text": _l("question"), "guidance": _l("guidance"),
              "steps": _l("step names")}


# What a line of a user's log (audit/users.py user_log) changed.
USER_FIELD = {
    "email": _l("E-mail"), "name": _l("Name"), "role": _l("Role"),
    "is_reviewer": _l("Reviewer permission"), "active": _l("Active"),
    "language": _l("Language"), "password": _l("Password"), "regions": _l("Regions"),
    "store": _l("Store"),
    "sessions": _l("Logged out on every device"),
}


def user_field_label(field: str) -> str:
    """A field named in a user's log, in words."""
    return str(USER_FIELD.get(field, field))


# What each kind of message is about, as the preferences page and the unsubscribe page say it.
NOTIFICATION_KIND = {
    Kind.VISIT_PUBLISHED: _l("A visit of my store is published"),
    Kind.VISIT_ALERT: _l("Alert: a published visit failed a knock-out or scored low"),
    Kind.VISIT_ASSIGNED: _l("A visit is assigned to me"),
    Kind.VISIT_RESCHEDULED: _l("My visit has new dates"),
    Kind.VISIT_CANCELLED: _l("My visit is cancelled or given to someone else"),
    Kind.VISIT_RETURNED: _l("My visit is returned for correction"),
    Kind.VISIT_OVERDUE: _l("My visit is past its window and not submitted"),
    Kind.ACTION_DUE: _l("An action of my store is due within three days"),
    Kind.ACTION_OVERDUE: _l("An action of my store is overdue"),
    Kind.REVIEW_DIGEST: _l("Each morning: how many visits wait for review"),
    Kind.MONTHLY_REPORTS: _l("Each month: my stores' reports for the month before"),
}


# Why the outbox did not send a message (codes of audit/mail/delivery.py); any other reason is
# the mail server's own answer, shown as it came.
OUTBOX_REASON = {
    "account_closed": _l("The recipient's account is deactivated."),
    "no_address": _l("The recipient has no e-mail address."),
    "turned_off": _l("The recipient turned this kind of e-mail off."),
    "visit_gone": _l("The visit no longer exists."),
    "not_published": _l("The visit is no longer published."),
    "visit_done": _l("The visit was submitted or cancelled meanwhile."),
    "visit_restored": _l("The cancellation was undone meanwhile."),
    "visit_taken": _l("The visit was cancelled or given to someone else meanwhile."),
    "action_gone": _l("The action no longer exists."),
    "action_closed": _l("The action was done or dropped meanwhile."),
    "nothing_to_review": _l("No visit waits for review any more."),
    "nothing_published": _l("No visit of the recipient's stores was published that month."),
}


def outbox_reason(reason: str | None) -> str:
    """A delivery outcome in words: ours translated, a mail server's as it came."""
    return str(OUTBOX_REASON.get(reason, reason or ""))


def notification_label(kind: str) -> str:
    """A kind of message in words."""
    return str(NOTIFICATION_KIND.get(kind, kind))


def text_field_label(field: str) -> str:
    """Words for a text of a criteria set; option:<key> is one answer option's label."""
    if field.startswith("option:"):
        return _l("answer option “%(key)s”", key=field.removeprefix("option:"))
    return TEXT_FIELD[field]


def status_label(status: str) -> str:
    """A visit status in words."""
    return str(VISIT_STATUS.get(status, status))


def channel_word(channel: str) -> str:
    """'physical' or 'online' in running text."""
    return str(CHANNEL.get(channel, channel))


def role_label(role: str) -> str:
    """A user's role in words."""
    return str(ROLE.get(role, role))


def action_status_word(status: str) -> str:
    """An action's stored state in words."""
    return str(ACTION_STATUS.get(status, status))


def visit_log_label(action: str) -> str:
    """What a line of a visit's log records, in words."""
    return str(VISIT_LOG_ACTION.get(action, action))


def action_change_label(change: str) -> str:
    """What a line of an action's history records, in words."""
    return str(ACTION_CHANGE.get(change, change))


def contact_channel_label(channel: str | None) -> str:
    """How an online inquiry was sent, in words ('' when not recorded)."""
    return str(CONTACT_CHANNEL.get(channel, "")) if channel else ""


def contact_channel_choices() -> list[tuple[str, str]]:
    """Every contact channel as (code, words), for a choice list."""
    return [(code, str(label)) for code, label in CONTACT_CHANNEL.items()]


def step_label(text: str) -> str:
    """A step or timeline label: the domain's English default translated, a set's own as is."""
    word = DEFAULT_WORDS.get(text)
    return str(word) if word is not None else text


def shown_step_labels(c: Criterion, lang: str) -> tuple[str, str]:
    """An interval criterion's two step labels as the reader sees them."""
    first, second = step_labels(c, lang)
    return step_label(first), step_label(second)


def word(value: object) -> object:
    """A vocabulary value (a status, channel, role) in words; any other value as it is."""
    for kind, table in BY_KIND.items():
        if isinstance(value, kind):
            return str(table.get(value, value))
    return value


def init_app(app: Flask) -> None:
    """Make the labels available to every template."""
    app.jinja_env.globals.update(
        status_label=status_label, channel_word=channel_word, role_label=role_label,
        action_status_word=action_status_word, contact_channel_label=contact_channel_label,
        visit_log_label=visit_log_label, action_change_label=action_change_label,
        user_field_label=user_field_label, notification_label=notification_label,
        outbox_reason=outbox_reason)
