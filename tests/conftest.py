"""Shared test fixtures: the replay server, the seed fixtures, and configs pointed at the server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DISCOVER = FIXTURES / "discover"
SEED = FIXTURES / "seed"
RECORDED = FIXTURES / "recorded"
START, END = "<!-- pubharvest:start -->", "<!-- pubharvest:end -->"


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class InternetUsed(AssertionError):
    """A test tried to reach a host other than the loopback replay servers."""


def _refuse_remote(original):
    def connect(self, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOOPBACK:
            raise InternetUsed(f"a test tried to connect to {address!r}; tests talk to loopback servers only")
        return original(self, address, *args, **kwargs)
    return connect


@pytest.fixture(scope="session")
def _one_certificate(tmp_path_factory) -> str:
    """A CA file with one certificate (the first of certifi's). Tests speak plain HTTP to loopback;
    httpx, which the semanticscholar package builds anew for every request, spends 20 ms reading
    certifi's 150 certificates each time, 4 ms reading one."""
    import certifi

    text = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    path = tmp_path_factory.mktemp("ca") / "one.pem"
    path.write_text(text[text.index("-----BEGIN CERTIFICATE-----"):text.index(end) + len(end)] + "\n", encoding="ascii")
    return str(path)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory, _one_certificate):
    """No test sends a real key or logs in anywhere, shares the last-checked cache with another, or
    reaches the internet: in this process a connection to any host but loopback raises InternetUsed;
    in a subprocess every HTTP client (requests, httpx) is sent to a proxy that does not exist."""
    for name in ("S2_API_KEY", "OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost,::1")
    monkeypatch.setattr(socket.socket, "connect", _refuse_remote(socket.socket.connect))
    monkeypatch.setenv("SSL_CERT_FILE", _one_certificate)


@pytest.fixture
def replay():
    """A replay server with the seed fixtures (and the owner's author queries, which a config made by
    init asks: it proposes the owner's S2 author); the test fails if a request found no recording."""
    with ReplayServer([SEED, DISCOVER]) as server:
        yield server
    assert not server.unmatched, "\n".join(server.unmatched)


@pytest.fixture
def server():
    """A replay server with the recorded and the seed fixtures; fails the test on an unanswered request."""
    with ReplayServer([RECORDED, SEED]) as s:
        yield s
    assert not s.unmatched, s.unmatched


def source_settings(server: ReplayServer, source: str, **extra):
    """The settings dataclass of ``source`` ("arxiv", "s2", "openreview", "crossref") pointed at ``server``."""
    from harvest.settings import ArxivSettings, CrossrefSettings, OpenReviewSettings, S2Settings

    cls = {"arxiv": ArxivSettings, "s2": S2Settings, "openreview": OpenReviewSettings,
           "crossref": CrossrefSettings}[source]
    return cls(**{**server.sources_config()[source], **extra})


def write_config(path: Path, server: ReplayServer, *, homepage: Path | None = None, output: Path | None = None,
                 base: Path = ROOT / "config.toml", sources: dict | None = None, formats: bool = False) -> Path:
    """Write a copy of ``base`` (the repo's config by default) whose sources point at ``server``.
    ``formats``: keep its ``[formats]`` (moved into ``output``); by default they are left out, as the
    tests of the section, CSV and JSON do not need them (tests/test_formats.py tests them)."""
    data = tomllib.loads(base.read_text(encoding="utf-8"))
    data["sources"] = server.sources_config(**(sources or {}))
    data["output"] = {"dir": str(output or path.parent / "output")}
    if not formats:
        data.pop("formats", None)
    for name, target in (data.get("formats") or {}).items():  # the demo's output/... paths, into this output
        if isinstance(target, str) and target.startswith("output/"):
            data["formats"][name] = str(Path(data["output"]["dir"]) / target[len("output/"):])
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


def run_main(*args: str) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` in this process (``pipeline.cli.main``), its printed output captured:
    the same code path as :func:`run_cli` without a new interpreter's start-up. Log records go to the
    logging handlers, not into ``stderr``."""
    import contextlib
    import io

    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["python", "-m", "pipeline", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def seed_copy(tmp_path):
    """A scratch copy of the seed about.md with markers."""
    return marked_homepage(tmp_path / "about.md")


__all__ = ["ROOT", "FIXTURES", "DISCOVER", "SEED", "RECORDED", "START", "END", "write_config", "marked_homepage", "run_cli",
           "run_main",
           "shutil"]
