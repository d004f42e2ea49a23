"""Rebuild this repository's ``output/`` folder: the repo's own config run against the seed fixtures.

``output/`` is what a user's homepage repository holds after its first run (README, "Tests and
fixtures"); tests start from it. After a change to what a run writes, refresh it with::

    python -m tests.refresh_output
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT, SEED, write_config
from tests.replay import ReplayServer


def main() -> int:
    """Run ``python -m pipeline run --refresh`` on config.toml with every source replayed from tests/fixtures/seed."""
    with ReplayServer([SEED]) as server, tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp) / "config.toml", server, output=ROOT / "output")
        done = subprocess.run([sys.executable, "-m", "pipeline", "run", "--refresh", "--config", str(config)],
                              cwd=ROOT, text=True)
    if server.unmatched:
        print("\n".join(server.unmatched), file=sys.stderr)
        return 1
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
