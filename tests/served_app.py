"""The served app and a real browser, shared by every end-to-end test and ``benchmarks/sessions.py``.

``serve`` starts ``streamlit run app.py`` on a free loopback port with its own store, waits for the
health check and stops it afterwards. The server's output goes to a log file, never to an unread
pipe: a pipe's buffer fills after about 64 KB of log and then blocks the server mid-request, which
shows up as a browser test timing out for no visible reason. ``launch_chromium`` starts Debian's
chromium with the flags this closed network needs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Chromium's flags on a machine with no outside network (see /work/.library machine notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 90
#: The log file of each server started here, by its URL (for diagnostics when a browser step fails).
LOGS: dict[str, Path] = {}


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    """Skip the calling test module when chromium is missing, except under CI, where it must run."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI must install Debian chromium for the browser test (see .ci/run)")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _log_tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_text("utf-8", errors="replace")[-size:]
    except OSError:
        return ""


def wait_for_health(url: str, process: subprocess.Popen, log: Path, seconds: float = STARTUP_SECONDS) -> None:
    """Wait until the server answers its health check; raise with the end of its log if it never does."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}: {_log_tail(log)}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not answer within {seconds} s: {_log_tail(log)}")


def start(store: Path | str, *, args: Sequence[str] = (), env: Mapping[str, str] | None = None,
          drop_env: Sequence[str] = (), address: str | None = "127.0.0.1",
          log: Path | None = None, port: int | None = None) -> tuple[subprocess.Popen, str, Path]:
    """Start the app on a free port with ``store`` as its store; return the process, its URL and log file.

    ``address=None`` leaves the listening address to the project's config, as a user's plain
    ``streamlit run app.py`` does."""
    port = port or free_port()
    environment = {**os.environ, "DAAT_DASHBOARD_STORE": str(store), **(env or {})}
    for name in drop_env:
        environment.pop(name, None)
    if log is None:
        handle, name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
        os.close(handle)
        log = Path(name)
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
               f"--server.port={port}", "--browser.gatherUsageStats=false", *args]
    if address is not None:
        command.append(f"--server.address={address}")
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log)
    except BaseException:
        stop(process)
        raise
    LOGS[url] = LOGS[f"http://localhost:{port}"] = log
    return process, url, log


def stop(process: subprocess.Popen) -> None:
    """Stop the server (terminate, then kill if it will not go)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextlib.contextmanager
def serve(store: Path | str, **options) -> Iterator[str]:
    """The app served for the duration of the ``with`` block; yields its URL (see ``start``)."""
    process, url, log = start(store, **options)
    try:
        yield url
    finally:
        stop(process)
        log.unlink(missing_ok=True)


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: The page has been drawn by a finished run: Streamlit's script state is 'notRunning', no element is
#: left over from an earlier run, and the main area holds the page's title (every page has one h1), an
#: error or a dialog. The script state alone reads 'notRunning' for a moment before a new page's first
#: run has begun (a shared-link test read an empty Overview that way).
_DRAWN = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector("[data-stale='true']")) return false;
  return !!document.querySelector("[data-testid='stMain'] h1, [data-testid='stException'], [role='dialog']");
}"""


def wait_for_app(page, *, appear_ms: int = 60_000, run_ms: int = 90_000, settle_ms: int = 1000) -> None:
    """Wait until the page has been drawn by a finished script run (``_DRAWN``), then settle."""
    page.wait_for_selector("[data-testid='stSidebar']", timeout=appear_ms)
    page.wait_for_function(_DRAWN, timeout=run_ms)
    page.wait_for_timeout(settle_ms)


def server_log(page_url: str) -> str:
    """The end of the log of the server that serves ``page_url`` (empty if it was not started here)."""
    for url, log in LOGS.items():
        if page_url.startswith(url):
            return _log_tail(log)
    return ""


def download(page, button, *, seconds: float = 45):
    """Click a download button and return Playwright's download.

    The app must be idle and the button settled first: a click during a script run can land on a
    button the run is about to replace, and one during an expander's opening can be lost. If no download arrives, the click is tried once more, as a user would, and a
    warning carries what the page and the server said, so a first click that fails is never hidden."""
    import warnings

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    button.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1000)
    try:
        with page.expect_download(timeout=seconds * 1000) as arrived:
            button.click()
        return arrived.value
    except PlaywrightTimeout:
        toasts = page.locator("[data-testid='stToast'], [data-testid='stException'], [role='alert']")
        said = " | ".join(toasts.all_inner_texts())[:1000]
        warnings.warn(f"no download {seconds} s after the first click; the page said: {said!r}; "
                      f"the server's log ends: {server_log(page.url)!r}", stacklevel=2)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    with page.expect_download(timeout=seconds * 1000) as arrived:
        button.click()
    return arrived.value
