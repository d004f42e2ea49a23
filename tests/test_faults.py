"""Fault injection: whatever a source answers, the run ends in time, the section keeps every paper,
the summary names the fault, and the exit code is the documented one (4: stored records used)."""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest

from pipeline.cli import main
from pipeline.homepage import parse_publications
from tests.conftest import RECORDED, ROOT, SEED, write_config
from tests.replay import Fault, ReplayServer

PREFIX = {"arxiv": "/arxiv/", "s2": "/s2/", "openreview": "/or", "crossref": "/crossref/"}
NAME = {"arxiv": "arXiv", "s2": "Semantic Scholar", "openreview": "OpenReview", "crossref": "Crossref"}


def error_body(source: str, status: int) -> bytes:
    if source == "arxiv":
        return (RECORDED / "arxiv" / "id_abc_error_http400.xml").read_bytes()
    if source == "crossref":  # its recorded 400 (JSON validation failure) and 404 (plain text); else text
        if status == 400:
            return (RECORDED / "crossref" / "works_validation_failure_400.json").read_bytes()
        return (RECORDED / "crossref" / "work_404_10.1371_notarealdoi.txt").read_bytes() if status == 404 else \
            f"HTTP {status}".encode()
    if source == "s2":
        key = "error" if status in (400, 404) else "message"
        return json.dumps({key: f"status {status}"}).encode()
    return json.dumps({"name": "Error", "message": f"status {status}", "status": status}).encode()


def malformed(source: str) -> bytes:
    if source == "crossref":
        return b'{"status": "ok", "message-type": "work-list", "message": {"items": [{"DOI": '
    return b"<?xml version='1.0'?><feed><entry><id>http://arxiv" if source == "arxiv" else b'{"notes": [{"id": '


# (fault name, Fault factory, what the summary must say)
FAULTS = [
    *[(f"http{status}", lambda src, s=status: Fault(status=s, body=error_body(src, s)), rf"HTTP {status}")
      for status in (400, 401, 403, 500, 502, 503, 504)],
    ("http429", lambda src: Fault(status=429, body=error_body(src, 429)), r"HTTP 429"),
    ("http429-retry-after", lambda src: Fault(status=429, body=error_body(src, 429), headers={"Retry-After": "0"}),
     r"HTTP 429"),
    ("timeout", lambda src: Fault(delay_s=0.8), r"no answer within 0\.2 s"),
    ("dropped", lambda src: Fault(drop=True), r"could not connect|broke off"),
    ("truncated", lambda src: Fault(truncate=True), r"broke off|malformed|cut-off|not its JSON"),
    ("malformed", lambda src: Fault(status=200, body=malformed(src)), r"malformed|not its JSON"),
    ("empty-200", lambda src: Fault(status=200, body=b""), r"malformed|not its JSON|empty"),
    # a proxy's or CDN's page instead of the API's answer (captive portal, "Just a moment...")
    ("html-200", lambda src: Fault(status=200, body=b"<!DOCTYPE html><html><head><title>Just a moment...</title>"
                                                   b"</head><body>Checking your browser</body></html>",
                                   headers={"Content-Type": "text/html; charset=UTF-8"}),
     r"malformed|not its JSON|<html>, not an Atom feed"),
]


def run_with(tmp_path, capsys, server: ReplayServer, *, deadline_s: float = 30, ids_only: bool = False,
             forget: tuple[str, str] | None = None, **source_overrides):
    """Run the repo's config against ``server`` on a copy of its output; ``forget``: (source, ID) of a
    record to remove from the copied stored harvest first."""
    shutil.copytree(ROOT / "output", tmp_path / "output", dirs_exist_ok=True)
    if forget:
        path = tmp_path / "output" / "harvest.json"
        stored = json.loads(path.read_text(encoding="utf-8"))
        del stored["sources"][forget[0]][forget[1]]
        path.write_text(json.dumps(stored), encoding="utf-8")
    overrides = {name: {"max_tries": 2, "timeout_s": 0.2, "backoff_s": 0.01, **source_overrides.get(name, {})}
                 for name in ("arxiv", "s2", "openreview", "crossref")}
    base = ROOT / "config.toml"
    if ids_only:  # without the page's wording kept by init: every field comes from the sources
        base = tmp_path / "ids-only.toml"
        base.write_text("\n".join(line for line in (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
                                  if "# sources:" not in line) + "\n", encoding="utf-8")
    config = write_config(tmp_path / "config.toml", server, output=tmp_path / "output", sources=overrides, base=base)
    text = config.read_text(encoding="utf-8") + f"\n[run]\ndeadline_s = {deadline_s}\n"
    config.write_text(text, encoding="utf-8")
    start = time.monotonic()
    code = main(["run", "--config", str(config)])
    elapsed = time.monotonic() - start
    return code, capsys.readouterr().out, elapsed


def assert_section_kept(tmp_path):
    now = (tmp_path / "output" / "publications.md").read_bytes()
    assert now == (ROOT / "output" / "publications.md").read_bytes()
    assert len(parse_publications(now.decode("utf-8"))) == 14


@pytest.mark.parametrize("source", ["arxiv", "s2", "openreview", "crossref"])
@pytest.mark.parametrize("fault, make, says", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault(tmp_path, capsys, source, fault, make, says):
    with ReplayServer([SEED]) as server:
        server.faults[PREFIX[source]] = make(source)
        code, out, elapsed = run_with(tmp_path, capsys, server)
    assert code == 4, out
    line = next(l for l in out.splitlines() if l.startswith(NAME[source] + ":"))
    if source == "s2" and fault in ("http401", "http502", "http503"):
        says = r"without a paper list \(an error page, or an HTTP status such as 401, 502 or 503"  # the
        # semanticscholar package hides these statuses; we say what we can
    assert re.search(says, line), line
    assert "stale" in line and elapsed < 30
    assert_section_kept(tmp_path)


NOT_FOUND_FAULTS = {
    "arxiv": Fault(status=200, body=(RECORDED / "arxiv" / "id_0000.0000_empty.xml").read_bytes()),
    "s2": Fault(status=200, body=json.dumps([None] * 13).encode()),
    "openreview": Fault(status=404, body=json.dumps({"name": "NotFoundError", "message": "Not Found",
                                                      "status": 404}).encode()),
}


@pytest.mark.parametrize("source, count", [("arxiv", 8), ("s2", 13), ("openreview", 4)])
def test_source_that_suddenly_finds_nothing_keeps_the_stored_records(tmp_path, capsys, source, count):
    # An empty arXiv feed for valid IDs, an S2 batch of nulls, OpenReview NotFoundError on both APIs.
    with ReplayServer([SEED]) as server:
        server.faults[PREFIX[source]] = NOT_FOUND_FAULTS[source]
        code, out, _ = run_with(tmp_path, capsys, server)
    assert code == 4
    assert f"{count} not found" in out and f"{NAME[source]} no longer finds" in out
    assert_section_kept(tmp_path)


def test_the_run_deadline_stops_fetching_and_emits_what_it_has(tmp_path, capsys):
    with ReplayServer([SEED]) as server:
        for prefix in PREFIX.values():
            server.faults[prefix] = Fault(delay_s=2.0)
        code, out, elapsed = run_with(tmp_path, capsys, server, deadline_s=0.5,
                                      arxiv={"timeout_s": 10}, s2={"timeout_s": 10}, openreview={"timeout_s": 10})
    assert code == 4 and elapsed < 0.5 + 1.0, (elapsed, out)  # ends by the deadline (+ 1 s)
    # the three sources are asked side by side, so each one's timeout is cut to the deadline
    for name in ("arXiv", "OpenReview", "Semantic Scholar"):
        line = next(l for l in out.splitlines() if l.startswith(name + ":"))
        assert "(timeout_s = 10, cut to the run's deadline)" in line, line
    assert_section_kept(tmp_path)


def test_hostile_metadata_comes_out_inert(tmp_path, capsys):
    batch = json.loads((SEED / "s2" / "paper_batch_seed.json").read_text(encoding="utf-8"))
    frontiers = batch[7]
    frontiers["title"] = "<script>alert(1)</script> [x](javascript:alert(1)) *b* " + "L" * 3000
    frontiers["authors"][0]["name"] = "=HYPERLINK(\"http://evil\")\x07"
    frontiers["venue"] = "{{ site.data.secret }} {% include evil.html %} <b>Journal</b>"
    frontiers["publicationVenue"] = frontiers["journal"] = None
    with ReplayServer([SEED]) as server:
        server.faults["/s2/"] = Fault(status=200, body=json.dumps(batch).encode())
        # Crossref off and its stored record forgotten, so that S2's text is what shows for the Frontiers
        # article (Crossref's would win)
        code, out, _ = run_with(tmp_path, capsys, server, ids_only=True, crossref={"enabled": False},
                                forget=("crossref", "10.3389/fnins.2023.1303564"))
    assert code == 0, out
    md = (tmp_path / "output" / "publications.md").read_text(encoding="utf-8")
    assert "{{" not in md and "{%" not in md and "<script>" not in md and "<b>" not in md
    assert "[x](javascript" not in md and "\x07" not in md
    entry = next(e for e in parse_publications(md) if "script" in e.title)
    assert entry.title.startswith("<script>alert(1)</script> [x](javascript:alert(1)) *b* LLL")
    assert entry.venue == "{{ site.data.secret }} {% include evil.html %} <b>Journal</b>, 2024"
    assert "&#123;&#123; site.data.secret &#125;&#125; &#123;% include evil.html %&#125; &lt;b&gt;Journal&lt;/b&gt;" in md
    csv_text = (tmp_path / "output" / "publications.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    assert entry.section == "Journal Papers"  # the venue's own word "Journal" gives its kind
