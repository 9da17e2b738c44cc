"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (``make bench`` runs them all).

Each ``benchmarks/bench_<name>.py`` has a ``main() -> None`` that prints its
figures and its ratios against a floor or a peer measured in the same run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name[len("bench_") :] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def run(argv: list[str]) -> int:
    names = argv or _names()
    unknown = sorted(set(names) - set(_names()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(_names())}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"\n=== benchmark: {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.bench_{name}").main()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - t0:.1f} s wall ===", flush=True)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
