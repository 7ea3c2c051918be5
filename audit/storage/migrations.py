"""The schema, as sqlite-utils Migrations. A released migration is never edited, only added to."""

import json
import re

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from audit.storage import rollups

migrations = Migrations("audit")


def _run(db: Database, statements: str) -> None:
    """Run ;-separated DDL statements inside the migration's transaction."""
    for statement in statements.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    """Users, stores, criteria sets and versions, visits, answers, photos and the change log."""
    _run(
        db,
        """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'shopper')),
    is_reviewer INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    language TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('physical', 'online')),
    address TEXT,
    url TEXT,
    region TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX stores_region ON stores (region);
CREATE TABLE store_managers (
    store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (store_id, user_id)
);
CREATE INDEX store_managers_user ON store_managers (user_id);
CREATE TABLE region_managers (
    region TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (region, user_id)
);
CREATE INDEX region_managers_user ON region_managers (user_id);
CREATE TABLE criteria_sets (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE criteria_versions (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES criteria_sets (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    definition TEXT NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (set_id, number)
);
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    version_id INTEGER NOT NULL REFERENCES criteria_versions (id),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'submitted', 'returned',
                                           'approved', 'published', 'cancelled')),
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    submitted_at TEXT,
    approved_at TEXT,
    published_at TEXT,
    start_lat REAL,
    start_lon REAL,
    start_accuracy REAL,
    start_distance_m REAL,
    online_url TEXT,
    online_channel TEXT,
    score REAL,
    passed INTEGER,
    knocked_out INTEGER NOT NULL DEFAULT 0,
    submission_uuid TEXT UNIQUE,
    submission_hash TEXT,
    return_note TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    schedule_note TEXT,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX visits_store ON visits (store_id, status, started_at);
CREATE INDEX visits_shopper ON visits (shopper_id, status);
CREATE INDEX visits_status ON visits (status, submitted_at);
CREATE INDEX visits_version ON visits (version_id);
CREATE TABLE answers (
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    criterion_key TEXT NOT NULL,
    section_key TEXT NOT NULL,
    value TEXT,
    na INTEGER NOT NULL DEFAULT 0,
    comment TEXT,
    points REAL,
    earned REAL,
    possible REAL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (visit_id, criterion_key)
);
CREATE INDEX answers_criterion ON answers (criterion_key);
CREATE TABLE section_scores (
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    section_key TEXT NOT NULL,
    score REAL,
    knocked_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (visit_id, section_key)
);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    criterion_key TEXT,
    client_id TEXT NOT NULL,
    filename TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (visit_id, client_id)
);
CREATE TABLE visit_log (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    criterion_key TEXT,
    old_value TEXT,
    new_value TEXT,
    note TEXT
);
CREATE INDEX visit_log_visit ON visit_log (visit_id)
""",
    )


@migrations()
def m002_actions(db: Database) -> None:
    """Action plans: corrective steps per store and their change log.

    visits.watch_keys: criterion keys (space-separated; keys never hold spaces) that a follow-up
    visit's shopper is asked to watch closely. Whether an action was confirmed is never stored:
    it is computed from the published answers (reports/actions.py).
    """
    _run(
        db,
        """
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id),
    criterion_key TEXT,
    text TEXT NOT NULL,
    owner TEXT,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    status_note TEXT,
    done_at TEXT,
    source_visit_id INTEGER REFERENCES visits (id),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX actions_store ON actions (store_id, status);
CREATE TABLE action_log (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id),
    at TEXT NOT NULL,
    change TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    note TEXT
);
CREATE INDEX action_log_action ON action_log (action_id);
ALTER TABLE visits ADD COLUMN watch_keys TEXT NOT NULL DEFAULT ''
""",
    )


@migrations()
def m003_jobs(db: Database) -> None:
    """Background report jobs: a run of many renders (jobs) and one row per report (job_items).

    The web side (or the CLI) updates both from the queue's results in short transactions;
    the progress page only reads them. params is JSON (start, end, lang, region).
    """
    _run(
        db,
        """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('store_reports', 'store_report')),
    params TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'stalled', 'done', 'cancelled')),
    message TEXT,
    started_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    driver_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE TABLE job_items (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL REFERENCES stores (id),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'queued', 'done', 'failed', 'cancelled')),
    task_id TEXT,
    enqueued_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    report_file TEXT,
    finished_at TEXT,
    UNIQUE (job_id, store_id)
);
CREATE INDEX job_items_status ON job_items (job_id, status);
CREATE INDEX job_items_store ON job_items (store_id, period_start, period_end, status)
""",
    )


@migrations()
def m005_bench_indexes(db: Database) -> None:
    """Indexes the reports need at 100,000 visits (measured by `make bench`).

    Reports select published visits by the day they started, an expression (VISIT_DAY in
    reports/aggregate.py, which must stay the same text); the covering index on section scores
    lets the region and chain averages read them without touching the table.
    """
    _run(
        db,
        """
CREATE INDEX visits_published_day ON visits
    (status, substr(COALESCE(started_at, submitted_at), 1, 10), store_id, score);
CREATE INDEX section_scores_cover ON section_scores (visit_id, section_key, score, knocked_out)
""",
    )


@migrations()
def m006_submit_length_index(db: Database) -> None:
    """The newest submitted visits by time, with what their length needs (`make bench`).

    usual_minutes in audit/visit_flow.py reads 200 entries of it at each submission, instead of
    every visit of the set (~85,000 at 100,000 visits) sorted by time.
    """
    _run(
        db,
        """
CREATE INDEX visits_submitted_length ON visits
    (submitted_at, status, version_id, started_at, ended_at)
""",
    )


@migrations()
def m007_store_list_index(db: Database) -> None:
    """Each store's published visits by day, newest last, with their score (`make bench`).

    recent_scores in reports/aggregate.py reads each store's newest six entries of it, instead
    of a window over every published visit of the chain. The day is VISIT_DAY's expression.
    """
    _run(
        db,
        """
CREATE INDEX visits_store_recent ON visits
    (store_id, status, substr(COALESCE(started_at, submitted_at), 1, 10), id, score)
""",
    )


@migrations()
def m008_summary_indexes(db: Database) -> None:
    """The chain summary's per-store figures from the index alone (`make bench`).

    visits_published_day (m005) gains what _store_figures in reports/aggregate.py sums besides
    the score (passed, knocked_out, version_id), so a year of the chain (12,000 visits) is read
    without touching the table: 23 -> 8 ms per period at 100,000 visits. It replaces m005's index,
    whose columns it starts with.
    """
    _run(
        db,
        """
CREATE INDEX visits_published_day_figures ON visits
    (status, substr(COALESCE(started_at, submitted_at), 1, 10), store_id, score, passed,
     knocked_out, version_id);
DROP INDEX visits_published_day
""",
    )


@migrations()
def m009_figures_stamp(db: Database) -> None:
    """A counter of changes to what region and chain averages are made of (reports/figures.py).

    Every store report compares with averages over its whole channel; at 100,000 visits a year of
    them reads 72,000 section scores (~50 ms). reports/figures.py keeps them per process, keyed by
    this counter. The triggers bump it inside the transaction that publishes, unpublishes or
    re-scores a visit, or moves a store to another region or channel, so kept averages can never
    outlive the commit that changed them. Drafts and submissions of unpublished visits leave it be.
    """
    _run(
        db,
        """
CREATE TABLE figures_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO figures_stamp (id, n) VALUES (1, 0);
CREATE TRIGGER figures_visit_insert AFTER INSERT ON visits WHEN NEW.status = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_visit_delete AFTER DELETE ON visits WHEN OLD.status = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_visit_update
AFTER UPDATE OF status, score, store_id, started_at, submitted_at ON visits
WHEN OLD.status = 'published' OR NEW.status = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_section_insert AFTER INSERT ON section_scores
WHEN (SELECT status FROM visits WHERE id = NEW.visit_id) = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_section_delete AFTER DELETE ON section_scores
WHEN (SELECT status FROM visits WHERE id = OLD.visit_id) = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_section_update AFTER UPDATE ON section_scores
WHEN (SELECT status FROM visits WHERE id = NEW.visit_id) = 'published'
  OR (SELECT status FROM visits WHERE id = OLD.visit_id) = 'published'
BEGIN UPDATE figures_stamp SET n = n + 1; END;
CREATE TRIGGER figures_store_update AFTER UPDATE OF region, channel ON stores
WHEN OLD.region IS NOT NEW.region OR OLD.channel IS NOT NEW.channel
BEGIN UPDATE figures_stamp SET n = n + 1; END
""",
    )


@migrations()
def m010_visit_events(db: Database) -> None:
    """Every status move of a visit as one row: who moved it from where to where, and when.

    audit/visits/lifecycle.py appends a row in the transaction that changes the status; whatever
    reacts to moves (report caches, rollups, e-mail) reads them with its own cursor (the last id
    it handled). The moves logged so far in visit_log move here, so the history stays complete
    and is told once: visit_log keeps answer changes and reschedules.
    """
    _run(
        db,
        """
CREATE TABLE visit_events (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    at TEXT NOT NULL,
    params TEXT
);
CREATE INDEX visit_events_visit ON visit_events (visit_id, id);
INSERT INTO visit_events (visit_id, action, from_status, to_status, actor_id, at, params)
SELECT visit_id, action,
       COALESCE(old_value, CASE action WHEN 'start' THEN 'scheduled'
                                       WHEN 'submit' THEN 'in_progress'
                                       WHEN 'cancel' THEN 'scheduled' END),
       COALESCE(new_value, CASE action WHEN 'start' THEN 'in_progress'
                                       WHEN 'submit' THEN 'submitted'
                                       WHEN 'cancel' THEN 'cancelled' END),
       user_id, at,
       CASE WHEN action = 'submit' AND note IS NOT NULL THEN json_object('uuid', note)
            WHEN note IS NOT NULL THEN json_object('note', note) END
FROM visit_log
WHERE action IN ('start', 'submit', 'approve', 'return', 'publish', 'cancel')
ORDER BY at, id;
DELETE FROM visit_log WHERE action IN ('start', 'submit', 'approve', 'return', 'publish', 'cancel')
""",
    )


@migrations()
def m011_flags_as_codes(db: Database) -> None:
    """Warnings stored as codes with parameters, and the index the usual length is read along.

    Flags were stored as sentences in the shopper's language ({code, message}); now they are
    {code, params} and translated when shown (audit/visits/flags.py). The parameters come from
    the visit's own columns: far_start from start_distance_m and start_accuracy, short_visit from
    started_at/ended_at and the larger number of its old sentence (the usual length, in minutes;
    a visit is only flagged when it is the larger, whatever the language). A flag that cannot be
    converted keeps its sentence as params.message, which is shown as it is.

    visits_version_submitted lets usual_seconds() read the newest visits of each version of a
    set, at most 200 entries each, however long the history; it starts with version_id, so it
    replaces visits_version, and m006's index (read only by the old usual_minutes) goes.
    """
    for visit_id, stored, distance, accuracy, seconds in db.execute(
            """SELECT id, flags, start_distance_m, start_accuracy,
                      (julianday(ended_at) - julianday(started_at)) * 86400
               FROM visits WHERE flags NOT IN ('', '[]')""").fetchall():
        flags = [_flag_with_params(f, distance, accuracy, seconds) for f in json.loads(stored)
                 if isinstance(f, dict)]
        db.execute("UPDATE visits SET flags = ? WHERE id = ?",
                   [json.dumps(flags, ensure_ascii=False), visit_id])
    _run(
        db,
        """
CREATE INDEX visits_version_submitted ON visits
    (version_id, submitted_at, status, started_at, ended_at);
DROP INDEX visits_version;
DROP INDEX visits_submitted_length
""",
    )


def _flag_with_params(old: dict, distance: float | None, accuracy: float | None,
                      seconds: float | None) -> dict:
    """An old {code, message} flag as {code, params} (m011); the message stays when needed."""
    if "params" in old:
        return old
    code, message = old.get("code", ""), str(old.get("message") or "")
    numbers = [int(n) for n in re.findall(r"\d+", message)]
    if code == "no_position":
        return {"code": code, "params": {}}
    if code == "far_start" and distance is not None:
        return {"code": code, "params": {
            "metres": round(distance), "accuracy": None if accuracy is None else round(accuracy)}}
    if code == "short_visit" and seconds is not None and numbers:
        return {"code": code, "params": {"took_seconds": round(seconds),
                                         "usual_seconds": max(numbers) * 60}}
    return {"code": code, "params": {"message": message}}


@migrations()
def m012_shopper_history_index(db: Database) -> None:
    """My visits reads one page of a shopper's history, newest first, from this index instead of
    all of it (a demo shopper has 6,684 visits): audit/shopper/pages.py sent_visits."""
    _run(db, "CREATE INDEX visits_shopper_sent ON visits (shopper_id, submitted_at)")


@migrations()
def m013_sessions_and_login_limits(db: Database) -> None:
    """Server-side sessions, so logout, a new password, deactivation and "log out everywhere" end
    them (audit/sessions.py); failed logins shared by every worker (audit/login_limits.py); and
    the log of every change of a user and their permissions (audit/users.py)."""
    _run(
        db,
        """
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    device TEXT
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
CREATE INDEX login_failures_at ON login_failures (at);
CREATE TABLE user_log (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
    at TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX user_log_user ON user_log (user_id, at)
""",
    )


@migrations()
def m014_visit_refs(db: Database) -> None:
    """A random public reference on every visit: managers see it instead of the id, which counts
    up and so would tie the visits of one scheduling batch (one shopper) together. The trigger
    gives one to every visit inserted, whatever inserts it."""
    _run(db, """
ALTER TABLE visits ADD COLUMN ref TEXT;
UPDATE visits SET ref = lower(hex(randomblob(8)));
CREATE UNIQUE INDEX visits_ref ON visits (ref)""")
    db.execute("""CREATE TRIGGER visits_ref_on_insert AFTER INSERT ON visits WHEN NEW.ref IS NULL
BEGIN UPDATE visits SET ref = lower(hex(randomblob(8))) WHERE id = NEW.id; END""")


@migrations()
def m016_job_item_turn(db: Database) -> None:
    """Each queued render's turn (audit/report_runs.py _fair_turn), so a new request of one user
    goes behind the renders other users already wait for, and before that user's own next ones.
    The index serves the turn's two lookups (the users' queued renders)."""
    _run(db, """
ALTER TABLE job_items ADD COLUMN turn INTEGER;
CREATE INDEX job_items_queued ON job_items (status, job_id) WHERE status = 'queued'
""")


@migrations()
def m018_outbox(db: Database) -> None:
    """The outbox: every message the app sends, one row each, until it is delivered.

    audit/outbox.py is its one writer. A row names its channel (email now, webhook later), its
    kind and recipient, a JSON payload of codes and ids (the text is composed when it is sent,
    in the recipient's language), and where its delivery stands: attempts, next_try_at,
    last_error. key is unique: the consumer of visit_events writes (event, recipient, kind), so
    a replay after a crash adds nothing twice. event_cursors holds each consumer's last event;
    it starts at the newest event, so upgrading does not mail the whole history.
    notification_optouts: the kinds a user chose not to receive.
    """
    _run(
        db,
        """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    kind TEXT NOT NULL,
    recipient_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    target TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_try_at);
CREATE INDEX outbox_recent ON outbox (created_at);
CREATE TABLE event_cursors (
    consumer TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
INSERT INTO event_cursors (consumer, last_id)
SELECT 'outbox', COALESCE(MAX(id), 0) FROM visit_events;
CREATE TABLE notification_optouts (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
)
""",
    )


@migrations()
def m019_api_tokens(db: Database) -> None:
    """Bearer tokens of the JSON API (audit/api_tokens.py): only the SHA-256 of each secret is
    kept, so a copy of the database lets nobody call the API."""
    _run(
        db,
        """
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id)""",
    )


@migrations()
def m021_photo_position(db: Database) -> None:
    """Where a photo was taken (AUDIT_KEEP_PHOTO_GPS=1) lives here; the file keeps no EXIF."""
    _run(db, """
ALTER TABLE photos ADD COLUMN lat REAL;
ALTER TABLE photos ADD COLUMN lon REAL""")


@migrations()
def m023_paged_list_indexes(db: Database) -> None:
    """The paged lists (audit/paging.py) read one page from the index of their order, never the
    whole list: the manager's stores by region and code, the review queue (only the waiting
    visits, by time sent) and the admin's visits by window."""
    _run(
        db,
        """
CREATE INDEX stores_list_order ON stores (region, code);
CREATE INDEX visits_review_queue ON visits (COALESCE(submitted_at, ''), id)
    WHERE status IN ('submitted', 'approved');
CREATE INDEX visits_window ON visits (window_start, id);
CREATE INDEX visits_status_window ON visits (status, window_start, id)
""",
    )


@migrations()
def m024_rollups(db: Database) -> None:
    """Sums and counts of published visits per store and month (and section), kept by triggers
    in the transaction that changes a published visit (audit/storage/rollups.py), then filled
    from the visits there are."""
    _run(db, rollups.TABLES_SQL)
    # The triggers' bodies hold ';' inside BEGIN ... END: run them one by one.
    for statement in rollups.triggers_sql().split(" END;\n"):
        if statement.strip():
            db.execute(statement if statement.rstrip().endswith("END") else statement + " END")
    rollups.rebuild(db)


@migrations()
def m025_prerender(db: Database) -> None:
    """Pre-rendered reports (audit/prerender.py): a job nobody waits for is `background` (its
    renders go behind every person's), and the pre-renderer keeps its cursor in m018's
    event_cursors (the last event it handled), moved in the transaction that acts on the events:
    a crash replays, never skips. It starts after the events that exist now: history needs none."""
    _run(db, """
ALTER TABLE jobs ADD COLUMN background INTEGER NOT NULL DEFAULT 0;
INSERT INTO event_cursors (consumer, last_id)
SELECT 'prerender', COALESCE(MAX(id), 0) FROM visit_events
""")


@migrations()
def m032_session_use(db: Database) -> None:
    """When each session was last used (audit/sessions.py): one not used for AUDIT_SESSION_IDLE_DAYS
    ends, and each login deletes such rows, so the table no longer keeps every login forever."""
    _run(db, """
ALTER TABLE sessions ADD COLUMN seen_at TEXT;
UPDATE sessions SET seen_at = created_at;
CREATE INDEX sessions_seen ON sessions (seen_at)
""")
