"""Headless Chromium from Debian's package, driven by Playwright (no browser download)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if shutil.which(candidate):
            return candidate
    raise RuntimeError("Debian's chromium is not installed: run `make test` (it installs it) or "
                       "apt-get install chromium")


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


CSP_MARKS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def csp_violations(page) -> list[str]:
    """The console messages in which Chromium reports what the page's Content-Security-Policy
    blocked (an inline script or style, an image or request elsewhere), from now on; a test
    asserts the list stays empty."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if any(mark in message.text for mark in CSP_MARKS) else None)
    return seen
