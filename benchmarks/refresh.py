"""Refresh benchmark: pubharvest's batched fetch against a naive one-ID-at-a-time baseline.

    python benchmarks/refresh.py                      # N = 14, 100, 500, 2000 with the real rules
    python benchmarks/refresh.py --time-scale 0.05    # every delay and latency x0.05, for a quick run

Both sides run through the same client libraries (``arxiv``, ``semanticscholar``, ``requests``)
against a loopback server (benchmarks/synthetic.py) that adds ``--latency-s`` to every answer, with
the APIs' politeness rules: arXiv one request every 3 s, Semantic Scholar and OpenReview one per
second. ``--time-scale`` multiplies the latency and every politeness delay; request counts do not
depend on it. Each measurement runs in its own process, so peak memory (max RSS) is its own.
Prints one row per N: requests per source, wall-clock seconds and peak MB for each side, and the
wall-clock ratio baseline/ours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic import SyntheticServer, arxiv_id, config_text, forum_id  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(n: int, latency_s: float, scale: float) -> dict:
    from pipeline import config as config_module
    from pipeline.run import run

    with SyntheticServer(latency_s * scale) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = tmp  # no freshness from earlier runs
        path = Path(tmp) / "config.toml"
        path.write_text(config_text(n, server.base_url, scale=scale, output_dir=str(Path(tmp) / "out")))
        start = time.monotonic()
        report = run(config_module.load(path), refresh=True)
        wall = time.monotonic() - start
        found = {s: r.found for s, r in report.sources.items()}
        return {"requests": dict(server.counts), "wall_s": wall, "peak_mb": _peak_mb(), "found": found}


def baseline(n: int, latency_s: float, scale: float) -> dict:
    """One request per ID per source, through the same libraries, with the same politeness."""
    import arxiv
    import requests
    from semanticscholar import SemanticScholar

    from harvest.s2_source import FIELDS

    found = {"arxiv": 0, "s2": 0, "openreview": 0}
    with SyntheticServer(latency_s * scale) as server:
        base = server.base_url
        start = time.monotonic()
        client = arxiv.Client(page_size=1, delay_seconds=3.0 * scale, num_retries=0)
        client.query_url_format = f"{base}/arxiv/api/query?{{}}"
        for i in range(n):
            found["arxiv"] += len(list(client.results(arxiv.Search(id_list=[arxiv_id(i)], max_results=1))))
        sch = SemanticScholar(api_url=f"{base}/s2", retry=False, timeout=30)
        for i in range(n):
            if i:
                time.sleep(1.0 * scale)
            found["s2"] += bool(sch.get_paper(f"ARXIV:{arxiv_id(i)}", fields=FIELDS).paperId)
        with requests.Session() as session:
            for i in range(n):
                for api in (2, 1):
                    time.sleep(1.0 * scale)
                    notes = session.get(f"{base}/or{api}/notes", params={"id": forum_id(i)}, timeout=30).json()["notes"]
                    if notes:
                        found["openreview"] += 1
                        break
        wall = time.monotonic() - start
    return {"requests": dict(server.counts), "wall_s": wall, "peak_mb": _peak_mb(), "found": found}


def measure(kind: str, n: int, latency_s: float, scale: float) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", kind, "--n", str(n), "--latency-s", str(latency_s),
                           "--time-scale", str(scale)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _requests(r: dict) -> str:
    c = r["requests"]
    return f"{c.get('arxiv', 0)}/{c.get('s2', 0)}/{c.get('or2', 0) + c.get('or1', 0)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="14,100,500,2000", help="comma-separated numbers of papers")
    parser.add_argument("--latency-s", type=float, default=0.2, help="seconds added to every answer (default 0.2)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiply latency and politeness delays by this (default 1: the real rules)")
    parser.add_argument("--one", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = (ours if args.one == "ours" else baseline)(args.n, args.latency_s, args.time_scale)
        print(json.dumps(result))
        return 0
    print(f"latency {args.latency_s} s per answer, politeness arXiv 3 s / S2 1 s / OpenReview 1 s, "
          f"time scale {args.time_scale:g}; requests are arXiv/S2/OpenReview")
    print(f"{'N':>5} | {'ours: requests':>15} {'wall s':>8} {'peak MB':>8} | {'baseline: requests':>18} "
          f"{'wall s':>8} {'peak MB':>8} | {'baseline/ours':>13}")
    for n in (int(x) for x in args.sizes.split(",")):
        a = measure("ours", n, args.latency_s, args.time_scale)
        b = measure("baseline", n, args.latency_s, args.time_scale)
        assert a["found"] == b["found"] == {"arxiv": n, "s2": n, "openreview": n}, (a["found"], b["found"])
        print(f"{n:>5} | {_requests(a):>15} {a['wall_s']:>8.1f} {a['peak_mb']:>8.0f} | {_requests(b):>18} "
              f"{b['wall_s']:>8.1f} {b['peak_mb']:>8.0f} | {b['wall_s'] / a['wall_s']:>13.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
