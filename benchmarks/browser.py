"""The browser measure: from a filter change in the sidebar to the page settled, median per page.

    python -m benchmarks.browser                          # every page with filters, 3 repeats
    python -m benchmarks.browser --repeats 5 --pages overview districts_map
    python -m benchmarks.browser --pages overview --filters year --repeats 1   # the smoke run

What it does, with the real app on the partnership demo data and Debian's chromium (Playwright):

1. serves the app on a fresh, empty store (so it shows the synthetic demo data) with
   ``tests/served_app.serve``, and opens chromium with ``served_app.launch_chromium``;
2. for each page (the Overview at ``/``, the others at ``/<url path>``; the names are
   ``tests.test_e2e_browser.PAGES``) and each repeat, opens the page in a new tab (a new Streamlit
   session), waits until it is settled (below), then makes, one after another, the filter changes
   in the sidebar: financial year, sex, district, service (each through its combobox: the list is
   opened, then the option clicked, as a user does). A filter the page does not draw
   (``ui.state.PAGE_FILTERS``) is skipped;
3. times each change, in the page's own clock (``performance.now()``):

   - **start**: the pointer press on the chosen option (the input event that commits the choice;
     the list is opened before the clock is armed, so opening it is not counted);
   - **settled**: the first animation frame, after Streamlit has started the rerun (the app's
     script state has left ``notRunning`` since the press), at which all three hold:
     (a) Streamlit's script state is back to ``notRunning``
     (``[data-testid='stApp'][data-test-script-state='notRunning']``);
     (b) no element is marked stale (no ``[data-testid='stElementContainer'][data-stale='true']``:
     every element shown comes from the new run);
     (c) every plotly chart is drawn: each ``[data-testid='stPlotlyChart']`` holds its ``.main-svg``,
     and a chart holding a map (``.maplibregl-map``) also holds the map's ``canvas``.

   It does not wait for map tiles or images to arrive (the demo's map draws no tiles from outside),
   nor for plotly transitions after the first frame of the new figure.

Each repeat uses other values (year ``r+1`` back from the latest, sex Female/Male in turn, the
``r``-th district, Adults/Young people in turn), so with up to 5 repeats every change on a page
shows a selection that page has not shown before in the run: the server's page-model cache cannot
answer it (figures shared with a page measured earlier in the run can be cached, as they are for a
user moving between pages).

After each change the page's address must hold the chosen option (the filters are bound to the URL)
and the page must show no error, or the run stops.

Prints a table and one ``BROWSER {...}`` JSON line: the median per page and filter
(``pages.<page>.<filter>_s``), the median over a page's changes (``pages.<page>.all_s``), as a check
the median of the same changes timed by Playwright from asking for the click to seeing the settled
frame (``pages.<page>.all_wall_s``, an upper bound), every sample (``samples.<page>.<filter>`` and
``<filter>_wall``), the worst page median, and the machine's cores and its load (``uptime``) before
and after the run (the machine is shared: read the figures with its load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests import served_app  # noqa: E402
from tests.test_e2e_browser import NO_FILTER_PAGES, PAGES  # noqa: E402

JSON_PREFIX = "BROWSER "
#: The issue's target: a filter change to the page settled in at most 1 s on every page (demo data).
TARGET_S = 1.0
#: The sidebar filters changed, in order, by their key and their combobox's label.
FILTERS = {"year": "Financial year", "sex": "Sex", "district": "District", "service": "Service"}
#: The demo's years, latest first, and its district names (checked on the page: a missing option fails).
DEMO_YEARS = ["2024/25", "2023/24", "2022/23", "2021/22", "2020/21", "2019/20"]
DEMO_DISTRICTS = ["Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire"]
#: Pages measured by default: every page that draws filters.
DEFAULT_PAGES = [path for path in PAGES if path not in NO_FILTER_PAGES]
CHANGE_TIMEOUT_MS = 120_000

#: Installed in the page: arms a clock on the next pointer press and finds the first settled frame.
_PROBE = """
() => {
  const S = window.__settle = window.__settle || {};
  if (!S.installed) {
    S.installed = true;
    new MutationObserver(records => {
      // any change of the script state after the press is the rerun (a fast run may have ended already)
      if (S.armed && S.t0 !== null && records.length) { S.runSeen = true; }
    }).observe(document.body, {attributes: true, subtree: true, attributeOldValue: true,
                               attributeFilter: ['data-test-script-state']});
    document.addEventListener('pointerdown', () => {
      if (S.armed && S.t0 === null) { S.t0 = performance.now(); }
    }, true);
    S.settledNow = () => {
      const app = document.querySelector("[data-testid='stApp']");
      if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
      if (document.querySelector("[data-testid='stElementContainer'][data-stale='true']")) return false;
      for (const chart of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
        if (!chart.querySelector('.main-svg')) return false;
        const map = chart.querySelector('.maplibregl-map, .mapboxgl-map');
        if (map && !map.querySelector('canvas')) return false;
      }
      return true;
    };
    S.frame = () => {
      if (!S.armed) return;
      if (S.t0 !== null && S.runSeen && S.settledNow()) {
        S.settledAt = performance.now();
        S.armed = false;
        return;
      }
      requestAnimationFrame(S.frame);
    };
  }
  return true;
}
"""
_ARM = "() => { const S = window.__settle; S.t0 = null; S.runSeen = false; S.settledAt = null; S.armed = true;" \
       " requestAnimationFrame(S.frame); }"


def machine_load() -> dict[str, Any]:
    """The machine's cores and its load now (``uptime`` and the 1, 5 and 15 minute load averages)."""
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        uptime = ""
    return {"cores": os.cpu_count(), "uptime": uptime, "loadavg": [round(v, 2) for v in os.getloadavg()]}


def change_value(filter_key: str, repeat: int) -> str:
    """The option chosen for ``filter_key`` in repeat ``repeat`` (never the page's starting value)."""
    if filter_key == "year":
        return DEMO_YEARS[1 + repeat % (len(DEMO_YEARS) - 1)]
    if filter_key == "sex":
        return ["Female", "Male"][repeat % 2]
    if filter_key == "district":
        return DEMO_DISTRICTS[repeat % len(DEMO_DISTRICTS)]
    if filter_key == "service":
        return ["Adults", "Young people"][repeat % 2]
    raise ValueError(f"unknown filter {filter_key!r}")


def _errors(page) -> str:
    shown = page.locator("[data-testid='stException']")
    if shown.count():
        return shown.first.inner_text()[:500]
    body = page.inner_text("body")
    for marker in ("Traceback", "Page not found"):
        if marker in body:
            return marker
    return ""


def drawn_filters(path: str, filters: list[str]) -> list[str]:
    """The filters of ``filters`` that the page draws (``ui.state.PAGE_FILTERS``), in order."""
    from ui.state import filters_for  # imports streamlit: only when measuring

    return [key for key in filters if key in filters_for(path)]


def _open(browser, url: str, path: str, filters: list[str]):
    """A new tab (a new Streamlit session) on ``path``, settled, with the comboboxes of ``filters`` drawn.

    The script state is ``notRunning`` for a moment before the first run starts, so the boxes the page
    draws are waited for too (a box not yet drawn must never be taken for a filter the page lacks)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/{'' if path == 'overview' else path}")  # the Overview lives at the root
    served_app.wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    for key in filters:
        sidebar.get_by_role("combobox", name=FILTERS[key]).wait_for(timeout=CHANGE_TIMEOUT_MS)
    page.evaluate(_PROBE)
    page.wait_for_function("() => window.__settle.settledNow()", timeout=CHANGE_TIMEOUT_MS)
    problem = _errors(page)
    if problem:
        raise RuntimeError(f"{path} shows an error on opening: {problem}")
    return page


def _in_address(page, key: str, option: str) -> bool:
    """Whether the page's address (the filters are bound to the URL, by the option's shown name) holds
    ``option`` for ``key``: the check that the change took effect."""
    return parse_qs(urlparse(page.url).query).get(key) == [option]


def measure_change(page, key: str, option: str) -> tuple[float, float]:
    """Seconds from the pointer press on ``option`` of the sidebar combobox of ``key`` to the page settled,
    in the page's clock; and, as a check, the seconds Playwright waited from asking for the click to
    seeing the page settled (an upper bound: it adds the click's own checks and the polling)."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox", name=FILTERS[key]).click()
    choice = page.get_by_role("option", name=option, exact=True)
    try:
        choice.wait_for(timeout=3000)
    except PlaywrightTimeout:  # seen on the Board pack: the click focuses the box but leaves the list shut
        page.keyboard.press("ArrowDown")  # opens the list of the focused box, as a keyboard user does
        choice.wait_for(timeout=30_000)
    page.evaluate(_ARM)
    asked = time.perf_counter()
    choice.click()
    page.wait_for_function("() => window.__settle.settledAt !== null", timeout=CHANGE_TIMEOUT_MS)
    wall = time.perf_counter() - asked
    start, end = page.evaluate("() => [window.__settle.t0, window.__settle.settledAt]")
    if not _in_address(page, key, option):
        raise RuntimeError(f"{key}: {option!r} is not in the address after the change: {page.url}")
    return (end - start) / 1000, wall


def measure_page(browser, url: str, path: str, filters: list[str], repeat: int) -> dict[str, float]:
    """One repeat on one page: each filter change's seconds, by filter key (``filters`` are those it draws)."""
    page = _open(browser, url, path, filters)
    try:
        times: dict[str, float] = {}
        for key in filters:
            times[key], times[f"{key}_wall"] = measure_change(page, key, change_value(key, repeat))
            problem = _errors(page)
            if problem:
                raise RuntimeError(f"{path} after changing {key}: {problem}")
            page.wait_for_timeout(200)  # let the browser finish anything after the settled frame
        return times
    finally:
        page.close()


def run(pages: list[str], filters: list[str], repeats: int) -> dict[str, Any]:
    """Serve the app on the demo data, measure every page and filter ``repeats`` times; return the figures."""
    unknown = [path for path in pages if path not in PAGES]
    if unknown:
        raise ValueError(f"unknown pages {unknown}; known: {list(PAGES)}")
    samples: dict[str, dict[str, list[float]]] = {path: {} for path in pages}
    load_before = machine_load()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="daat-browser-") as work, served_app.serve(Path(work) / "store") as url:
        with served_app.launch_chromium() as browser:
            for repeat in range(repeats):
                for path in pages:
                    times = measure_page(browser, url, path, drawn_filters(path, filters), repeat)
                    for key, seconds in times.items():
                        samples[path].setdefault(key, []).append(round(seconds, 4))
                    print(f"repeat {repeat + 1}/{repeats} {path}: " + ", ".join(
                        f"{key} {seconds:.3f} s" for key, seconds in times.items() if not key.endswith("_wall")),
                        file=sys.stderr, flush=True)  # progress: a full run takes minutes
    for path, by_filter in samples.items():  # every change drawn on the page was timed in every repeat
        expected = drawn_filters(path, filters)
        assert sorted(by_filter) == sorted([*expected, *(f"{key}_wall" for key in expected)]), (path, by_filter)
        assert all(len(values) == repeats for values in by_filter.values()), (path, by_filter)
    result_pages: dict[str, dict[str, float]] = {}
    for path, by_filter in samples.items():
        row = {f"{key}_s": round(statistics.median(values), 3) for key, values in by_filter.items()
               if not key.endswith("_wall")}
        every = [value for key, values in by_filter.items() if not key.endswith("_wall") for value in values]
        walls = [value for key, values in by_filter.items() if key.endswith("_wall") for value in values]
        if every:
            row["all_s"] = round(statistics.median(every), 3)
            row["all_wall_s"] = round(statistics.median(walls), 3)
        result_pages[path] = row
    return {
        "data": "partnership demo (synthetic)",
        "settled": "script state notRunning after a run began, no stale element, every plotly chart drawn",
        "repeats": repeats,
        "filters": filters,
        "target_s": TARGET_S,
        "pages": result_pages,
        "samples": samples,
        "worst_page_median_s": max((row.get("all_s", 0.0) for row in result_pages.values()), default=0.0),
        "run_s": round(time.perf_counter() - started, 1),
        "machine": {"cores": load_before["cores"], "load_before": load_before["uptime"],
                    "loadavg_before": load_before["loadavg"], "load_after": machine_load()["uptime"],
                    "loadavg_after": machine_load()["loadavg"]},
    }


def table(figures: dict[str, Any]) -> str:
    """The medians as a fixed-width table, one row per page."""
    columns = [key for key in figures["filters"]]
    lines = [f"{'page':<18}" + "".join(f"{key + ' s':>12}" for key in columns)
             + f"{'page median s':>16}{'(Playwright wall s)':>21}  target"]
    for path, row in figures["pages"].items():
        cells = "".join(f"{row[f'{key}_s']:>12.3f}" if f"{key}_s" in row else f"{'-':>12}" for key in columns)
        median = row.get("all_s")
        verdict = "-" if median is None else ("met" if median <= figures["target_s"] else "MISSED")
        wall = row.get("all_wall_s")
        lines.append(f"{path:<18}{cells}{'-' if median is None else f'{median:.3f}':>16}"
                     f"{'-' if wall is None else f'{wall:.3f}':>21}  {verdict}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# The split (``--split``): where the time of one change goes, server run, transfer and browser drawing.

#: Installed before the app's own script: notes, in the page's clock, every websocket message the page sends
#: (a BackMsg: the rerun request) and receives (a ForwardMsg), with its size in bytes, before Streamlit's
#: own handler sees it.
_WS_PROBE = """
(() => {
  const log = window.__ws = [];
  const size = d => (d && (d.byteLength ?? d.size ?? d.length)) || 0;
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (d) { log.push(['send', performance.now(), size(d)]); return send.call(this, d); };
  function Probed(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', e => log.push(['recv', performance.now(), size(e.data)]));
    return ws;
  }
  Probed.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
  window.WebSocket = Probed;
})();
"""


def _forward_message(payload: bytes) -> tuple[str, str, int]:
    """(message type, element type, bytes of a plotly chart's figure JSON) of one ForwardMsg."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    message.ParseFromString(payload)
    kind = message.WhichOneof("type") or ""
    element, spec = "", 0
    if kind == "delta":
        delta = message.delta
        element = delta.WhichOneof("type") or ""
        if element == "new_element":
            element = delta.new_element.WhichOneof("type") or ""
            if element == "plotly_chart":
                spec = len(delta.new_element.plotly_chart.spec.encode())
        elif element == "add_block":
            element = "block"
    return kind, element, spec


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _browser_busy_s(cdp) -> dict[str, float]:
    """Chromium's main-thread time so far for the page (CDP ``Performance.getMetrics``): all tasks, script,
    layout and style."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {name: metrics.get(name, 0.0) for name in ("TaskDuration", "ScriptDuration", "LayoutDuration",
                                                      "RecalcStyleDuration")}


def split_change(page, frames: list[bytes], key: str, option: str, server_pid: int | None = None,
                 cdp=None) -> dict[str, float]:
    """One change, split: seconds from the press to the rerun request leaving the page (``request_s``),
    from the request to the script's last message, ``script_finished`` (``server_s``: the script run on the
    server, its messages streamed to the browser as it goes), from that message to the page settled
    (``browser_s``: drawing what is left once the server is done), and the total (``total_s``, as
    ``measure_change``); the bytes received (``bytes``), the number of messages and elements
    (``messages``, ``elements``), of plotly charts (``charts``) and the bytes of their figure JSON
    (``chart_json_bytes``, largest ``chart_json_max_bytes``)."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox", name=FILTERS[key]).click()
    choice = page.get_by_role("option", name=option, exact=True)
    try:
        choice.wait_for(timeout=3000)
    except PlaywrightTimeout:
        page.keyboard.press("ArrowDown")
        choice.wait_for(timeout=30_000)
    page.wait_for_timeout(300)  # heartbeats and the list's own messages out of the way
    first_log = page.evaluate("() => window.__ws.length")
    first_frame = len(frames)
    cpu_before = process_cpu_s(server_pid) if server_pid else 0.0
    busy_before = _browser_busy_s(cdp) if cdp else {}
    page.evaluate(_ARM)
    choice.click()
    page.wait_for_function("() => window.__settle.settledAt !== null", timeout=CHANGE_TIMEOUT_MS)
    cpu = process_cpu_s(server_pid) - cpu_before if server_pid else 0.0
    busy = {name: value - busy_before[name] for name, value in _browser_busy_s(cdp).items()} if cdp else {}
    page.wait_for_timeout(300)  # frames Playwright reports a moment after the page
    start, end = page.evaluate("() => [window.__settle.t0, window.__settle.settledAt]")
    log = page.evaluate(f"() => window.__ws.slice({first_log})")
    received_times = [t for kind, t, _ in log if kind == "recv"]
    received_frames = frames[first_frame:first_frame + len(received_times)]
    sent = [t for kind, t, _ in log if kind == "send" and t >= start]
    if not sent or not received_times:
        raise RuntimeError(f"{key}: no rerun request or no message seen")
    parsed = [_forward_message(f) for f in received_frames]
    finished = [t for t, (kind, _, _) in zip(received_times, parsed) if kind == "script_finished" and t <= end]
    last = finished[-1] if finished else max(t for t in received_times if t <= end)
    specs = [spec for _, element, spec in parsed if element == "plotly_chart"]
    return {
        "request_s": (sent[0] - start) / 1000, "server_s": (last - sent[0]) / 1000,
        "browser_s": (end - last) / 1000, "total_s": (end - start) / 1000,
        "server_cpu_s": cpu, "browser_busy_s": busy.get("TaskDuration", 0.0),
        "browser_script_s": busy.get("ScriptDuration", 0.0),
        "browser_layout_style_s": busy.get("LayoutDuration", 0.0) + busy.get("RecalcStyleDuration", 0.0),
        "bytes": sum(size for kind, t, size in log if kind == "recv" and t <= end),
        "messages": len([t for t in received_times if t <= end]),
        "elements": sum(1 for kind, element, _ in parsed if kind == "delta" and element not in ("", "block")),
        "charts": len(specs), "chart_json_bytes": sum(specs), "chart_json_max_bytes": max(specs, default=0),
    }


def run_split(pages: list[str], key: str, repeats: int) -> dict[str, dict[str, float]]:
    """The split of one filter change (``key``) on each page, median of ``repeats`` (each in a new tab)."""
    samples: dict[str, list[dict[str, float]]] = {path: [] for path in pages}
    with tempfile.TemporaryDirectory(prefix="daat-browser-") as work:
        server, url, log = served_app.start(Path(work) / "store")
        try:
            _split_pages(server.pid, url, pages, key, repeats, samples)
        finally:
            served_app.stop(server)
            log.unlink(missing_ok=True)
    return {path: {name: round(statistics.median(s[name] for s in rows), 3) for name in rows[0]}
            for path, rows in samples.items()}


def _split_pages(server_pid: int, url: str, pages: list[str], key: str, repeats: int,
                 samples: dict[str, list[dict[str, float]]]) -> None:
    if True:
        with served_app.launch_chromium() as browser:
            for repeat in range(repeats):
                for path in pages:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    frames: list[bytes] = []
                    page.on("websocket", lambda ws, frames=frames: ws.on(
                        "framereceived", lambda payload: frames.append(payload) if isinstance(payload, bytes) else None))
                    page.add_init_script(_WS_PROBE)
                    try:
                        page.goto(f"{url}/{'' if path == 'overview' else path}")
                        served_app.wait_for_app(page)
                        page.get_by_test_id("stSidebar").get_by_role("combobox", name=FILTERS[key]).wait_for(
                            timeout=CHANGE_TIMEOUT_MS)
                        page.evaluate(_PROBE)
                        page.wait_for_function("() => window.__settle.settledNow()", timeout=CHANGE_TIMEOUT_MS)
                        cdp = page.context.new_cdp_session(page)
                        cdp.send("Performance.enable")
                        figures = split_change(page, frames, key, change_value(key, repeat), server_pid, cdp)
                    finally:
                        page.close()
                    samples[path].append(figures)
                    print(f"repeat {repeat + 1}/{repeats} {path}: " + ", ".join(
                        f"{name} {value:.3f}" if name.endswith("_s") else f"{name} {value}"
                        for name, value in figures.items()), file=sys.stderr, flush=True)


def split_table(split: dict[str, dict[str, float]]) -> str:
    """The split as a fixed-width table, one row per page."""
    lines = [f"{'page':<18}{'request s':>10}{'server s':>10}{'browser s':>11}{'total s':>9}{'srv CPU s':>10}"
             f"{'brw busy s':>11}{'brw JS s':>9}{'brw lay s':>10}{'KB recv':>9}"
             f"{'elements':>10}{'charts':>8}{'chart JSON KB':>15}{'largest KB':>12}"]
    for path, row in split.items():
        lines.append(f"{path:<18}{row['request_s']:>10.3f}{row['server_s']:>10.3f}{row['browser_s']:>11.3f}"
                     f"{row['total_s']:>9.3f}{row['server_cpu_s']:>10.3f}{row['browser_busy_s']:>11.3f}"
                     f"{row['browser_script_s']:>9.3f}{row['browser_layout_style_s']:>10.3f}{row['bytes'] / 1024:>9.0f}{row['elements']:>10.0f}{row['charts']:>8.0f}"
                     f"{row['chart_json_bytes'] / 1024:>15.0f}{row['chart_json_max_bytes'] / 1024:>12.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="changes of each filter on each page (default 3)")
    parser.add_argument("--pages", nargs="+", default=DEFAULT_PAGES, help="url paths (overview for the root)")
    parser.add_argument("--filters", nargs="+", default=list(FILTERS), choices=list(FILTERS))
    parser.add_argument("--split", choices=list(FILTERS), default=None,
                        help="instead: split one change of this filter into server run, transfer and browser drawing")
    args = parser.parse_args(argv)
    if args.split:
        load_before = machine_load()["uptime"]
        split = run_split(args.pages, args.split, args.repeats)
        print(f"Browser split: one {args.split} change (partnership demo, synthetic; median of {args.repeats})")
        print(split_table(split))
        print(f"machine: load before: {load_before}; after: {machine_load()['uptime']}")
        print("SPLIT " + json.dumps(split))
        return
    figures = run(args.pages, args.filters, args.repeats)
    print(f"Browser: filter change to page settled (partnership demo, synthetic; median of {args.repeats} "
          f"repeat(s); target <= {TARGET_S:g} s per page)")
    print(table(figures))
    machine = figures["machine"]
    print(f"machine: {machine['cores']} cores; load before: {machine['load_before']}; after: {machine['load_after']}")
    print(JSON_PREFIX + json.dumps(figures))


if __name__ == "__main__":
    main()
