"""Every page of every role on one seeded database, for the accessibility and layout walks."""

from __future__ import annotations

from conftest import PASSWORD, make_store, make_user, make_visit

from audit.criteria_sets.versions import current_version_id

ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}
EMAILS = {"admin": "admin@example.com", "manager": "manager@example.com",
          "shopper": "shopper@example.com", "anonymous": None}


def build_world(db, people, sample) -> dict:
    """On top of `sample`: a scheduled visit and a submitted one to review."""
    store = sample["store_id"]
    shopper = people["shopper"]
    scheduled = make_visit(db, store, shopper, "scheduled", window_start="2026-11-01",
                           window_end="2030-12-31")
    submitted = make_visit(db, make_store(db, "REV-1"), shopper, "submitted", answers=ANSWERS,
                           started_at="2026-11-20T10:00:00+00:00",
                           ended_at="2026-11-20T10:25:00+00:00",
                           submitted_at="2026-11-20T10:30:00+00:00")
    db["visits"].update(sample["published_visit_id"], {"started_at": "2026-11-10T10:00:00+00:00"})
    make_user(db, "shopper", "no-visits@example.com")
    set_id = sample["set_id"]
    online_set = db.execute("SELECT id FROM criteria_sets WHERE key = 'online-shop'").fetchone()[0]
    return {**sample, "scheduled": scheduled, "submitted": submitted, "online_set": online_set,
            "current_version": current_version_id(db, "physical-store"), "set_id": set_id}


def pages(role: str, w: dict) -> list[str]:
    """The paths one role can open, each page at least once."""
    v, ver = w["visit_id"], w["current_version"]
    return {
        "anonymous": ["/login"],
        "shopper": ["/shopper/", f"/shopper/visits/{w['scheduled']}", f"/shopper/visits/{v}",
                    *[f"/shopper/visits/{v}/sections/{n}" for n in range(1, 7)],
                    f"/shopper/visits/{v}/summary"],
        "admin": ["/admin/", "/admin/stores", "/admin/stores/new", f"/admin/stores/{w['store_id']}",
                  "/admin/users", "/admin/users/new", f"/admin/users/{w['user_id']}",
                  "/admin/visits", "/admin/visits/new", f"/admin/visits/{w['scheduled']}",
                  "/admin/criteria", "/admin/criteria/new", f"/admin/criteria/{w['set_id']}",
                  f"/admin/criteria/{w['set_id']}/duplicate", f"/admin/criteria/{w['set_id']}/diff",
                  f"/admin/criteria/versions/{ver}/edit",
                  f"/admin/criteria/versions/{ver}/sections/first_contact",
                  f"/admin/criteria/versions/{ver}/sections/new",
                  f"/admin/criteria/versions/{ver}/criteria/greeted_on_entry",
                  f"/admin/criteria/versions/{ver}/sections/first_contact/criteria/new",
                  f"/admin/criteria/versions/{ver}/preview", f"/admin/criteria/versions/{ver}/yaml",
                  "/admin/reports", "/review/", f"/review/visits/{w['submitted']}",
                  f"/review/visits/{w['submitted']}/correct?criterion=friendliness",
                  "/account/api-tokens/", "/admin/no-such-page"],
        "manager": ["/manager/", f"/manager/stores/{w['store_id']}", "/account/api-tokens/",
                    f"/manager/stores/{w['store_id']}/report.pdf?start=2026-12-01&end=2026-01-01"],
    }[role]


def log_in_as(page, role: str) -> None:
    """Log in through the form as the role's person of the `people` fixture."""
    if EMAILS[role] is None:
        return
    page.goto("/login")
    page.fill("input[name=email]", EMAILS[role])
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


# Measured in the page: what a thumb has to hit in the main content and the header. A link inside
# a sentence is exempt (WCAG 2.5.8 "inline"), as are controls drawn by another element (a radio
# inside its big .choice label, a file input under its button) and a disabled one.
MEASURE = """() => {
  const doc = document.documentElement;
  const shown = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('.visually-hidden, [hidden]');
  const inline = (a) => {
    const p = a.parentElement;
    return p && ['P', 'LI', 'TD', 'SPAN', 'DD'].includes(p.tagName)
      && p.textContent.trim() !== a.textContent.trim() && getComputedStyle(a).display === 'inline';
  };
  const drawnElsewhere = (el) => el.matches('.choice input, .visually-hidden-file, [type=hidden]');
  const small = [];
  for (const el of document.querySelectorAll(
      'main a[href], main button, main input, main select, main textarea, main summary, '
      + 'header a, header button, .check, .choice span')) {
    if (!shown(el) || drawnElsewhere(el) || el.disabled) continue;
    if (el.matches('a') && inline(el)) continue;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 - 0.5 || r.width < 44 - 0.5) {
      small.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || el.name
        || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  const tinyText = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => shown(el) && !drawnElsewhere(el)
            && parseFloat(getComputedStyle(el).fontSize) < 16)
    .map((el) => `${el.name} ${getComputedStyle(el).fontSize}`);
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => shown(el) && el.getBoundingClientRect().right > doc.clientWidth + 1
            && !el.closest('.table-scroll, textarea.yaml'))
    .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  return {scroll: doc.scrollWidth - doc.clientWidth, wide, small, tinyText};
}"""
