"""The shopper's forms: start, submit, and the checklist fields of one section.

Checklist fields are named after the criterion key, the same with and without JavaScript:
`a-KEY` (the answer; duration `a-KEY-min`/`a-KEY-sec`, interval `a-KEY-from`/`a-KEY-to` with
`a-KEY-channel` and `a-KEY-note` for an inquiry's channel of contact and question;
multi_choice a checkbox `a-KEY-o-OPTION` per option and `a-KEY-none` for "none of these", so
"nothing ticked" stays unanswered while "none of these" is the answer []),
`na-KEY` (not applicable) and `c-KEY` (comment). The phone's autosave keeps exactly these
names, so one parser serves the plain form post, the draft and the offline submission.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FloatField, HiddenField, SelectChoice, SelectField, URLField
from wtforms.validators import URL, Length, NumberRange, Optional

from audit.visits.answers import KEEP, MAX_COMMENT, AnswerInput
from audit.visits.online import step_labels
from audit.web.formatting import current_locale, moment
from audit.web.labels import shown_step_labels
from criteria.model import Criterion
from criteria.scoring import CONTACT_CHANNELS, MAX_TEXT, NA, contact_channel
from criteria.values import is_amount

# A phone's clock may run a little ahead of the server's: a step this close is not "future".
FUTURE_SKEW = timedelta(minutes=5)
# A time measured during a visit (a wait, a queue): more than a day is a typing slip (the
# message below says 24 hours).
MAX_DURATION_S = 24 * 3600

ONLINE_CHANNELS = [
    SelectChoice("phone_browser", _l("Website on a phone")),
    SelectChoice("computer_browser", _l("Website on a computer")),
    SelectChoice("app", _l("The shop's app")),
]


class StartForm(FlaskForm):
    """Start a visit; the phone fills in its position and clock when it can."""

    started_at = HiddenField(validators=[Optional(), Length(max=40)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    accuracy = FloatField(validators=[Optional(), NumberRange(0, 1_000_000)])
    online_url = URLField(_l("Web address you used"),
                          validators=[Optional(), URL(), Length(max=500)])
    online_channel = SelectField(_l("How you shopped"), choices=ONLINE_CHANNELS,
                                 validators=[Optional()])


class EndForm(FlaskForm):
    """Record leaving the shop."""

    ended_at = HiddenField(validators=[Optional(), Length(max=40)])


class SubmitForm(FlaskForm):
    """Submit a visit; the id is made when the page is drawn, so a double tap is one submit."""

    uuid = HiddenField(validators=[Length(max=40)])
    ended_at = HiddenField(validators=[Optional(), Length(max=40)])


class PhotoDeleteForm(FlaskForm):
    """Remove one photo (CSRF only)."""


def field_names(c: Criterion) -> list[str]:
    """The form field names a criterion uses."""
    if c.type == "duration":
        names = [f"a-{c.key}-min", f"a-{c.key}-sec"]
    elif c.type == "interval":
        names = [f"a-{c.key}-from", f"a-{c.key}-to", f"a-{c.key}-channel", f"a-{c.key}-note"]
    elif c.type == "photo":
        names = []
    elif c.type == "multi_choice":
        names = [*(f"a-{c.key}-o-{o.key}" for o in c.options), f"a-{c.key}-none"]
    else:
        names = [f"a-{c.key}"]
    return [*names, f"na-{c.key}", f"c-{c.key}"]


def client_zone(fields: Mapping[str, str], default_zone: str) -> timezone | ZoneInfo:
    """The phone's time zone: `tz` minutes east of UTC when the page's script sent it."""
    try:
        minutes = int(fields.get("tz", ""))
    except ValueError:
        return ZoneInfo(default_zone)
    if abs(minutes) > 14 * 60:
        return ZoneInfo(default_zone)
    return timezone(timedelta(minutes=minutes))


def _number(raw: str, whole: bool) -> float | int:
    """Parse a typed number (comma or point); ValueError when it is not one."""
    cleaned = raw.strip().replace(",", ".").replace(" ", "")
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(raw)
    if whole:
        if value != int(value):
            raise ValueError(raw)
        return int(value)
    return int(value) if value == int(value) and abs(value) < 1e15 else value


def _local_time(raw: str, zone) -> str | None:
    """A datetime-local value ('2026-11-02T10:15') as ISO-8601 with the phone's offset."""
    raw = raw.strip()
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    if value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value.isoformat(timespec="seconds")


def _value(c: Criterion, fields: Mapping[str, str], zone):
    """The typed answer from the fields of one criterion; raises ValueError with a message."""
    get = lambda name: (fields.get(name) or "").strip()  # noqa: E731
    if c.type == "photo":
        return None
    if c.type == "duration":
        minutes, seconds = get(f"a-{c.key}-min"), get(f"a-{c.key}-sec")
        if not minutes and not seconds:
            return None
        try:
            total = _number(minutes or "0", False) * 60 + _number(seconds or "0", False)
        except ValueError:
            raise ValueError(_("Enter minutes and seconds as numbers.")) from None
        # 1e308 minutes is infinite seconds: round() of it answered 500.
        if not abs(total) <= MAX_DURATION_S:
            raise ValueError(_("Enter a time of at most 24 hours."))
        return round(total)
    if c.type == "interval":
        return _interval_value(c, fields, zone)
    if c.type == "multi_choice":
        return _multi_choice_value(c, fields)
    raw = get(f"a-{c.key}")
    if not raw:
        return None
    if c.type == "yes_no":
        if raw not in ("yes", "no"):
            raise ValueError(_("Choose yes or no."))
        return raw == "yes"
    if c.type in ("rating", "count", "number", "nps"):
        try:
            return _number(raw, c.type != "number")
        except ValueError:
            raise ValueError(_("Enter a whole number.") if c.type != "number"
                             else _("Enter a number.")) from None
    if c.type == "amount":
        return _amount_value(raw)
    return raw  # choice, text: checked against the criterion by the answers module


def _multi_choice_value(c: Criterion, fields: Mapping[str, str]) -> list[str] | None:
    """The ticked options; [] for "none of these"; None when nothing is ticked at all."""
    ticked = [o.key for o in c.options if _ticked(fields.get(f"a-{c.key}-o-{o.key}"))]
    if ticked:
        return ticked
    return [] if _ticked(fields.get(f"a-{c.key}-none")) else None


def _ticked(raw: str | None) -> bool:
    """Whether a checkbox's posted value means ticked."""
    return raw in ("1", "on", "true")


def _amount_value(raw: str) -> int | float:
    """An amount of money typed with a comma or a point; at most two decimals."""
    try:
        value = _number(raw, False)
    except ValueError:
        raise ValueError(_("Enter an amount, e.g. 12.50.")) from None
    if not is_amount(value):
        raise ValueError(_("Enter an amount of 0 or more with at most two decimals.")) from None
    return value


def inquiry_channel(c: Criterion) -> str | None:
    """The channel a question to the shop is sent by by default; None if not an inquiry."""
    return contact_channel(c)


def _interval_value(c: Criterion, fields: Mapping[str, str], zone) -> dict | None:
    """An interval answer with its channel and question; ValueError says which step is wrong."""
    get = lambda name: (fields.get(name) or "").strip()  # noqa: E731
    first, second = shown_step_labels(c, current_locale())
    try:
        start = _local_time(get(f"a-{c.key}-from"), zone)
        end = _local_time(get(f"a-{c.key}-to"), zone)
    except ValueError:
        raise ValueError(_("Enter a date and time.")) from None
    channel, note = get(f"a-{c.key}-channel") or None, get(f"a-{c.key}-note") or None
    if start is None:
        if end is not None:
            raise ValueError(_("Enter “%(step)s” as well.", step=first))
        return None
    latest = datetime.now(UTC) + FUTURE_SKEW
    for label, at in ((first, start), (second, end)):
        if at is not None and datetime.fromisoformat(at) > latest:
            raise ValueError(_("“%(step)s” is in the future: check the date and time.",
                               step=label))
    if end is not None and datetime.fromisoformat(end) < datetime.fromisoformat(start):
        raise ValueError(_("“%(second)s” cannot be before “%(first)s”.", second=second,
                           first=first))
    if channel is not None and channel not in CONTACT_CHANNELS:
        raise ValueError(_("Choose how you contacted the shop."))
    if note is not None and len(note) > MAX_TEXT:
        raise ValueError(_("The question may have at most %(n)d characters.", n=MAX_TEXT))
    value = {"from": start, "to": end}
    if channel:
        value["channel"] = channel
    if note:
        value["note"] = note
    return value


def _same_steps(criteria: list[Criterion], entries: list[AnswerInput]) -> dict[str, str]:
    """A first step shared by several criteria ("Order placed") must have one time.

    Messages by criterion key for the later criteria whose time differs from the first one.
    """
    by_key = {c.key: c for c in criteria}
    seen: dict[str, tuple[str, str]] = {}
    errors = {}
    for e in entries:
        c = by_key[e.criterion_key]
        if c.type != "interval" or not isinstance(e.value, dict):
            continue
        label = step_labels(c, "en")[0]
        at = datetime.fromisoformat(e.value["from"])
        if label not in seen:
            seen[label] = (e.value["from"], shown_step_labels(c, current_locale())[0])
            continue
        if datetime.fromisoformat(seen[label][0]) != at:
            errors[c.key] = _("“%(step)s” is already recorded at %(time)s for another "
                              "question; enter the same time.", step=seen[label][1],
                              time=moment(seen[label][0]))
    return errors


def _present(c: Criterion, fields: Mapping[str, str]) -> bool:
    """Whether the fields say anything about this criterion."""
    return any(name in fields for name in field_names(c))


def parse_answers(criteria: list[Criterion], fields: Mapping[str, str], *, default_zone: str,
                  only_present: bool) -> tuple[list[AnswerInput], dict[str, str]]:
    """Answers from form fields; (entries, messages by criterion key for fields that failed).

    only_present: a draft or submission from the phone names just what it knows; a plain form
    post covers its whole section, so a field left empty there clears the answer.
    """
    zone = client_zone(fields, default_zone)
    entries, errors = [], {}
    for c in criteria:
        if only_present and not _present(c, fields):
            continue
        comment = fields.get(f"c-{c.key}")
        if comment is not None and len(comment) > MAX_COMMENT:
            errors[c.key] = _("A comment may have at most %(n)d characters.", n=MAX_COMMENT)
            continue
        try:
            value = NA if fields.get(f"na-{c.key}") in ("1", "on", "true") else _value(c, fields,
                                                                                          zone)
        except ValueError as err:
            errors[c.key] = str(err)
            continue
        entries.append(AnswerInput(c.key, value,
                                   KEEP if comment is None else (comment.strip() or None)))
    twice = _same_steps(criteria, entries)
    if twice:
        errors |= twice
        entries = [e for e in entries if e.criterion_key not in twice]
    return entries, errors


def fields_from_json(payload: object) -> dict[str, str]:
    """The field map of a JSON body ({"fields": {name: text}}); bad shapes give {}."""
    fields = payload.get("fields") if isinstance(payload, dict) else None
    if not isinstance(fields, dict):
        return {}
    return {str(k)[:200]: v if isinstance(v, str) else json.dumps(v)
            for k, v in fields.items() if isinstance(v, str | int | float | bool)}


def submit_details(payload: dict) -> dict:
    """Submission id, photo ids and end time of the script's submit body; a wrong type is none."""
    photos, uuid, ended = payload.get("photos"), payload.get("uuid"), payload.get("ended_at")
    return {"submission_uuid": uuid if isinstance(uuid, str) else None,
            "photo_ids": [str(p) for p in photos][:100] if isinstance(photos, list) else [],
            "ended_at": ended if isinstance(ended, str) else None}


def json_form(form_class: type[FlaskForm], payload: object) -> FlaskForm:
    """A form filled from the script's JSON object as a browser posts one: every value as text.

    Flask-WTF's own reading of JSON hands numbers, lists and null to fields made for text,
    which then fail with a 500 instead of a validation message.
    """
    return form_class(formdata=MultiDict(fields_from_json({"fields": payload})))


def stored_fields(criteria: list[Criterion], answers: dict[str, dict], zone_name: str
                  ) -> dict[str, str]:
    """Form field values from stored answer rows, to draw the form as it was saved."""
    zone = ZoneInfo(zone_name)
    fields: dict[str, str] = {}
    for c in criteria:
        row = answers.get(c.key)
        if not row:
            continue
        if row["comment"]:
            fields[f"c-{c.key}"] = row["comment"]
        if row["na"]:
            fields[f"na-{c.key}"] = "1"
        if row["value"] is not None:
            fields.update(_value_fields(c, json.loads(row["value"]), zone))
    return fields


def _value_fields(c: Criterion, value, zone) -> dict[str, str]:
    """The fields that show one stored value."""
    if c.type == "duration":
        return {f"a-{c.key}-min": str(int(value) // 60), f"a-{c.key}-sec": str(int(value) % 60)}
    if c.type == "interval":
        fields = {f"a-{c.key}-{part}": _as_local(value.get(part), zone) for part in ("from", "to")}
        fields[f"a-{c.key}-channel"] = value.get("channel") or ""
        fields[f"a-{c.key}-note"] = value.get("note") or ""
        return fields
    if c.type == "yes_no":
        return {f"a-{c.key}": "yes" if value else "no"}
    if c.type == "multi_choice":
        if not value:
            return {f"a-{c.key}-none": "1"}
        return {f"a-{c.key}-o-{key}": "1" for key in value}
    if c.type == "amount":
        return {f"a-{c.key}": f"{value:.2f}"}
    return {f"a-{c.key}": str(value)}


def _as_local(iso: str | None, zone) -> str:
    """An ISO time as a datetime-local value in the given zone."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
