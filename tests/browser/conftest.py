"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against pytest-django's live_server.

Playwright never downloads a browser here. Screenshots go to test-results/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"
OVERFLOWS = "document.documentElement.scrollWidth > window.innerWidth"
WIDEST_ELEMENTS = """
[...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5)
  .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`
    + ` (${Math.round(el.getBoundingClientRect().right)}px): ${(el.textContent || "").trim().slice(0, 60)}`)
"""
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def sign_in(live_server, page):
    """Sign `user` in through the real login form; returns the page."""

    def _sign_in(user, password="pass-for-tests"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return _sign_in


@pytest.fixture
def screenshot(page):
    """Save the current page at desktop (1280 px) and phone (390 px) widths and check nothing scrolls sideways."""

    def _shoot(name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        overflow = {}
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            # Charts resize on the frames after the viewport changes (a ResizeObserver); on a busy machine that takes
            # longer than a fixed pause, so wait up to 3 s for the layout to fit. Real overflow stays and is caught.
            # (Polled from here: wait_for_function evaluates a string, which our CSP forbids.)
            for _ in range(30):
                page.wait_for_timeout(100)
                if not page.evaluate(OVERFLOWS):
                    break
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            overflow[label] = page.evaluate(OVERFLOWS)
            if overflow[label]:
                # Name the culprits in the captured output, so a failure says what to fix.
                print(f"{name} at {width}px is wider than the screen because of:", page.evaluate(WIDEST_ELEMENTS))
        page.set_viewport_size({"width": 1280, "height": 900})
        return overflow

    return _shoot
