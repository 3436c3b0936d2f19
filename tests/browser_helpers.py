"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's live server.

Use in a test module:

    from tests.browser_helpers import browser, page, log_in  # noqa: F401 (fixtures)
    pytestmark = pytest.mark.browser

    def test_x(page, live_server, merchant):
        log_in(page, merchant)
        page.goto("/onboarding/")           # relative to live_server.url
        expect(page.get_by_role("heading", name="My connections")).to_be_visible()

Why these choices:
- Playwright cannot download its own browser here, so it drives /usr/bin/chromium (`apt-get install
  chromium`; `.ci/run` and `make test` install it). A missing browser FAILS the test loudly, never skips.
- Playwright's sync API runs an asyncio loop in the test's thread, which makes Django refuse ORM calls
  ("async context"). The loop lives exactly as long as the module's browser, and only then is
  DJANGO_ALLOW_ASYNC_UNSAFE set, so the rest of the suite keeps Django's check.
- `page` is a fresh context per test (cookies do not leak between tests) at 1366x768, the smallest
  common laptop screen, so layout assertions mean something.
- Every page error (uncaught JavaScript exception, failed script, CSP refusal in the console) is
  collected; `page` fails the test at teardown if there was one.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM}: run `apt-get install -y chromium` "
                    "(`make test` and .ci/run do it), or point CHROMIUM_PATH at a chromium binary.", pytrace=False)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        # --no-sandbox: CI runs as root, where chromium's own sandbox refuses to start.
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A page in a fresh browser context whose relative URLs go to the live server."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.base_url = live_server.url
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(f"page error: {error}"))
    tab.on("console", lambda message: message.type == "error" and tab.errors.append(f"console: {message.text}"))
    yield tab
    context.close()
    assert not tab.errors, f"The browser reported errors: {tab.errors}"


def log_in(page, user) -> None:
    """Signs `user` in by handing the browser a real session cookie (the login form is tested elsewhere)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}])
