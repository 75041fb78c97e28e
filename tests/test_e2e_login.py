"""Login and roles end to end: Debian's chromium, driven by Playwright, against the served app and a
real OpenID Connect provider (``oidc-provider-mock``) started by the test.

The server reads its login settings from a secrets.toml the test writes in a temporary folder
(``--secrets.files``; nothing secret is in the repository) and its allow-list from access.toml in a
temporary store. An analyst and a viewer sign in; the viewer cannot reach the Data page or the
record-level lists of the Data quality page, even by URL; logout works. Skipped when chromium is
not installed, except under CI (CI=true), where it must run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import served_app

ROOT = Path(__file__).resolve().parent.parent
ANALYST, VIEWER, STRANGER = "ana@council.gov.uk", "vic@council.gov.uk", "eve@elsewhere.org"
CLAIMED = "carl@partner.org.uk"
NEED_ANALYST = "You need the analyst role"
RECORDS_TOGGLE = "Show the records to correct"

pytestmark = pytest.mark.e2e

served_app.require_chromium()
_free_port = served_app.free_port


@pytest.fixture(scope="module")
def provider():
    import oidc_provider_mock

    # one user whose role comes from a claim (as Entra ID app roles or Okta groups do), not from their e-mail
    by_claim = oidc_provider_mock.User(sub="carl", claims={"email": CLAIMED, "roles": ["DAAT.Analyst"]})
    with oidc_provider_mock.run_server_in_thread(user_claims=[by_claim]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, provider):
    port = _free_port()
    store = tmp_path_factory.mktemp("store")
    (store / "access.toml").write_text(f'analysts = ["{ANALYST}"]\nviewers = ["{VIEWER}"]\n'
                                       '[claim]\nname = "roles"\nanalysts = ["DAAT.Analyst"]\n', "utf-8")
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "a-cookie-secret-for-the-login-test-only"\n'
        'client_id = "daat-dashboard"\n'
        'client_secret = "any-secret-the-mock-accepts"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', "utf-8")
    # the allow-list is the store's access.toml, as documented: no DAAT_DASHBOARD_ACCESS
    process, _, _log = served_app.start(store, args=[f"--secrets.files={secrets}"], port=port,
                                        drop_env=["DAAT_DASHBOARD_ACCESS"])
    # the callback must come back to the host name of redirect_uri ("localhost"), where the login began
    url = f"http://localhost:{port}"
    try:
        yield {"url": url, "store": store}
    finally:
        served_app.stop(process)


@pytest.fixture(scope="module")
def browser():
    with served_app.launch_chromium() as chromium:
        yield chromium


def _wait_for_app(page) -> None:
    """Wait until the script run has finished (Streamlit marks the app 'notRunning')."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    page.wait_for_timeout(800)


def _sign_in(page, url: str, email: str, sub: str | None = None) -> None:
    page.goto(url)
    _wait_for_app(page)
    assert "Synthetic demo data" not in page.inner_text("body")  # no data before signing in
    page.get_by_role("button", name="Sign in").click()
    # the mock provider's form: what is typed is the subject; an unknown subject's email claim is the same text
    page.get_by_placeholder("sub").fill(sub or email)
    page.get_by_role("button", name="Authorize").first.click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    _wait_for_app(page)
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=60_000)


def _menu(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def _open(page, url: str) -> str:
    page.goto(url)
    _wait_for_app(page)
    page.locator("h1").first.wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "Traceback" not in body
    return body


def _log_out(page, url: str) -> None:
    page.get_by_role("button", name="Log out").click()
    # the provider advertises an end-session page: Streamlit sends the browser there
    page.get_by_role("button", name="End session").click(timeout=30_000)
    page.goto(url)
    _wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    assert "Synthetic demo data" not in page.inner_text("body")
    assert "Signed in as" not in page.inner_text("body")


def test_an_analyst_signs_in_has_the_data_page_and_record_lists_and_logs_out(server, browser):
    url = server["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _sign_in(page, url, ANALYST)
    assert f"Signed in as {ANALYST} (analyst)" in page.inner_text("body")
    assert "Data" in _menu(page) and "Data quality" in _menu(page)
    body = _open(page, f"{url}/data")
    assert NEED_ANALYST not in body
    assert "Upload your extract" in body and "Audit log" in body
    body = _open(page, f"{url}/data_quality")
    assert RECORDS_TOGGLE in body
    assert page.get_by_role("button", name="Log out").is_visible()  # on every page
    # a board download is recorded in the store's audit log, with who downloaded it
    _open(page, f"{url}/people")
    page.get_by_text("Table and download").first.click()
    page.get_by_role("button", name="Download CSV").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1000)  # the expander's content settles before the button takes clicks
    filename = served_app.download(page, page.get_by_role("button", name="Download CSV").first).suggested_filename
    exports = [json.loads(line) for line in (server["store"] / "audit.jsonl").read_text("utf-8").splitlines()]
    assert [(e["who"], e["role"], e["action"]) for e in exports] == [(ANALYST, "analyst", "export")]
    assert exports[0]["detail"].startswith(f"{filename} (2024/25 against 2023/24; all services")
    _log_out(page, url)
    # signed out, the Data page's address shows the sign-in screen, not the page
    body = _open(page, f"{url}/data")
    assert "Upload a table" not in body
    context.close()


def test_a_viewer_cannot_reach_the_data_page_or_record_lists_even_by_url(server, browser):
    url = server["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _sign_in(page, url, VIEWER)
    assert f"Signed in as {VIEWER} (viewer)" in page.inner_text("body")
    assert "Synthetic demo data" in page.inner_text("body")  # the board pages show data
    menu = _menu(page)
    assert "Overview" in menu and "Data quality" in menu and "Data" not in menu
    body = _open(page, f"{url}/data")
    assert NEED_ANALYST in body and "Page not found" not in body
    assert "Upload a table" not in body and "Saved versions" not in body and "Audit log" not in body
    body = _open(page, f"{url}/data_quality")
    assert "Completeness" in body and RECORDS_TOGGLE not in body
    body = _open(page, f"{url}/data_quality?quality_show_records=true")
    assert RECORDS_TOGGLE not in body
    # (not /overview: the default page's address is "/", and /overview shows "Page not found" on a warm server)
    body = _open(page, f"{url}/people")
    assert "Synthetic demo data" in body and "Page not found" not in body
    _log_out(page, url)
    context.close()


def test_a_role_can_come_from_an_oidc_claim(server, browser):
    url = server["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _sign_in(page, url, CLAIMED, sub="carl")  # not on the e-mail lists; the provider says roles = DAAT.Analyst
    assert f"Signed in as {CLAIMED} (analyst)" in page.inner_text("body")
    assert "Data" in _menu(page)
    context.close()


def test_someone_not_on_the_allow_list_sees_no_data(server, browser):
    url = server["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    _wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").fill(STRANGER)
    page.get_by_role("button", name="Authorize").first.click()
    page.get_by_text("No access yet").wait_for(timeout=60_000)
    for path in ("", "/overview", "/data"):
        body = _open(page, f"{url}{path}")
        assert "No access yet" in body and "Synthetic demo data" not in body
    context.close()
