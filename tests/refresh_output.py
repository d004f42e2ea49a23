"""Rebuild this repository's ``config.toml`` and ``output/`` from the seed page and fixtures.

``config.toml`` is what ``python -m pipeline init`` writes from the seed homepage
(``tests/fixtures/seed/about.md``, the real page) with every source replayed from
``tests/fixtures/seed``, except that its ``homepage`` line is commented out (a run in this repository
must not rewrite a test fixture). ``output/`` is what a user's homepage repository holds after its
first run (README, "Tests and fixtures"); tests start from it. After a change to what init or a run
writes, refresh both with::

    python -m tests.refresh_output

``tests/test_init_reconcile.py`` checks that both are current.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import tomli_w

from tests.conftest import ROOT, SEED, write_config
from tests.replay import ReplayServer

HEADER = """# pubharvest configuration for Mingqing Xiao's academicpages homepage, as `python -m pipeline init`
# wrote it from the page (tests/fixtures/seed/about.md) with every source answering.
# Every key is documented in README.md, "Configuration". IDs are quoted strings.
"""


def init_args(server: ReplayServer, page: Path, config: Path) -> list[str]:
    """The arguments of ``python -m pipeline init`` for ``page`` -> ``config``, with the sources replayed by
    ``server`` (the ``--sources-from`` file is written beside ``config``)."""
    sources = config.parent / "replay-sources.toml"
    sources.write_text(tomli_w.dumps({"sources": server.sources_config()}), encoding="utf-8")
    return ["init", "--from-homepage", str(page), "--config", str(config), "--sources-from", str(sources), "--force"]


def init_config(server: ReplayServer, page: Path, config: Path) -> subprocess.CompletedProcess:
    """``python -m pipeline init --from-homepage page --config config`` (a real process) with the sources
    replayed by ``server``."""
    return subprocess.run([sys.executable, "-m", "pipeline", *init_args(server, page, config)],
                          cwd=ROOT, capture_output=True, text=True)


#: The repository's demo of every format (README, "Formats"): each written into output/.
FORMATS = """
[formats]  # every homepage and CV format, into output/ (README, "Formats"); on your site, e.g.
bibtex = "output/papers.bib"                      # al-folio: "_bibliography/papers.bib"
csl_json = "output/publications.csl.json"         # Pandoc --citeproc, Zotero
rendercv = "output/publications.rendercv.yaml"    # rendercv render output/publications.rendercv.yaml
academicpages = "output/_publications"            # academicpages: "_publications"
hugo = "output/content/publication"               # Hugo Blox: "content/publication"
"""


def repo_config_text(made: str) -> str:
    """The repository's config.toml from init's text: a header, the homepage line commented out, and
    the ``[formats]`` demo after ``[output]``."""
    body = re.sub(r'(?m)^homepage = .*\n', "", made)
    body = body.replace('dir = "output"\n', 'dir = "output"\n# homepage = "_pages/about.md"   # splice the section '
                                           'between the markers of this page\n', 1)
    body = "\n".join(line for line in body.splitlines() if not line.startswith("# Made by"))
    # init proposes the owner's S2 author from the replayed papers, whose authorIds are placeholders:
    # kept out of the repository's config, which a fresh clone runs against the real APIs.
    body = re.sub(r"(?m)^s2_author_id = .*\n", "", body)
    body = body.replace("between the markers of this page\n", "between the markers of this page\n" + FORMATS, 1)
    return HEADER + body.lstrip("\n") + "\n"


def main() -> int:
    """Write config.toml (init on the seed page) and output/ (a run of it), all sources replayed."""
    with ReplayServer([SEED]) as server, tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "about.md"
        shutil.copy(SEED / "about.md", page)
        made = Path(tmp) / "config.toml"
        done = init_config(server, page, made)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return done.returncode
        (ROOT / "config.toml").write_text(repo_config_text(made.read_text(encoding="utf-8")), encoding="utf-8")
        config = write_config(Path(tmp) / "run.toml", server, output=ROOT / "output", formats=True)
        done = subprocess.run([sys.executable, "-m", "pipeline", "run", "--refresh", "--config", str(config)],
                              cwd=ROOT, text=True)
    if server.unmatched:
        print("\n".join(server.unmatched), file=sys.stderr)
        return 1
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
