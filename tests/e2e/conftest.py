"""A sandbox with queue workers running (webhooks and queues flow on their own) and one headless Chromium.

Chromium is Debian's (`/usr/bin/chromium`, `make setup` installs it); Playwright never downloads a browser. Every
request that leaves 127.0.0.1 is aborted, so the pages run exactly as they would offline.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from devstack.config import QueueSettings
from devstack.sandbox import Sandbox, SandboxOptions

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Bounds for a hang, never for speed: a loaded CI machine may take many seconds for what takes one here. Every
# wait in the browser tests (Playwright's expect and actions, the tests' own polls) uses them.
HANG_MS = 60_000
HANG_SECONDS = HANG_MS / 1000
expect.set_options(timeout=HANG_MS)
FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(0),
                            max_polling_interval=timedelta(milliseconds=100))


@pytest.fixture
def sandbox(azurite: Any) -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                 run_queues=True, twilio_callback_delay=0.05))
    for name in ("sms-inbound", "sms-inbound-poison", "sms-outbound"):
        box.queues().queue(name).clear_messages()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright import sync_api

    if shutil.which(CHROMIUM) is None:
        pytest.fail("Debian's chromium is not installed: run `make setup` (it installs chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# Only requests that leave 127.0.0.1 are intercepted (the driver matches the pattern), so loopback traffic never
# waits for this process: with the sync API a route handler runs only while the test is inside a Playwright call.
OFF_LOOPBACK = re.compile(r"^(?!http://127\.0\.0\.1[:/])")


def _abort(route: Any) -> None:
    route.abort()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Pages in contexts of their own (one per user), loopback only; page errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.route(OFF_LOOPBACK, _abort)
        contexts.append(context)
        context.set_default_timeout(HANG_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not errors, errors
