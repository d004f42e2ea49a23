"""Offline-run benchmark: ``python -m pipeline run --offline`` on a config of N papers with a stored
harvest of N arXiv, N S2 and N/2 OpenReview records (target: 20,000 papers in under 5 s on 2 cores).

    python benchmarks/offline_run.py               # N = 20,000, median of 3 runs
    python benchmarks/offline_run.py --sizes 1000 20000 --runs 5
    python benchmarks/offline_run.py --formats      # also every [formats] output (BibTeX, CSL-JSON,
                                                    # RenderCV, N collection files, N Hugo bundles)

The stored harvest is built by the real ``to_record`` mappings from real-shaped payloads
(benchmarks/synthetic.py) and written by ``pipeline.store.dump``, as a run writes it. Each
measurement is the whole command in its own process (start-up, config check, reading the stored
harvest, merge, rendering, atomic writes): a first run writes every file ("first"), a later one
finds nothing changed ("again"). Printed as median seconds and as a ratio to the 5 s target, with
the start-up floor (``python -m pipeline --help``) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGET_S = 5.0


FORMATS = """
[formats]
bibtex = "out/papers.bib"
csl_json = "out/publications.csl.json"
rendercv = "out/publications.rendercv.yaml"
academicpages = "out/_publications"
hugo = "out/content/publication"
"""


def prepare(n: int, folder: Path, formats: bool = False) -> Path:
    """Write ``folder/config.toml`` for papers 0..n-1 and ``folder/out/harvest.json``; returns the config.
    ``formats``: the config also writes every format into ``folder/out``."""
    from benchmarks.merge_emit import build
    from benchmarks.synthetic import config_text
    from pipeline import store

    _, harvest = build(n + n // 4)  # build() lists 20% of its N twice; keep n distinct papers
    out = folder / "out"
    out.mkdir()
    records = {source: dict(list(by_id.items())[: n if source != "openreview" else (n + 1) // 2])
               for source, by_id in harvest.records.items()}
    (out / "harvest.json").write_bytes(store.dump(records))
    config = folder / "config.toml"
    text = config_text(n, "http://127.0.0.1:9", scale=0.0, output_dir=str(out))
    if formats:  # a top-level table: before the first [[paper]]
        at = text.index("[[paper]]")
        text = text[:at] + FORMATS.lstrip("\n") + "\n" + text[at:]
    config.write_text(text, encoding="utf-8")
    return config


def timed(args: list[str], env: dict, before=None) -> tuple[float, subprocess.CompletedProcess]:
    if before:
        before()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env,
                          cwd=HERE.parent)
    return time.perf_counter() - start, done


def median_of(runs: int, args: list[str], env: dict, before=None) -> float:
    """The median wall-clock seconds of ``runs`` runs; raises RuntimeError when one fails."""
    times = []
    for _ in range(runs):
        seconds, done = timed(args, env, before)
        if done.returncode != 0:
            raise RuntimeError(f"exit {done.returncode}: {done.stderr[-2000:]}")
        times.append(seconds)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed")
    parser.add_argument("--formats", action="store_true", help="also write every [formats] output")
    options = parser.parse_args()
    sizes, runs = options.sizes, options.runs
    print(f"{'N':>7} {'floor s':>8} {'first s':>8} {'again s':>8} {'first/target':>13} {'again/target':>13}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            config = prepare(n, Path(tmp), options.formats)
            env = {**os.environ, "XDG_CACHE_HOME": tmp}
            floor = median_of(runs, ["--help"], env)
            out = Path(tmp) / "out"

            def fresh_outputs() -> None:  # a first run: only the stored harvest is there
                for name in ("publications.md", "publications.csv", "publications.json", "papers.bib",
                             "publications.csl.json", "publications.rendercv.yaml", "owned.json"):
                    (out / name).unlink(missing_ok=True)
                for folder in ("_publications", "content"):
                    shutil.rmtree(out / folder, ignore_errors=True)

            command = ["run", "--offline", "--config", str(config)]
            try:
                first = median_of(runs, command, env, fresh_outputs)
                again = median_of(runs, command, env)  # nothing changed since the last run
            except RuntimeError as exc:
                print(exc, file=sys.stderr)
                return 1
            print(f"{n:>7} {floor:>8.2f} {first:>8.2f} {again:>8.2f} {first / TARGET_S:>13.2f} "
                  f"{again / TARGET_S:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
