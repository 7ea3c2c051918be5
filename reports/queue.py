"""The render queue: Huey on its own SQLite file by default, on Redis with AUDIT_REDIS_URL.

A plain module, no Flask. The one task turns a report's self-contained HTML into PDF bytes, so a
worker needs neither the database nor the uploads: on another machine it needs only this package
and the queue's address. Start workers with `python -m reports.worker` (see that module).

Settings (environment, read by the web side, the CLI and every worker alike):
- AUDIT_REDIS_URL: redis://host:6379/0 -> PriorityRedisHuey, workers on as many machines
  as you like.
- AUDIT_QUEUE_FILE: the SqliteHuey file when there is no Redis (default instance/queue.db). Never
  the app's database: SqliteHuey takes exclusive locks on every write (huey#445).
- AUDIT_RENDER_BEAT: seconds between a running render's heartbeats (default 5).
- AUDIT_RENDER_LOST_AFTER: a render whose heartbeat is older than this is taken for dead, its
  worker killed or its machine gone (default 30).
- AUDIT_WORKER_BEAT: seconds between a running worker's own heartbeats, busy or idle (default 5).
  The web side, /healthz and the CLI read its age to tell whether any worker is running.

Locks and heartbeats live in Huey's key/value store next to the results. A lock's value is the
id of the task holding it, so a lock left by a killed worker can be told from a live one: its
holder's heartbeat stops. (huey.lock_task cannot say who holds it and `-f` only clears locks
declared at import time, not one per store and period.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey
from huey.exceptions import RetryTask

from audit.storage.locations import instance_dir

NAME = "audit-reports"
RETRIES = 2
RETRY_DELAY = 2.0
RETRY_BACKOFF = 2.0
LOCK_WAIT = 1.0
WORKER_KEY = "workers:beat"
log = logging.getLogger("reports.render")


class QueueUnavailable(RuntimeError):
    """The queue cannot be reached; the message names the address and the setting."""


@dataclass(frozen=True)
class Settings:
    """Where the queue is and how renders prove they are alive."""

    redis_url: str | None = None
    queue_file: str = field(default_factory=lambda: str(instance_dir() / "queue.db"))
    beat: float = 5.0
    lost_after: float = 30.0
    worker_beat: float = 5.0
    immediate: bool = False

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """The settings from the environment; keyword arguments win."""
        env = os.environ
        values = {
            "redis_url": env.get("AUDIT_REDIS_URL") or None,
            "queue_file": env.get("AUDIT_QUEUE_FILE") or str(instance_dir() / "queue.db"),
            "beat": float(env.get("AUDIT_RENDER_BEAT", cls.beat)),
            "lost_after": float(env.get("AUDIT_RENDER_LOST_AFTER", cls.lost_after)),
            "worker_beat": float(env.get("AUDIT_WORKER_BEAT", cls.worker_beat)),
        }
        values.update(overrides)
        return cls(**values)

    @property
    def where(self) -> str:
        """The queue's address, for messages."""
        if self.immediate:
            return "in-process (immediate mode)"
        return self.redis_url or self.queue_file


def make_huey(settings: Settings) -> Huey:
    """A Huey for the settings, with the render task registered on it (huey.render_task).

    QueueUnavailable when the SQLite queue's folder cannot be created.
    """
    common = {"results": True, "store_intermediate_errors": False}
    if settings.immediate:
        huey: Huey = MemoryHuey(NAME, immediate=True, **common)
    elif settings.redis_url:
        # The priority flavour (a sorted set, Redis >= 5): fair queuing across users needs it.
        huey = PriorityRedisHuey(NAME, url=settings.redis_url, **common)
    else:
        folder = Path(settings.queue_file).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:  # read-only disk, no permission, a file in the way
            raise QueueUnavailable(
                f"The render queue's folder {folder} (for AUDIT_QUEUE_FILE={settings.queue_file})"
                f" cannot be created: {err.strerror or err}. Create it, make it writable, or set"
                f" AUDIT_QUEUE_FILE to a file in a writable folder.") from None
        huey = SqliteHuey(NAME, filename=settings.queue_file, **common)
    huey.settings = settings
    # Immediate mode has nobody reading the schedule, so a delayed retry would never run.
    delay = 0 if settings.immediate else RETRY_DELAY
    huey.render_task = huey.task(retries=RETRIES, retry_delay=delay, retry_backoff=RETRY_BACKOFF,
                                 context=True)(_render_on(huey))
    return huey


def _render_on(huey: Huey):
    """The render task's function, bound to one Huey (its locks and heartbeats live there)."""

    def render_pdf(html: str, lock: str, task=None) -> bytes:
        """HTML -> PDF bytes, holding the lock of its store and period, beating while it runs."""
        started = time.perf_counter()
        with Heartbeat(huey, task.id) as beat:
            # Beat before importing WeasyPrint: the import takes seconds on a busy machine, and
            # a task taken off an empty queue that has not beaten yet looks lost to the web side,
            # which then gave it up and queued it again, over and over.
            from reports.render import html_to_pdf

            if not acquire(huey, lock, task.id):
                beat.forget()  # a waiting task is not a running one
                raise RetryTask("the same report is being rendered", delay=LOCK_WAIT)
            try:
                pdf = html_to_pdf(html)
            except Exception:
                log.exception("render failed", extra={"task": task.id, "lock": lock})
                raise
            finally:
                release(huey, lock, task.id)
        log.info("rendered %s in %.1f s", lock, time.perf_counter() - started,
                 extra={"task": task.id, "bytes": len(pdf), "priority": task.priority or 0})
        return pdf

    render_pdf.__module__ = __name__
    return render_pdf


def queue_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the queue is unreachable right now", not a bug."""
    import sqlite3

    errors: list[type[BaseException]] = [sqlite3.OperationalError, ConnectionError, TimeoutError]
    try:
        import redis.exceptions
    except ImportError:  # Redis is an optional extra
        return tuple(errors)
    return (*errors, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def check(huey: Huey) -> None:
    """Raise QueueUnavailable with a clear message when the queue cannot be reached."""
    try:
        huey.storage.queue_size()
    except Exception as err:  # redis.ConnectionError, sqlite3.OperationalError, ...
        raise QueueUnavailable(unavailable_message(huey.settings, err)) from None


def unavailable_message(settings: Settings, err: BaseException) -> str:
    """What to tell a person when the queue is unreachable."""
    if settings.redis_url:
        return (f"The render queue at {settings.redis_url} (AUDIT_REDIS_URL) is unreachable: "
                f"{err}. Start Redis there or unset AUDIT_REDIS_URL to use the local queue.")
    return (f"The render queue file {settings.queue_file} (AUDIT_QUEUE_FILE) cannot be opened: "
            f"{err}.")


# ---------------------------------------------------------------- heartbeats and locks


def _beat_key(task_id: str) -> str:
    return f"beat:{task_id}"


def _lock_key(huey: Huey, name: str) -> str:
    return f"{huey.name}.lock.{name}"


def _text(raw) -> str | None:
    """A raw stored value as text (None when absent)."""
    from huey.constants import EmptyData

    if raw is EmptyData or raw is None:
        return None
    return bytes(raw).decode()


class Heartbeat:
    """Write `beat:<task id>` = now every few seconds from a thread while a render runs.

    WeasyPrint holds the GIL in short slices, so the thread gets its turn during a render.
    The key stays after the task ends; the side that collects the result deletes it.
    """

    def __init__(self, huey: Huey, task_id: str):
        self.huey, self.key = huey, _beat_key(task_id)
        self.every = huey.settings.beat
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _put(self) -> None:
        self.huey.storage.put_data(self.key, str(time.time()).encode())

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            # A missed beat is tried again next time; the render goes on.
            with contextlib.suppress(Exception):
                self._put()

    def __enter__(self) -> Heartbeat:
        self._put()
        self.thread.start()
        return self

    def forget(self) -> None:
        """Stop beating and remove the key."""
        self.stop.set()
        self.huey.storage.delete_data(self.key)

    def __exit__(self, *exc) -> None:
        self.stop.set()


def last_beat(huey: Huey, task_id: str) -> float | None:
    """When the task last proved it is alive (None: it never started, or was collected)."""
    value = _text(huey.storage.peek_data(_beat_key(task_id)))
    return float(value) if value else None


def forget_beat(huey: Huey, task_id: str) -> None:
    """Remove a task's heartbeat (after its result was collected or it was given up)."""
    huey.storage.delete_data(_beat_key(task_id))


def acquire(huey: Huey, name: str, holder: str) -> bool:
    """Take the lock `name` for task `holder`; take over a lock whose holder has died."""
    key = _lock_key(huey, name)
    if huey.storage.put_if_empty(key, holder.encode()):
        return True
    current = _text(huey.storage.peek_data(key))
    if current == holder:
        return True
    if current is not None and not alive(huey, current):
        release(huey, name, current)
        return huey.storage.put_if_empty(key, holder.encode())
    return False


def release(huey: Huey, name: str, holder: str) -> None:
    """Give the lock back if `holder` still has it."""
    key = _lock_key(huey, name)
    if _text(huey.storage.peek_data(key)) == holder:
        huey.storage.delete_data(key)


def lock_holder(huey: Huey, name: str) -> str | None:
    """The id of the task that holds the lock, or None."""
    return _text(huey.storage.peek_data(_lock_key(huey, name)))


def alive(huey: Huey, task_id: str) -> bool:
    """Whether the task's heartbeat is fresh."""
    beat = last_beat(huey, task_id)
    return beat is not None and time.time() - beat < huey.settings.lost_after


# ---------------------------------------------------------------- is any worker running?


def beat_worker(huey: Huey) -> None:
    """Record that a worker is running now (any worker, on any machine)."""
    huey.storage.put_data(WORKER_KEY, str(time.time()).encode())


def worker_age(huey: Huey) -> float | None:
    """Seconds since any render worker last beat; None when none was ever seen."""
    value = _text(huey.storage.peek_data(WORKER_KEY))
    return max(time.time() - float(value), 0.0) if value else None


def worker_running(huey: Huey, timeout: float) -> bool:
    """Whether a worker beat within `timeout` seconds (immediate mode: this process renders)."""
    if huey.immediate:
        return True
    age = worker_age(huey)
    return age is not None and age <= timeout


class WorkerBeat:
    """A thread in the consumer's main process that writes the worker heartbeat every few s.

    It has its own Huey (own connection and lock) and closes the SQLite connection after each
    beat: the consumer forks its workers from this process, and a child must never inherit a
    lock held or a connection open in the middle of a write.
    """

    def __init__(self, settings: Settings):
        self.huey = make_huey(settings)
        self.every = settings.worker_beat
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="worker-beat", daemon=True)

    def _beat(self) -> None:
        """One beat; a failure (queue briefly unreachable) is retried at the next."""
        try:
            beat_worker(self.huey)
        except Exception as err:  # noqa: BLE001 - a missed beat must never stop the worker
            log.warning("worker heartbeat not written: %s", err)
        finally:
            with contextlib.suppress(Exception):
                self.huey.storage.close()

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self._beat()

    def start(self) -> WorkerBeat:
        """Beat now, then every few seconds until the process ends."""
        self._beat()
        self.thread.start()
        return self


# ---------------------------------------------------------------- the instance for consumers

_default: Huey | None = None


def default_huey() -> Huey:
    """The Huey the environment describes (made once per process)."""
    global _default
    if _default is None:
        _default = make_huey(Settings.from_env())
    return _default


def __getattr__(name: str):
    """`reports.queue.huey` for huey_consumer, made on first use so importing opens nothing."""
    if name == "huey":
        return default_huey()
    raise AttributeError(name)
