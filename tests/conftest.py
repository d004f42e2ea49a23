"""Shared test fixtures: the replay server, the seed fixtures, and configs pointed at the server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed"
RECORDED = FIXTURES / "recorded"
START, END = "<!-- pubharvest:start -->", "<!-- pubharvest:end -->"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory):
    """No test sends a real key or logs in anywhere, or shares the last-checked cache with another."""
    for name in ("S2_API_KEY", "OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def replay():
    """A replay server with the seed fixtures; the test fails if a request found no recording."""
    with ReplayServer([SEED]) as server:
        yield server
    assert not server.unmatched, "\n".join(server.unmatched)


@pytest.fixture
def server():
    """A replay server with the recorded and the seed fixtures; fails the test on an unanswered request."""
    with ReplayServer([RECORDED, SEED]) as s:
        yield s
    assert not s.unmatched, s.unmatched


def source_settings(server: ReplayServer, source: str, **extra):
    """The settings dataclass of ``source`` ("arxiv", "s2", "openreview") pointed at ``server``."""
    from harvest.settings import ArxivSettings, OpenReviewSettings, S2Settings

    cls = {"arxiv": ArxivSettings, "s2": S2Settings, "openreview": OpenReviewSettings}[source]
    return cls(**{**server.sources_config()[source], **extra})


def write_config(path: Path, server: ReplayServer, *, homepage: Path | None = None, output: Path | None = None,
                 base: Path = ROOT / "config.toml", sources: dict | None = None) -> Path:
    """Write a copy of ``base`` (the repo's config by default) whose sources point at ``server``."""
    data = tomllib.loads(base.read_text(encoding="utf-8"))
    data["sources"] = server.sources_config(**(sources or {}))
    data["output"] = {"dir": str(output or path.parent / "output")}
    if homepage:
        data["output"]["homepage"] = str(homepage)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def marked_homepage(target: Path) -> Path:
    """A copy of the seed about.md with the markers around its Publications section (lists only)."""
    text = (SEED / "about.md").read_text(encoding="utf-8")
    start = text.index("### Conference Papers")
    end = text.index("\n&nbsp;", start)
    target.write_text(text[:start] + START + "\n" + text[start:end].rstrip("\n") + "\n\n" + END + "\n" + text[end:],
                      encoding="utf-8")
    return target


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` in a subprocess; returns the completed process (text mode)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def seed_copy(tmp_path):
    """A scratch copy of the seed about.md with markers."""
    return marked_homepage(tmp_path / "about.md")


__all__ = ["ROOT", "FIXTURES", "SEED", "RECORDED", "START", "END", "write_config", "marked_homepage", "run_cli",
           "shutil"]
