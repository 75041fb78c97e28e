"""Many users at once: browser sessions on one server while an analyst saves a new version.

    python -m benchmarks.sessions                 # 10 sessions (default)
    python -m benchmarks.sessions --sessions 20

What it does, with the real app and Debian's chromium (Playwright):

1. a fresh store holding the demo tables as saved version 1, shown on start;
2. one Streamlit server on 127.0.0.1; its resident memory (``/proc/<pid>/status`` VmRSS) is read
   once the first session has drawn the Overview, and again when every session has;
3. N browser sessions, each in its own browser context (its own Streamlit session), each on a
   different page and selection (year, service, sex, district taken in turn);
4. while they are open, another process saves version 2 through ``analysis.store`` (as the
   Data page's save does: a new version, then the pointer moves);
5. each session, without rerunning, still shows version 1 and no error; then each reruns (changes
   its sex filter) and shows version 2 with no error.

Prints a table and one ``SESSIONS {...}`` JSON line: server memory with one session and with all,
memory per extra session, and the time for all sessions to draw.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import served_app

JSON_PREFIX = "SESSIONS "
#: URL paths (the Overview is the default page, served at the root: "/overview" is "page not found").
PAGES = ["", "people", "substances", "referrals", "treatment_exits", "districts_map"]
YEARS = ["2024/25", "2023/24", "2022/23"]
SERVICES = ["All", "Young people", "Adults"]
DISTRICTS = ["All", "Oxford", "Cherwell", "West Oxfordshire", "Vale of White Horse"]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process now (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def save_demo_version(store_dir: Path, *, replace_districts: bool = False) -> int:
    """Save the demo tables (or, for the second version, the districts again) in a separate process."""
    code = (
        "import sys; from analysis import store; from analysis.dataset import DEMO_DIR; "
        "from analysis.loaders import load_table\n"
        "s = store.Store.open(sys.argv[1])\n"
        "if sys.argv[2] == '1':\n"
        "    s.save([store.Upload(load_table(DEMO_DIR / 'districts.parquet', 'districts'), mode=store.REPLACE)],"
        " saved_by='analyst')\n"
        "else:\n"
        "    s.save([store.Upload(load_table(DEMO_DIR / f'{t}.parquet', t)) for t in "
        "('episodes','substances','referrals','districts','population')], saved_by='analyst')\n"
        "    s.set_preferred_source(store.SAVED)\n"
        "print(s.current().number)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(store_dir), "1" if replace_districts else "0"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def start_server(store_dir: Path) -> tuple[subprocess.Popen, str]:
    """The app served on its own store, as users run it: errors become an error id on the page."""
    process, url, _log = served_app.start(store_dir, drop_env=["DAAT_DASHBOARD_SHOW_ERRORS"])
    return process, url


def _settled(page) -> None:
    page.wait_for_selector("[data-testid='stSidebar']", timeout=120_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=180_000)
    page.wait_for_timeout(500)


def _problems(page) -> list[str]:
    body = page.inner_text("body")
    found = []
    if page.locator("[data-testid='stException']").count():
        found.append("exception shown")
    for marker in ("Traceback", "error id", "Something went wrong", "Page not found"):
        if marker in body:
            found.append(marker)
    return found


def _banner_version(page) -> int | None:
    text = page.inner_text("[data-testid='stMain']")
    for number in range(1, 10):
        if f"Saved data (version {number}," in text:
            return number
    return None


def selection_url(base: str, index: int) -> str:
    """Session ``index``'s page and selection (each session a different one)."""
    query = {"year": YEARS[index % len(YEARS)], "service": SERVICES[index % len(SERVICES)],
             "district": DISTRICTS[index % len(DISTRICTS)]}
    query = {k: v for k, v in query.items() if v != "All"}
    return f"{base}/{PAGES[index % len(PAGES)]}?{urllib.parse.urlencode(query)}"


def run(sessions: int = 10) -> dict[str, Any]:
    """Run the scenario; return the figures and what each session saw."""
    work = Path(tempfile.mkdtemp(prefix="daat-sessions-"))
    store_dir = work / "store"
    assert save_demo_version(store_dir) == 1
    process, url = start_server(store_dir)
    result: dict[str, Any] = {"sessions": sessions, "problems": {}, "before_rerun": {}, "after_rerun": {}}
    try:
        with served_app.launch_chromium() as browser:
            contexts, pages = [], []
            for index in range(sessions):
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                page = context.new_page()
                contexts.append(context)
                pages.append(page)
                page.goto(selection_url(url, index))
                if index == 0:
                    _settled(page)
                    result["rss_one_session_bytes"] = rss_bytes(process.pid)
            started = time.perf_counter()
            for page in pages:
                _settled(page)
            result["all_drawn_s"] = round(time.perf_counter() - started, 2)
            result["rss_all_sessions_bytes"] = rss_bytes(process.pid)
            result["saved_version"] = save_demo_version(store_dir, replace_districts=True)
            for index, page in enumerate(pages):
                page.wait_for_timeout(200)
                result["before_rerun"][index] = _banner_version(page)
                result["problems"][index] = _problems(page)
            for index, page in enumerate(pages):
                sidebar = page.get_by_test_id("stSidebar")
                sidebar.get_by_role("combobox", name="Sex").click()
                page.keyboard.type("Female")
                page.keyboard.press("Enter")
                page.wait_for_function("() => window.location.search.includes('sex=Female')", timeout=60_000)
            for index, page in enumerate(pages):
                _settled(page)
                result["after_rerun"][index] = _banner_version(page)
                result["problems"][index] += _problems(page)
            result["rss_after_rerun_bytes"] = rss_bytes(process.pid)
            for context in contexts:
                context.close()
    finally:
        served_app.stop(process)
        shutil.rmtree(work, ignore_errors=True)
    extra = max(sessions - 1, 1)
    result["rss_per_extra_session_bytes"] = (result["rss_all_sessions_bytes"] - result["rss_one_session_bytes"]) // extra
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    figures = run(parser.parse_args().sessions)
    mb = 2**20
    print(f"sessions: {figures['sessions']}; all drawn in {figures['all_drawn_s']} s")
    print(f"server memory: one session {figures['rss_one_session_bytes'] / mb:.0f} MB, "
          f"all sessions {figures['rss_all_sessions_bytes'] / mb:.0f} MB, "
          f"after every session reran on the new version {figures['rss_after_rerun_bytes'] / mb:.0f} MB; "
          f"per extra session {figures['rss_per_extra_session_bytes'] / mb:.1f} MB")
    print(f"versions seen before rerun: {sorted(set(figures['before_rerun'].values()))}, "
          f"after: {sorted(set(figures['after_rerun'].values()))}; "
          f"problems: {sum(len(v) for v in figures['problems'].values())}")
    print(JSON_PREFIX + json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
