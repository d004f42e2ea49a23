"""Start-up benchmark: process time (user + system CPU) of ``python -m pipeline --help``.

    python benchmarks/startup.py            # median of 15 runs

``--help`` must not import pandas or the API clients; tests/test_cli.py checks the imports, this
measures the time (target: under 0.3 s).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="number of runs (default 15)")
    args = parser.parse_args()
    cpu, wall = [], []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    bare = []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        bare.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"python -m pipeline --help: process time median {statistics.median(cpu):.3f} s "
          f"(min {min(cpu):.3f}, max {max(cpu):.3f}), wall median {statistics.median(wall):.3f} s; "
          f"a bare `python -c pass` takes {statistics.median(bare):.3f} s; {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
