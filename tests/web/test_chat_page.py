"""The web chat page in a real browser (Debian's chromium through Playwright) against a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from parley.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(make_system: Any) -> Iterator[str]:
    system = make_system()
    port = free_port()
    config = uvicorn.Config(
        create_app(system.settings, system), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_a_customer_chats_and_confirms_with_a_quick_reply(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{server}/chat?customer=C-1006")
            expect(page.locator("#customer")).to_have_value("C-1006")
            page.fill("#text", "please cancel order 100702")
            page.click("#send")
            expect(page.locator(".msg.agent").last).to_contain_text("100702", timeout=20_000)
            page.locator(".quick button", has_text="Yes").click()
            expect(page.locator(".msg.agent").last).to_contain_text("cancelled", timeout=20_000)
            page.screenshot(path=str(Path(__file__).with_name("last-chat.png")))
        finally:
            browser.close()
