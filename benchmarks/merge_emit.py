"""Merge-and-emit benchmark: 10,000 synthetic papers (20% listed twice), time and peak memory.

    python benchmarks/merge_emit.py                 # N = 5,000, 10,000, 20,000
    python benchmarks/merge_emit.py --sizes 10000

Each paper has an arXiv, an S2 and (every other one) an OpenReview record built by the real
``to_record`` mappings from real-shaped payloads; 20% of the entries repeat another paper's title
and authors under other IDs, which the look-alike check must find without comparing all pairs.
Measures merge + Markdown + CSV + JSON rendering (no network, no disk), in its own process per N.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build(n: int):
    import arxiv
    from datetime import datetime, timezone

    from benchmarks.synthetic import arxiv_id, authors, forum_id, or_note, s2_paper, title
    from harvest import arxiv_source, openreview_source, s2_source
    from pipeline.config import Config, Entry, Owner, OutputConfig
    from pipeline.merge import Harvest

    harvest = Harvest()
    entries = []
    when = datetime(2024, 1, 10, tzinfo=timezone.utc)
    duplicates = n // 5
    for i in range(n - duplicates):
        result = arxiv.Result(entry_id=f"http://arxiv.org/abs/{arxiv_id(i)}v1", updated=when, published=when,
                              title=title(i), authors=[arxiv.Result.Author(a) for a in authors(i)])
        harvest.records["arxiv"][arxiv_id(i)] = arxiv_source.to_record(result, fetched_at="2026-11-30T00:00:00Z")
        harvest.records["s2"][f"ARXIV:{arxiv_id(i)}"] = s2_source.to_record(
            s2_paper(i), requested_id=f"ARXIV:{arxiv_id(i)}", fetched_at="2026-11-30T00:00:00Z")
        forums = ()
        if i % 2 == 0:
            harvest.records["openreview"][forum_id(i)] = openreview_source.to_record(
                or_note(i, 2), api=2, fetched_at="2026-11-30T00:00:00Z")
            forums = (forum_id(i),)
        entries.append(Entry(key=f"p{i}", index=len(entries), arxiv=(arxiv_id(i),), openreview=forums))
    for j in range(duplicates):  # the same paper again, by hand, under a DOI
        i = (j * 7) % (n - duplicates)
        entries.append(Entry(key=f"dup{j}", index=len(entries), doi=(f"10.5555/dup.{j}",), title=title(i),
                             authors=tuple(authors(i)), venue="NeurIPS", year=2024))
    config = Config(path=Path("bench.toml"), owner=Owner(name="Mingqing Xiao"), output=OutputConfig(dir=Path("out")),
                    papers=tuple(entries))
    return config, harvest


def one(n: int) -> dict:
    from pipeline import emit
    from pipeline.merge import merge
    from pipeline.venues import default_table

    config, harvest = build(n)
    import pandas  # noqa: F401  (loaded before timing: a run pays for it once, whatever N)

    def once():
        result = merge(config, harvest, default_table())
        merged = time.perf_counter()
        section = emit.render_section(result.publications)
        data = emit.render_csv(result.publications)
        text = emit.render_json(result.publications)
        return result, merged, len(section) + len(data) + len(text)

    start = time.perf_counter()  # timed pass: caches cold, as in a real run
    result, merged, size = once()
    end = time.perf_counter()
    for cached in (f for f in vars(sys.modules["pipeline.text"]).values() if hasattr(f, "cache_clear")):
        cached.cache_clear()
    for cached in (f for f in vars(sys.modules["pipeline.venues"]).values() if hasattr(f, "cache_clear")):
        cached.cache_clear()
    tracemalloc.start()  # memory pass: tracemalloc slows Python down, so it is not timed
    once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    look_alikes = sum("nearly the same title" in w for w in result.warnings)
    return {"n": n, "merge_s": merged - start, "emit_s": end - merged, "total_s": end - start,
            "peak_mb": peak / 2**20, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "look_alikes": look_alikes, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,10000,20000", help="comma-separated numbers of entries")
    parser.add_argument("--repeat", type=int, default=3, help="runs per N, each in a new process; the median is shown")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    print("peak MB: Python allocations during merge and emit (tracemalloc); max RSS: the whole process, "
          "pandas and the built input included")
    print(f"{'N':>6} {'merge s':>8} {'emit s':>8} {'total s':>8} {'peak MB':>8} {'max RSS':>8} {'look-alikes':>11}")
    previous = None
    for n in (int(x) for x in args.sizes.split(",")):
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = sorted(runs, key=lambda run: run["total_s"])[len(runs) // 2]
        growth = f"  x{r['total_s'] / previous:.2f} time for x2 N" if previous else ""
        print(f"{n:>6} {r['merge_s']:>8.2f} {r['emit_s']:>8.2f} {r['total_s']:>8.2f} {r['peak_mb']:>8.1f} "
              f"{r['rss_mb']:>8.0f} {r['look_alikes']:>11}{growth}", flush=True)
        previous = r["total_s"]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
