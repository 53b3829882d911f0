"""Run every benchmark module in bench/, print one table and append a dated section to
docs/benchmarks.md.

    python -m bench [--quick] [--no-record] [name ...]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

import bench

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "docs" / "benchmarks.md"
ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def benchmark_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.name.startswith("_") and not info.ispkg
    )


def machine() -> dict:
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    return {
        "uname": uname,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres_version(),
        "calibration_ms": calibration_ms(),
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload (dicts, strings, calls; best of 5): how
    fast this machine runs Python. Machines of one kind differ (seen: 1.7x in the load figures),
    so compare figures from two sections in proportion to their calibration."""

    def work() -> int:
        table: dict[int, int] = {}
        total = 0
        for i in range(200_000):
            table[i % 1009] = table.get(i % 1009, 0) + i
            total += len(str(i))
        return total + sum(table.values())

    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def postgres_version() -> str:
    try:
        import psycopg2

        connection = psycopg2.connect(os.environ.get("BENCH_ADMIN_DATABASE_URL", ADMIN_DATABASE_URL))
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                return cursor.fetchone()[0]
        finally:
            connection.close()
    except Exception as error:  # the figures are still worth printing without it
        return f"unknown ({error.__class__.__name__})"


def _load() -> str:
    try:
        return "/".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def table(results: dict[str, dict]) -> str:
    rows = [("bench", "figure", "value")]
    for name, figures in results.items():
        for key, value in figures.items():
            if key == "bench":
                continue
            rows.append((name, key, f"{value:.3f}" if isinstance(value, float) else str(value)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def record(results: dict[str, dict], info: dict, *, command: str, seconds: float) -> None:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "",
        f"## {stamp}{' (quick)' if '--quick' in command else ''}",
        "",
        f"- machine: `{info['uname']}`",
        f"- cpu: {info['cpu']}; calibration {info['calibration_ms']} (bench/__main__.py: calibration_ms)",
        f"- cores: {info['cores']}; Python {info['python']}; PostgreSQL {info['postgres']}",
        f"- command: `{command}` ({seconds:.0f} s); load average {info['load']}",
        "",
        "| bench | figure | value |",
        "|---|---|---|",
    ]
    for name, figures in results.items():
        for key, value in figures.items():
            if key != "bench":
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                lines.append(f"| {name} | {key} | {shown} |")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS_FILE.exists():
        RESULTS_FILE.write_text(
            "# Benchmarks\n\nAppended by `./baton bench` (see bench/); newest last. Targets and the "
            "meaning of each figure are in each benchmark's module docstring. The load average is "
            "recorded because the figures move with whatever else the machine is doing.\n"
        )
    with RESULTS_FILE.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: every benchmark together within 3 minutes"
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to docs/benchmarks.md")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args(argv)

    names = args.names or benchmark_modules()
    command = " ".join(["./baton bench", *(["--quick"] if args.quick else []), *args.names])
    load_before = _load()
    calibration_before = calibration_ms()
    started = time.monotonic()
    results: dict[str, dict] = {}
    failed = []
    for name in names:
        print(f"== bench {name}{' (quick)' if args.quick else ''}", flush=True)
        began = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            results[name] = module.run(quick=args.quick)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            results[name] = {"bench": name, "failed": f"{error.__class__.__name__}: {error}"[:200]}
        results[name]["bench_seconds"] = round(time.monotonic() - began, 1)
        print(f"   {name}: {results[name]['bench_seconds']} s", flush=True)
    seconds = time.monotonic() - started
    print()
    print(table(results))
    if not args.no_record:
        info = machine()
        info["load"] = f"{load_before} before, {_load()} after (other work on the machine skews the figures)"
        info["calibration_ms"] = f"{calibration_before} ms before, {info['calibration_ms']} ms after"
        record(results, info, command=command, seconds=seconds)
        print(f"\nrecorded in {RESULTS_FILE.relative_to(ROOT)}")
    summary = f"{len(names)} benchmark(s) in {seconds:.0f} s"
    print(summary + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    for figures in results.values():
        print(json.dumps(figures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
