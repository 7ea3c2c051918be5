"""Demo data: people, stores and months of visits with plausible, varied answers."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlite_utils import Database

from audit.criteria_sets.versions import current_version_id, freeze, load_builtin_sets, version_set
from audit.users import create_user
from audit.visits.history import (
    add_finished_visit,
    add_scheduled_visit,
    delete_all_visits,
    insert_batch,
)
from criteria.logic import hidden_keys
from criteria.model import CriteriaSet, Criterion
from criteria.scoring import NA, score_visit

# email, name, role, language of the pages (None: the browser's). A chain's pool of shoppers is
# larger than the monthly visits to one store, so each store sees a new face most months.
PEOPLE = [
    ("admin@demo.example.com", "Ewa Admin", "admin", None),
    ("anna.nowak@demo.example.com", "Anna Nowak", "manager", "pl"),
    ("piotr.wisniewski@demo.example.com", "Piotr Wiśniewski", "manager", "pl"),
    ("kasia.shopper@demo.example.com", "Katarzyna Zielińska", "shopper", None),
    ("tomek.shopper@demo.example.com", "Tomasz Kowalczyk", "shopper", "pl"),
    ("olga.shopper@demo.example.com", "Olga Iwanowa", "shopper", "ru"),
    ("marta.shopper@demo.example.com", "Marta Wójcik", "shopper", "pl"),
    ("jakub.shopper@demo.example.com", "Jakub Lewandowski", "shopper", "pl"),
    ("agnieszka.shopper@demo.example.com", "Agnieszka Kamińska", "shopper", "pl"),
    ("michal.shopper@demo.example.com", "Michał Dąbrowski", "shopper", "pl"),
    ("zofia.shopper@demo.example.com", "Zofia Szymańska", "shopper", "pl"),
    ("pawel.shopper@demo.example.com", "Paweł Woźniak", "shopper", "pl"),
    ("natalia.shopper@demo.example.com", "Natalia Mazur", "shopper", "pl"),
]
PASSWORDS = {
    "admin@demo.example.com": "demo-admin-2026",
    "anna.nowak@demo.example.com": "demo-manager-2026",
    "piotr.wisniewski@demo.example.com": "demo-manager-2026",
    **{email: "demo-shopper-2026" for email, _n, role, _l in PEOPLE if role == "shopper"},
}

# code, name, channel, region, address or URL, latitude, longitude
STORES = [
    ("WAW-01", "Warszawa Marszałkowska", "physical", "Mazowieckie",
     "ul. Marszałkowska 104, 00-017 Warszawa", 52.2319, 21.0067),
    ("WAW-02", "Warszawa Arkadia", "physical", "Mazowieckie",
     "al. Jana Pawła II 82, 00-175 Warszawa", 52.2569, 20.9845),
    ("WAW-03", "Warszawa Mokotów", "physical", "Mazowieckie",
     "ul. Wołoska 12, 02-675 Warszawa", 52.1800, 21.0030),
    ("RAD-01", "Radom Centrum", "physical", "Mazowieckie",
     "ul. Żeromskiego 55, 26-600 Radom", 51.4027, 21.1471),
    ("KRK-01", "Kraków Rynek", "physical", "Małopolskie",
     "Rynek Główny 30, 31-010 Kraków", 50.0617, 19.9373),
    ("KRK-02", "Kraków Bonarka", "physical", "Małopolskie",
     "ul. Kamieńskiego 11, 30-644 Kraków", 50.0297, 19.9510),
    ("TAR-01", "Tarnów Krakowska", "physical", "Małopolskie",
     "ul. Krakowska 9, 33-100 Tarnów", 50.0121, 20.9858),
    ("WEB-PL", "Sklep internetowy PL", "online", "Mazowieckie",
     "https://sklep.example.pl", None, None),
    ("WEB-KRK", "Sklep internetowy Kraków", "online", "Małopolskie",
     "https://krakow.example.pl", None, None),
    ("WEB-OUT", "Outlet online", "online", "Małopolskie",
     "https://outlet.example.pl", None, None),
]

# A Polish chain: shoppers write their comments and remarks in Polish.
COMMENTS = [
    "Sprzedawczyni była uprzejma i utrzymywała kontakt wzrokowy.",
    "Musiałam dwa razy pytać, zanim ktoś odpowiedział.",
    "Ceny na półce zgadzały się z ceną przy kasie.",
    "Plakat promocyjny nie podawał, do kiedy trwa oferta.",
    "Doradca sam z siebie wyjaśnił zasady zwrotu towaru.",
    "Kolejka do kasy posuwała się wolno, otwarta była tylko jedna kasa.",
    "Obsługa bardzo uprzejma, szybka odpowiedź.",
    "Przymierzalnie czyste, ale brakowało wieszaków.",
    "Pracownik zaproponował kartę lojalnościową bez nachalności.",
    "Przy wejściu nikt się nie przywitał, personel rozmawiał między sobą.",
    "Na paragonie była właściwa kwota, sprzedawca wydał resztę bez pomyłki.",
    "Odpowiedź na e-mail rzeczowa, ale bez podpisu konsultanta.",
]

# The scaled data set (--stores/--visits): regions the generated stores are spread over.
REGIONS = ["Mazowieckie", "Małopolskie", "Śląskie", "Wielkopolskie", "Dolnośląskie", "Łódzkie",
           "Pomorskie", "Lubelskie", "Podkarpackie", "Kujawsko-Pomorskie", "Zachodniopomorskie",
           "Warmińsko-Mazurskie", "Świętokrzyskie", "Podlaskie", "Lubuskie", "Opolskie"]
BATCH_VISITS = 5000  # visits per executemany batch (about 160,000 answer rows)


@dataclass
class DemoOptions:
    """What to generate."""

    seed: int = 1
    months: int = 6
    visits_per_month: int = 1
    stores: int | None = None  # set (with visits): the scaled data set instead of the demo
    visits: int | None = None


def is_empty(db: Database) -> bool:
    """True when the database has no users, stores or visits."""
    return all(db[t].count == 0 for t in ("users", "stores", "visits"))


def clear(db: Database) -> None:
    """Delete all users, stores and visits (criteria sets stay)."""
    with db.atomic():
        delete_all_visits(db)
        for table in ("store_managers", "region_managers", "stores", "users"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def generate(db: Database, options: DemoOptions, today: date | None = None) -> dict:
    """Fill an empty database; returns counts. One transaction."""
    today = today or date.today()
    rng = random.Random(options.seed)
    load_builtin_sets(db)
    with db.atomic():
        people = _make_people(db)
        stores = _make_stores(db, people)
        shoppers = [people[e] for e, _n, r, _l in PEOPLE if r == "shopper"]
        admin = people["admin@demo.example.com"]
        count = _make_visits(db, stores, shoppers, admin, options, today, rng)
    return {"users": len(people), "stores": len(stores), "visits": count}


def _make_people(db: Database) -> dict[str, int]:
    """The demo's accounts; returns e-mail -> user id."""
    return {email: create_user(db, email=email, name=name, role=role, password=PASSWORDS[email],
                               is_reviewer=role == "admin", language=language)
            for email, name, role, language in PEOPLE}


def _make_stores(db: Database, people: dict) -> list[dict]:
    """Insert the stores; Anna manages a region, Piotr individual stores."""
    stores = []
    for code, name, channel, region, where, lat, lon in STORES:
        row = {"code": code, "name": name, "channel": channel, "region": region,
               "address": where if channel == "physical" else None,
               "url": where if channel == "online" else None,
               "latitude": lat, "longitude": lon, "archived": 0,
               "created_at": "2026-01-05T09:00:00+00:00"}
        row["id"] = db["stores"].insert(row).last_pk
        stores.append(row)
    anna = people["anna.nowak@demo.example.com"]
    db["region_managers"].insert({"region": "Mazowieckie", "user_id": anna})
    for s in stores:
        if s["region"] == "Małopolskie":
            db["store_managers"].insert({"store_id": s["id"],
                                         "user_id": people["piotr.wisniewski@demo.example.com"]})
    return stores


STRIDE = 3  # with 10 shoppers, spreads each one's recent visits over the 7 shops (see the test)


def _make_visits(db, stores, shoppers, admin_id, options, today, rng) -> int:
    """Published visits for past months, then one visit per store this month: a few waiting
    for review, the rest still to do.

    Shoppers take turns: the n-th visit to store i goes to shopper (3i + n) mod the pool, so a
    shopper sees a store again only after the whole pool has, and neighbouring stores are not
    locked for the same shoppers: the revisit lockout leaves most stores open to each shopper.
    """
    versions = {"physical": current_version_id(db, "physical-store"),
                "online": current_version_id(db, "online-shop")}
    # Nothing after the moment the demo describes: the end of `today`, or now if that is sooner.
    now = min(datetime.now(UTC), datetime.combine(today, time(23, 59), UTC))
    count = 0
    for i, store in enumerate(stores):
        quality = rng.uniform(0.45, 0.97)
        version_id = versions[store["channel"]]
        cs = version_set(db, version_id)
        turn = 0
        for month in range(options.months, 0, -1):
            for n in range(options.visits_per_month):
                # Spread over the month, oldest first, so the turns follow the calendar.
                day = today - timedelta(days=30 * month - 30 * n // options.visits_per_month
                                        - rng.randint(0, 29 // options.visits_per_month))
                quality = min(0.99, max(0.3, quality + rng.uniform(-0.06, 0.08)))
                shopper = shoppers[(STRIDE * i + turn) % len(shoppers)]
                _visit(db, store, shopper, version_id, cs, day, quality, rng, "published",
                       admin_id, now)
                turn += 1
                count += 1
        shopper = shoppers[(STRIDE * i + turn) % len(shoppers)]
        if i % 3 == 1:
            _visit(db, store, shopper, version_id, cs, today - timedelta(days=2), quality, rng,
                   "submitted", admin_id, now)
        else:
            _scheduled(db, store, shopper, version_id, today, admin_id)
        count += 1
    for version_id in versions.values():
        freeze(db, version_id)
    return count


def _visit(db, store, shopper_id, version_id, cs, day, quality, rng, status, admin_id,
           now: datetime) -> None:
    """One completed visit with answers, scored; it ended (and was published) before `now`."""
    start, end = visit_times(day, store["channel"], status == "published", now, rng)
    day = start.date()
    stamp = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
    visit = {
        "store_id": store["id"], "shopper_id": shopper_id, "version_id": version_id,
        "status": status, "window_start": (day - timedelta(days=3)).isoformat(),
        "window_end": (day + timedelta(days=4)).isoformat(),
        "started_at": stamp(start), "ended_at": stamp(end), "submitted_at": stamp(end),
        "approved_at": stamp(end + timedelta(days=1)) if status == "published" else None,
        "published_at": stamp(end + timedelta(days=1)) if status == "published" else None,
        "start_lat": store["latitude"], "start_lon": store["longitude"],
        "start_accuracy": 15.0 if store["latitude"] else None,
        "online_url": store["url"], "flags": "[]", "created_by": admin_id,
        "created_at": stamp(start - timedelta(days=7)), "updated_at": stamp(end),
    }
    rows = []
    for section in cs.sections:
        for c in section.criteria:
            if c.channel not in ("any", store["channel"]) or c.type == "photo":
                continue
            value = answer_value(c, quality, start, rng)
            rows.append({
                "value_raw": value,
                "criterion_key": c.key, "section_key": section.key,
                "value": None if value == NA else json.dumps(value, ensure_ascii=False),
                "na": int(value == NA),
                "comment": rng.choice(COMMENTS) if rng.random() < 0.12 else None,
                "updated_at": stamp(end),
            })
    # The phone never asks what an earlier answer hid (answers are drawn independently, so
    # hiding after drawing them all gives the same questions as asking in order).
    hidden = hidden_keys(cs, {r["criterion_key"]: r.pop("value_raw") for r in rows})
    rows = [r for r in rows if r["criterion_key"] not in hidden]
    add_finished_visit(db, visit, rows, scored_at=end)


def visit_times(day: date, channel: str, published: bool, now: datetime,
                rng: random.Random) -> tuple[datetime, datetime]:
    """Start and end of a visit made around `day`, all of it in the past.

    A shop visit lasts minutes, an online one days (waiting for answers); a published one was
    approved a day after it ended. When that would reach past `now` (late today, or an online
    visit begun days ago), the visit moves back until everything happened an hour before now.
    """
    start = datetime(day.year, day.month, day.day, rng.randint(9, 18), rng.randint(0, 59),
                     tzinfo=UTC)
    length = timedelta(minutes=rng.randint(12, 35)) if channel == "physical" \
        else timedelta(days=rng.randint(5, 9))
    latest = start + length + (timedelta(days=1) if published else timedelta())
    too_late = latest - (now - timedelta(hours=1))
    if too_late > timedelta():
        start -= timedelta(days=too_late.days + 1)  # whole days: it stays in shop hours
    return start, start + length


def _scheduled(db, store, shopper_id, version_id, today, admin_id) -> None:
    """A visit the shopper still has to make."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    add_scheduled_visit(db, {
        "store_id": store["id"], "shopper_id": shopper_id, "version_id": version_id,
        "window_start": today.isoformat(),
        "window_end": (today + timedelta(days=10)).isoformat(), "flags": "[]",
        "created_by": admin_id, "created_at": stamp, "updated_at": stamp,
    })


def answer_value(c: Criterion, quality: float, start: datetime, rng: random.Random) -> object:
    """A plausible answer: a better store (higher quality) answers better more often."""
    # Knock-outs (rudeness, nobody served, overcharging) are rare even in weak stores: one in
    # a few dozen visits, not one in three, or every report would be a wall of auto-fails.
    failure = (1 - quality) * (0.12 if c.knockout else 1)
    good = rng.random() >= failure
    if c.na_allowed and rng.random() < 0.08:
        return NA
    if c.type == "yes_no":
        return good != c.invert
    if c.type == "rating":
        return rng.randint(max(1, c.scale - 1), c.scale) if good else rng.randint(1, c.scale - 1)
    if c.type == "choice":
        best = max(c.options, key=lambda o: o.points)
        return best.key if good else rng.choice(c.options).key
    if c.type in ("duration", "count", "number"):
        return _banded_value(c, good, rng)
    if c.type == "interval":
        seconds = _banded_value(c, good, rng)
        return {"from": start.isoformat(), "to": (start + timedelta(seconds=seconds)).isoformat()}
    if c.type == "text":
        return rng.choice(COMMENTS)
    if c.type == "multi_choice":
        paying = [o.key for o in c.options if o.points > 0]
        return paying if good else [o.key for o in c.options if rng.random() < 0.5]
    if c.type == "amount":
        return rng.randint(500, 50_000) / 100
    if c.type == "nps":
        return rng.randint(8, 10) if good else rng.randint(0, 8)
    return None


def _banded_value(c: Criterion, good: bool, rng: random.Random) -> int:
    """A whole number inside the first band when good, else in a later band."""
    limits = [b.max for b in c.bands if b.max is not None] or [10]
    if good:
        return rng.randint(0, int(limits[0]))
    top = int(limits[-1])
    return rng.randint(int(limits[0]) + 1, max(int(limits[0]) + 1, int(top * 1.5)))


# ---------------------------------------------------------------- the scaled data set


def generate_scaled(db: Database, options: DemoOptions, today: date | None = None,
                    progress: Callable[[int], None] | None = None) -> dict:
    """Many stores and published visits, fast: one transaction, executemany in big batches.

    progress(n) is called after each batch with the number of visits it added.

    Each store gets one visit a month going back from last month (100 visits per store span
    about eight years), so a store's report for a year covers 12 visits. Scores are computed in
    Python with criteria.scoring and inserted with the rows, instead of rescoring each visit.
    """
    today = today or date.today()
    rng = random.Random(options.seed)
    load_builtin_sets(db)
    store_count, visit_count = options.stores or 1, options.visits or 0
    now = min(datetime.now(UTC), datetime.combine(today, time(23, 59), UTC))
    with db.atomic():
        people = _make_people(db)
        stores = _scaled_stores(db, people, store_count, rng)
        shoppers = [people[e] for e, _n, r, _l in PEOPLE if r == "shopper"]
        versions = {"physical": current_version_id(db, "physical-store"),
                    "online": current_version_id(db, "online-shop")}
        sets = {channel: version_set(db, vid) for channel, vid in versions.items()}
        first_id = (db.execute("SELECT MAX(id) FROM visits").fetchone()[0] or 0) + 1
        plan = _scaled_plan(stores, visit_count, today, rng)
        for start in range(0, len(plan), BATCH_VISITS):
            batch = plan[start:start + BATCH_VISITS]
            _insert_batch(db, batch, first_id + start, shoppers, versions, sets,
                          people["admin@demo.example.com"], rng, now)
            if progress:
                progress(len(batch))
        for version_id in versions.values():
            freeze(db, version_id)
    return {"users": len(people), "stores": len(stores), "visits": len(plan)}


def _scaled_stores(db: Database, people: dict, count: int, rng: random.Random) -> list[dict]:
    """Stores S0001..; every tenth online; Anna manages Mazowieckie, Piotr the Małopolskie ones."""
    stores = []
    base = db.execute("SELECT MAX(id) FROM stores").fetchone()[0] or 0
    for n in range(1, count + 1):
        region = REGIONS[(n - 1) % len(REGIONS)]
        online = n % 10 == 0
        lat, lon = (None, None) if online else (round(rng.uniform(49.5, 54.5), 4),
                                                round(rng.uniform(14.5, 23.5), 4))
        stores.append({
            "id": base + n, "code": f"S{n:04d}",
            "name": f"{'Sklep online' if online else 'Sklep'} {n:04d}",
            "channel": "online" if online else "physical", "region": region,
            "address": None if online else f"ul. Handlowa {n}, {region}",
            "url": f"https://s{n:04d}.example.pl" if online else None,
            "latitude": lat, "longitude": lon, "archived": 0,
            "created_at": "2018-01-05T09:00:00+00:00", "quality": rng.uniform(0.45, 0.97)})
    db["stores"].insert_all([{k: v for k, v in s.items() if k != "quality"} for s in stores])
    db["region_managers"].insert({"region": "Mazowieckie",
                                  "user_id": people["anna.nowak@demo.example.com"]})
    piotr = people["piotr.wisniewski@demo.example.com"]
    db["store_managers"].insert_all({"store_id": s["id"], "user_id": piotr}
                                    for s in stores if s["region"] == "Małopolskie")
    return stores


def _scaled_plan(stores: list[dict], total: int, today: date, rng: random.Random
                 ) -> list[tuple[dict, date]]:
    """(store, day) of every visit: the i-th visit of a store is i + 1 months before this one."""
    per_store, extra = divmod(total, len(stores))
    first_of_month = today.replace(day=1)
    plan = []
    for n, store in enumerate(stores):
        for i in range(per_store + (n < extra)):
            year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 - (i + 1),
                                 12)
            plan.append((store, date(year, month + 1, rng.randint(1, 28))))
    return plan


def _insert_batch(db, batch, first_id, shoppers, versions, sets, admin_id, rng, now) -> None:
    """Visits, answers and section scores of a batch, each table in one executemany."""
    visits, answers, sections = [], [], []
    for offset, (store, day) in enumerate(batch):
        visit_id = first_id + offset
        channel = store["channel"]
        cs = sets[channel]
        quality = min(0.99, max(0.3, store["quality"] + rng.uniform(-0.1, 0.1)))
        start, end = visit_times(day, channel, True, now, rng)
        given = _scaled_answers(cs, channel, quality, start, rng)
        result = score_visit(cs, {k: v for k, (v, _s, _c) in given.items()}, channel=channel,
                             now=end)
        stamp = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
        published = stamp(end + timedelta(days=1))
        visits.append((  # in the order of history.BATCH_VISIT_COLUMNS
            visit_id, store["id"], rng.choice(shoppers), versions[channel], "published",
            (day - timedelta(days=3)).isoformat(), (day + timedelta(days=4)).isoformat(),
            stamp(start), stamp(end), stamp(end), published, published,
            store["latitude"], store["longitude"], 15.0 if store["latitude"] else None,
            store["url"], result.score, int(result.passed), int(bool(result.knocked_out)),
            admin_id, stamp(start - timedelta(days=7)), stamp(end)))
        for key, (value, section_key, comment) in given.items():
            c = result.criteria.get(key)
            counted = c is not None and c.applicable
            answers.append((  # in the order of history.BATCH_ANSWER_COLUMNS
                visit_id, key, section_key,
                None if value == NA else json.dumps(value, ensure_ascii=False), int(value == NA),
                comment, c.points if c else None, c.earned if counted else None,
                c.possible if counted else None, stamp(end)))
        sections.extend((visit_id, s.key, s.score, int(s.knocked_out))
                        for s in result.sections.values())
    insert_batch(db, visits, answers, sections)


def _scaled_answers(cs: CriteriaSet, channel: str, quality: float, start: datetime,
                    rng: random.Random) -> dict[str, tuple[object, str, str | None]]:
    """criterion key -> (value, section key, comment) for one visit, photos left out."""
    given = {}
    for section in cs.sections:
        for c in section.criteria:
            if c.channel not in ("any", channel) or c.type == "photo":
                continue
            comment = rng.choice(COMMENTS) if rng.random() < 0.12 else None
            given[c.key] = (answer_value(c, quality, start, rng), section.key, comment)
    hidden = hidden_keys(cs, {key: value for key, (value, _s, _c) in given.items()})
    return {key: answer for key, answer in given.items() if key not in hidden}


def logins() -> str:
    """The demo logins, for the terminal."""
    lines = ["Demo logins (e-mail / password):"]
    lines += [f"  {role:8} {email:36} {PASSWORDS[email]}" for email, _n, role, _l in PEOPLE]
    return "\n".join(lines)
