"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

No browser is downloaded: the tests use /usr/bin/chromium (apt: chromium, fonts-noto-cjk). Without
it the e2e tests are skipped with the reason; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# The README's screenshots are refreshed on purpose (BATON_SCREENSHOTS=docs); a normal run writes
# them under var/ so the suite never dirties the work tree.
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("BATON_SCREENSHOTS") == "docs"
    else Path(settings.BASE_DIR) / "var" / "screenshots"
)
DEMO_PASSWORD = "baton-demo"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still plain synchronous calls, so Django's async-safety guard is relaxed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_browser_reason()
    if reason is None:
        return
    if settings.ON_CI:
        raise pytest.UsageError(f"CI=true but the browser tests cannot run: {reason}")
    skip = pytest.mark.skip(reason=f"browser tests: {reason}")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A tab; the test fails if the page broke the Content-Security-Policy (a blocked script,
    style, font or eval shows as a console error), so a policy change cannot silently break a page,
    or if Alpine could not evaluate an x-* expression (its CSP build parses a subset of JavaScript)."""
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or msg.text.startswith("Alpine")
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
    yield page
    page.close()
    assert not violations, "Content-Security-Policy violations or script errors:\n" + "\n".join(violations)


@pytest.fixture
def demo_org(transactional_db):
    """The demo company's org chart (users zhang.wei, wang.fang, ... with the demo password)."""
    from org.seed import seed_demo

    seed_demo(io.StringIO())


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, "zhang.wei") fills the login form the way a person does."""

    def _sign_in(page, username: str, password: str = DEMO_PASSWORD, next_path: str = "/"):
        page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return _sign_in


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save <name>.png under var/screenshots (docs/screenshots with BATON_SCREENSHOTS=docs)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_accessible(page, *, context: str = "") -> None:
    """Run axe-core (vendored) on the page; fail on serious or critical violations."""
    # A click that navigates returns once the new document is committed, before it has a
    # <head>: wait for it to load, or the script tag has nowhere to go (a CI flake).
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # From the server, not inline: the Content-Security-Policy refuses inline scripts.
        origin = "/".join(page.url.split("/")[:3])
        page.add_script_tag(url=f"{origin}/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })"""
    )
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        lines = []
        for v in bad:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({targets})")
        where = f" on {context or page.url}"
        pytest.fail(
            f"axe found {len(bad)} serious/critical accessibility problem(s){where}:\n" + "\n".join(lines)
        )
