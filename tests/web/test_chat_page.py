"""The web chat page in a real browser (Debian's chromium through Playwright) against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.live import browser_test, free_port, launch_chromium, live_server

pytestmark = browser_test


@pytest.fixture
def server(make_system: Any) -> Iterator[str]:
    with live_server(make_system(), free_port()) as base:
        yield base


@contextmanager
def chat_page(server: str, customer: str) -> Iterator[Any]:
    """The chat page for `customer` in a fresh browser, closed afterwards."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(f"{server}/chat?customer={customer}")
            expect(page.locator("#customer")).to_have_value(customer)
            yield page
        finally:
            browser.close()


def test_a_customer_chats_and_confirms_with_a_quick_reply(server: str) -> None:
    from playwright.sync_api import expect

    with chat_page(server, "C-1006") as page:
        page.fill("#text", "please cancel order 100702")
        page.click("#send")
        expect(page.locator(".msg.agent").last).to_contain_text("100702", timeout=20_000)
        page.locator(".quick button", has_text="Yes").click()
        expect(page.locator(".msg.agent").last).to_contain_text("cancelled", timeout=20_000)
        expect(page.locator(".quick")).to_have_count(0)  # answered: no stale buttons left
        page.screenshot(path=str(Path(__file__).with_name("last-chat.png")))


def test_a_typed_answer_clears_the_quick_replies_it_made_stale(server: str) -> None:
    from playwright.sync_api import expect

    with chat_page(server, "C-1001") as page:
        for text in ("I want to return the headphones", "they are broken"):
            replies = page.locator(".msg.agent").count()
            page.fill("#text", text)
            page.click("#send")
            expect(page.locator(".msg.agent")).to_have_count(replies + 1, timeout=20_000)
        expect(page.locator(".quick button", has_text="No")).to_be_visible()
        page.fill("#text", "no, leave it")
        page.click("#send")
        expect(page.locator(".quick")).to_have_count(0)
        expect(page.locator(".msg.agent")).to_have_count(replies + 2, timeout=20_000)
