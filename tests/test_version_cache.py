"""One cache of parsed criteria versions (reports/versions.py), shared by the visit flow, the
admin pages and the reports: a frozen or published version is parsed once; a draft is read
afresh, so an edit shows at once."""

from __future__ import annotations

import dataclasses

import pytest

from audit.criteria_sets.versions import (
    add_version,
    current_version_id,
    freeze,
    save_version,
    set_id_of,
    version_set,
)
from reports import aggregate, versions


def test_a_published_version_is_parsed_once_for_the_app_and_the_reports(db):
    vid = current_version_id(db, "physical-store")
    first = version_set(db, vid)
    assert version_set(db, vid) is first
    assert aggregate.version_sets(db, {vid})[vid] is first


def test_an_edited_draft_is_read_afresh_and_kept_once_frozen(db):
    vid = current_version_id(db, "physical-store")
    physical = version_set(db, vid)
    draft = add_version(db, set_id_of(db, "physical-store"),
                        dataclasses.replace(physical, pass_mark=70), publish=False)
    assert version_set(db, draft).pass_mark == 70
    save_version(db, draft, dataclasses.replace(physical, pass_mark=65))
    assert version_set(db, draft).pass_mark == 65
    freeze(db, draft)
    assert version_set(db, draft) is version_set(db, draft)


def test_the_cache_keeps_at_most_its_bound(db, monkeypatch):
    monkeypatch.setattr(versions, "KEPT", 1)
    monkeypatch.setattr(versions, "_kept", type(versions._kept)())
    ids = {current_version_id(db, "physical-store"), current_version_id(db, "online-shop")}
    assert len(versions.version_sets(db, ids)) == 2
    assert len(versions._kept) == 1


def test_an_unknown_version_is_a_key_error(db):
    with pytest.raises(KeyError):
        version_set(db, 999_999)
