"""Refresh benchmark: pubharvest's batched fetch against a naive one-ID-at-a-time baseline.

    python benchmarks/refresh.py                      # N = 14, 100, 500, 2000 with the real rules
    python benchmarks/refresh.py --time-scale 0.05    # every delay and latency x0.05, for a quick run
    python benchmarks/refresh.py --sizes 2000 --no-baseline   # ours against the floor only
    python benchmarks/refresh.py --hung arxiv --sizes 14      # arXiv never answers; deadline_s = 30

Both sides run through the same client libraries (``arxiv``, ``semanticscholar``, ``requests``)
against a loopback server (benchmarks/synthetic.py) that adds ``--latency-s`` to every answer, with
the APIs' politeness rules: arXiv one request every 3 s, Semantic Scholar and OpenReview one per
second. ``--time-scale`` multiplies the latency and every politeness delay; request counts do not
depend on it. Each measurement runs in its own process, so peak memory (max RSS) is its own.
Prints one row per N: the floor (the slowest source's politeness and latency alone, from the requests
ours sent), requests per source, wall-clock seconds and peak MB for each side, ours/floor and
baseline/ours.
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


#: Seconds between two requests of a source under the real rules (README, [sources.*] delay_s).
DELAYS = {"arxiv": 3.0, "s2": 1.0, "openreview": 1.0, "crossref": 0.5}


def floor_s(counts: dict[str, int], latency_s: float, scale: float) -> float:
    """The slowest source alone: its requests one after another, each start at least its delay after
    the previous one and after the previous answer (one connection), the last answer's latency
    included. OpenReview's API 2 and API 1 requests share one gate."""
    per_source = {"arxiv": counts.get("arxiv", 0), "s2": counts.get("s2", 0),
                  "openreview": counts.get("or2", 0) + counts.get("or1", 0), "crossref": counts.get("crossref", 0)}
    latency = latency_s * scale
    return max(((k - 1) * max(DELAYS[s] * scale, latency) + latency) if k else 0.0 for s, k in per_source.items())


def ours(n: int, latency_s: float, scale: float, *, hung: tuple[str, ...] = (), deadline_s: float = 100000) -> dict:
    from pipeline import config as config_module
    from pipeline.run import run

    with SyntheticServer(latency_s * scale, hung=hung) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = tmp  # no freshness from earlier runs
        path = Path(tmp) / "config.toml"
        text = config_text(n, server.base_url, scale=scale, output_dir=str(Path(tmp) / "out"))
        path.write_text(text.replace("deadline_s = 100000", f"deadline_s = {deadline_s:g}"))
        start = time.monotonic()
        report = run(config_module.load(path), refresh=True, started=start)
        wall = time.monotonic() - start
        found = {s: r.found for s, r in report.sources.items() if s != "crossref"}
        found_crossref = report.sources["crossref"].found
        errors = {s: str(r.error) for s, r in report.sources.items() if r.error}
        return {"requests": dict(server.counts), "wall_s": wall, "peak_mb": _peak_mb(), "found": found,
                "found_crossref": found_crossref, "errors": errors}


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


def hung_source(n: int, latency_s: float, scale: float, source: str, deadline_s: float) -> int:
    """One source accepts every request and never answers; print what each source did and when the run ended."""
    prefixes = {"arxiv": ("arxiv",), "s2": ("s2",), "openreview": ("or2", "or1")}[source]
    result = ours(n, latency_s, scale, hung=prefixes, deadline_s=deadline_s)
    print(f"hung {source}, deadline_s = {deadline_s:g}, N = {n}: run ended after {result['wall_s']:.1f} s "
          f"(deadline {result['wall_s'] - deadline_s:+.1f} s)")
    for name in ("arxiv", "openreview", "s2", "crossref"):
        sent = sum(result["requests"].get(p, 0) for p in {"arxiv": ("arxiv",), "s2": ("s2",), "crossref": ("crossref",),
                                                           "openreview": ("or2", "or1")}[name])
        found = result["found_crossref"] if name == "crossref" else result["found"][name]
        what = f"answered: {found} of {n} found" if name not in result["errors"] else f"cut: {result['errors'][name]}"
        print(f"  {name}: {sent} requests sent; {what}")
    others = [s for s in ("arxiv", "openreview", "s2") if s != source]
    slack = 1.0 + n / 1000  # after the deadline the run still merges and writes: about 0.5 s per 1,000 papers
    ok = (all(result["found"][s] == n for s in others) and result["found_crossref"] == n
          and result["wall_s"] <= deadline_s + slack)
    print("  healthy sources (Crossref with the DOIs S2 names) all answered and the run ended by the deadline "
          f"(+ {slack:g} s to merge and write): " + ("yes" if ok else "NO"))
    return 0 if ok else 1


def _requests(r: dict) -> str:
    c = r["requests"]
    return f"{c.get('arxiv', 0)}/{c.get('s2', 0)}/{c.get('or2', 0) + c.get('or1', 0)}/{c.get('crossref', 0)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="14,100,500,2000", help="comma-separated numbers of papers")
    parser.add_argument("--latency-s", type=float, default=0.2, help="seconds added to every answer (default 0.2)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiply latency and politeness delays by this (default 1: the real rules)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-ID baseline (hours at N = 2,000)")
    parser.add_argument("--hung", choices=("arxiv", "s2", "openreview"),
                        help="instead: one run in which this source never answers, with --deadline-s")
    parser.add_argument("--deadline-s", type=float, default=30.0, help="the run's deadline for --hung (default 30)")
    parser.add_argument("--one", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = (ours if args.one == "ours" else baseline)(args.n, args.latency_s, args.time_scale)
        print(json.dumps(result))
        return 0
    if args.hung:
        return hung_source(int(args.sizes.split(",")[0]), args.latency_s, args.time_scale, args.hung, args.deadline_s)
    print(f"latency {args.latency_s} s per answer, politeness arXiv 3 s / S2 1 s / OpenReview 1 s / Crossref 0.5 s (the baseline asks no Crossref), "
          f"time scale {args.time_scale:g}; requests are arXiv/S2/OpenReview/Crossref; floor: the slowest source alone")
    print(f"{'N':>5} | {'floor s':>7} | {'ours: requests':>15} {'wall s':>8} {'peak MB':>8} {'ours/floor':>10} | "
          f"{'baseline: requests':>18} {'wall s':>8} {'peak MB':>8} | {'baseline/ours':>13}")
    for n in (int(x) for x in args.sizes.split(",")):
        a = measure("ours", n, args.latency_s, args.time_scale)
        floor = floor_s(a["requests"], args.latency_s, args.time_scale)
        row = (f"{n:>5} | {floor:>7.1f} | {_requests(a):>15} {a['wall_s']:>8.1f} {a['peak_mb']:>8.0f} "
               f"{a['wall_s'] / floor:>10.2f} | ")
        found = {s: a["found"].get(s) for s in ("arxiv", "s2", "openreview")}
        assert found == {"arxiv": n, "s2": n, "openreview": n}, a["found"]
        if args.no_baseline:
            print(row + f"{'-':>18} {'-':>8} {'-':>8} | {'-':>13}", flush=True)
            continue
        b = measure("baseline", n, args.latency_s, args.time_scale)
        assert {s: b["found"].get(s) for s in found} == found, (a["found"], b["found"])
        print(row + f"{_requests(b):>18} {b['wall_s']:>8.1f} {b['peak_mb']:>8.0f} | {b['wall_s'] / a['wall_s']:>13.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
