"""A payment link from the chat, paid in a real browser (Debian's chromium through Playwright).

The whole loop the customer sees: ask in the web chat to top up, open the link from the agent's
reply, pay on the demo payment page, come back and ask for the balance — the next answer shows the
credited amount. The server is a real uvicorn on a loopback port, and the system's `public_url`
points at it, so the link in the reply is the one the browser opens.

Screenshots of the three pages go to $PARLEY_SCREENSHOT_DIR when set (to look at them), else to the
test's temporary directory, so a run leaves nothing untracked in the tree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import browser_test, free_port, launch_chromium, live_server

CUSTOMER = "C-2003"  # Peter Brown: one number, English, balance 2,500 RUB in the demo data
MSISDN = "+79160000004"
pytestmark = browser_test


@pytest.fixture
def served(make_system: Any) -> Iterator[tuple[str, Any]]:
    port = free_port()
    system = make_system(public_url=f"http://127.0.0.1:{port}")
    with live_server(system, port) as base:
        yield base, system


def test_top_up_link_is_paid_in_the_browser_and_the_balance_shows_it(
    served: tuple[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("PARLEY_SCREENSHOT_DIR") or tmp_path)

    base, system = served
    before = system.backend.get_subscriber(MSISDN).balance
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            chat = browser.new_page()
            chat.goto(f"{base}/chat?customer={CUSTOMER}")
            expect(chat.locator("#customer")).to_have_value(CUSTOMER)
            chat.fill("#text", "I want to top up my balance by 300 rubles")
            chat.click("#send")
            reply = chat.locator(".msg.agent").last
            expect(reply).to_contain_text("/pay/", timeout=20_000)
            found = re.search(r"https?://\S+/pay/[\w.\-~%]+", reply.inner_text())
            assert found, reply.inner_text()
            link = found.group(0)
            assert link.startswith(f"{base}/pay/"), link

            pay = browser.new_page()
            pay.goto(link)
            expect(pay.locator("#amount")).to_contain_text("300")
            expect(pay.locator("h1")).to_contain_text(MSISDN)
            pay.screenshot(path=str(shots / "last-pay.png"))
            pay.click("#pay")
            expect(pay.locator("#thanks")).to_be_visible()
            expect(pay.locator(".amount")).to_contain_text("300")
            pay.screenshot(path=str(shots / "last-paid.png"))
            pay.close()

            chat.bring_to_front()
            chat.fill("#text", "how much money is left on my balance?")
            chat.click("#send")
            expect(chat.locator(".msg.agent").last).to_contain_text("2,800", timeout=20_000)
            chat.screenshot(path=str(shots / "last-pay-chat.png"))
        finally:
            browser.close()
    assert system.backend.get_subscriber(MSISDN).balance == before + 300
