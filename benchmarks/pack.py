"""Benchmark of building the board pack on the demo data (target: under 20 s for a 15-slide pack on 2 cores).

Run from the repository root::

    python -m benchmarks.pack                 # 3 runs of each format, the whole demo
    python -m benchmarks.pack --repeats 1     # quick

Each run is what ``python -m analysis.pack --out FILE`` does, in a fresh child process (cold: no
figure is remembered between runs): start chromium (kaleido), load the demo, compute every
section's page models, rank the findings, draw every chart, write the file. The stages are timed
inside the run, and the whole run from the parent (process start and imports included). Prints a
table of medians and one ``BENCHMARK {...}`` JSON line, with the machine's load average and the
CPU seconds the run used (its Python and chromium), since other work on a shared 2-core machine
stretches wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 20.0
STAGES = ("start", "load", "figures", "content", "pictures", "write")


def _descendants_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's live descendants (chromium's
    processes), read from /proc: RUSAGE_CHILDREN misses those chromium does not wait for itself."""
    parents, used = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    found, stack = [], [os.getpid()]
    while stack:
        here = stack.pop()
        children = [pid for pid, parent in parents.items() if parent == here]
        found += children
        stack += children
    return sum(used[pid] for pid in found)


def one_run(out: str) -> dict[str, float]:
    """One pack, timed by stage (seconds); the renderer starts first, as in ``analysis.pack.main``."""
    started = time.perf_counter()
    from analysis import pack
    from analysis.dataset import load_demo
    from analysis.filters import Filters

    times: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        times[name] = now - mark
        mark = now

    renderer = pack.PictureRenderer()
    lap("start")
    try:
        data = load_demo()
        lap("load")
        fy, comparison = data.years[-1], data.years[-2]
        figures = pack.compute_figures(data, fy, comparison, Filters())
        lap("figures")
        content = pack.build_pack(data, fy, comparison, Filters(), figures)
        lap("content")
        renderer.draw(content)
        lap("pictures")
        times["chromium_cpu"] = _descendants_cpu()
    finally:
        renderer.close()
    pack.write(content, out)
    lap("write")
    times["total_in_process"] = time.perf_counter() - started
    times["python_cpu"] = time.process_time()
    times["slides"] = len(content.slide_titles)
    times["charts"] = sum(c.image is not None for c in content.charts)
    return times


def _children_cpu() -> float:
    """CPU seconds (user + system) of finished child processes and their waited-for children
    (the run's Python and its chromium): unlike wall time, not stretched by other work on the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RUN " + json.dumps(one_run(args.child)))
        return 0

    results: dict[str, list[dict[str, float]]] = {"pptx": [], "pdf": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            for extension in results:
                out = str(Path(folder) / f"pack.{extension}")
                begun, cpu_before = time.perf_counter(), _children_cpu()
                done = subprocess.run([sys.executable, "-m", "benchmarks.pack", "--child", out], cwd=ROOT,
                                      capture_output=True, text=True, check=True)
                wall, cpu = time.perf_counter() - begun, _children_cpu() - cpu_before
                line = next(x for x in done.stdout.splitlines() if x.startswith("RUN "))
                run = json.loads(line[4:]) | {"wall": wall, "cpu": cpu, "bytes": Path(out).stat().st_size}
                results[extension].append(run)

    load = os.getloadavg()
    print(f"Board pack on the demo data, median of {args.repeats} run(s); load average {load[0]:.1f} "
          f"on {os.cpu_count()} cores (target: {TARGET_SECONDS:.0f} s)")
    print(f"{'format':<7}{'slides':>7}{'charts':>7}" + "".join(f"{s:>10}" for s in STAGES) + f"{'wall':>9}{'cpu':>9}"
          f"{'py cpu':>9}{'chr cpu':>9}{'MB':>7}")
    summary = {}
    for extension, runs in results.items():
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        summary[extension] = {k: round(v, 2) for k, v in median.items()}
        print(f"{extension:<7}{median['slides']:>7.0f}{median['charts']:>7.0f}"
              + "".join(f"{median[s]:>10.2f}" for s in STAGES) + f"{median['wall']:>9.2f}{median['cpu']:>9.2f}"
              + f"{median['python_cpu']:>9.2f}{median['chromium_cpu']:>9.2f}{median['bytes'] / 1e6:>7.1f}")
    met = all(s["wall"] < TARGET_SECONDS for s in summary.values())
    print(f"Target {'met' if met else 'missed'}: every format under {TARGET_SECONDS:.0f} s wall time. CPU seconds "
          "show the work itself when other processes share the cores: cpu = the run's waited-for processes "
          "(rusage), py cpu = the run's Python, chr cpu = chromium's processes read from /proc before it closes.")
    print("BENCHMARK " + json.dumps({"pack": summary, "load_average_1min": round(load[0], 2),
                                     "cores": os.cpu_count(), "target_seconds": TARGET_SECONDS, "met": met}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
