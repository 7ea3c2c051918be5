"""A manager makes an API token on a phone, copies it once, and revokes it."""

from __future__ import annotations

import re

from audit.api_tokens import PREFIX
from e2e.site_pages import log_in_as


def no_sideways_scroll(page) -> bool:
    """Whether the page fits the phone's width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_manager_makes_and_revokes_a_token_on_a_phone(live_server, phone, shots, sample):
    log_in_as(phone, "manager")
    phone.get_by_role("link", name="API tokens").click()
    phone.wait_for_load_state("domcontentloaded")
    assert phone.locator(".row", has_text="sample").is_visible()  # the fixture's token
    phone.fill("input[name=name]", "Power BI on the laptop")
    phone.get_by_role("button", name="Create token").click()
    phone.wait_for_load_state("domcontentloaded")
    secret = phone.locator("[data-token]").inner_text()
    assert re.fullmatch(rf"{PREFIX}[\w-]{{43}}", secret)
    assert no_sideways_scroll(phone)  # a 49-character token and the curl line wrap
    shots("token-shown-once")
    status = phone.request.get(live_server.url + "/api/v1/stores",
                               headers={"Authorization": f"Bearer {secret}"}).status
    assert status == 200

    phone.get_by_role("button", name="Revoke Power BI on the laptop").click()
    phone.wait_for_load_state("domcontentloaded")
    assert phone.get_by_text("The token is revoked.").is_visible()
    assert secret not in phone.content()
    assert no_sideways_scroll(phone)
    shots("token-revoked")
    status = phone.request.get(live_server.url + "/api/v1/stores",
                               headers={"Authorization": f"Bearer {secret}"}).status
    assert status == 401
