"""discover: the owner's papers config does not list, from the author queries replayed through the
real clients (S2's author papers, OpenReview's profile notes on API 2 and API 1, arXiv's name query),
with the seed's 14-paper config and its stored harvest; lab pages with several owners."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from harvest.records import SourceRecord
from pipeline.config import load
from pipeline.reconcile import propose_identities
from tests.conftest import DISCOVER, ROOT, SEED, run_main
from tests.replay import Fault, ReplayServer

MANIFEST = json.loads((DISCOVER / "manifest.json").read_text(encoding="utf-8"))
OWNER_S2 = MANIFEST["interactions"][0]["path"].split("/")[5]
NEW = {"Fixture Paper One: Online Plasticity for Spiking Networks",
       "Fixture Paper Two: Equilibrium Training Revisited",
       "Fixture Paper Three: A Preprint Only arXiv Knows"}


def _site(tmp_path: Path, server: ReplayServer, edit=None) -> Path:
    """The repository's config (no formats) with the owner's IDs, its stored harvest, sources at ``server``."""
    (tmp_path / "output").mkdir(exist_ok=True)
    shutil.copy(ROOT / "output" / "harvest.json", tmp_path / "output" / "harvest.json")
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data.pop("formats", None)
    data["owner"].update(s2_author_id=OWNER_S2, openreview_id="~Mingqing_Xiao1")
    data["output"] = {"dir": "output"}
    data["sources"] = server.sources_config()
    if edit:
        edit(data)
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def discover_server():
    with ReplayServer([SEED, DISCOVER]) as server:
        yield server
    assert not server.unmatched, server.unmatched


def _titles(out: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^  \d+\. (.+?)(?: \([^()]*\))?$", out, re.M)}


def test_discover_lists_exactly_the_new_papers_and_no_namesake(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    done = run_main("discover", "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _titles(done.stdout) == NEW
    assert "3 papers of yours are not listed in config.toml" in done.stdout
    # the namesake (no shared co-author), the rejected submission, the listed papers and the preprint of a
    # paper listed by its DOI only (same title) are not new
    assert "Soil Microbiomes" not in done.stdout and "Rejected Submission" not in done.stdout
    assert "Sampling complex topology" not in done.stdout
    one = done.stdout[done.stdout.index("Fixture Paper One"):]
    assert "arxiv 2405.10001, doi 10.5555/fixture.pubharvest.n1" in one.split("\n")[2]
    assert "found by arxiv:Mingqing Xiao, s2:" in one.split("\n")[2]  # one paper from two queries
    # one S2 author page (up to 1,000 papers), one OpenReview query per API, one arXiv query
    assert [discover_server.requests_to(p) for p in ("s2", "or2", "or1", "arxiv")] == [1, 1, 1, 1]
    stored = json.loads((tmp_path / "output" / "discovered.json").read_text(encoding="utf-8"))
    assert sorted(stored["queries"]) == ["arxiv:Mingqing Xiao", f"s2:{OWNER_S2}", "openreview:~Mingqing_Xiao1"] \
        or set(stored["queries"]) == {"arxiv:Mingqing Xiao", f"s2:{OWNER_S2}", "openreview:~Mingqing_Xiao1"}

    again = run_main("discover", "--config", str(config))  # fresh answers: nothing asked again
    assert _titles(again.stdout) == NEW and "fresh, not asked again" in again.stdout
    assert [discover_server.requests_to(p) for p in ("s2", "or2", "or1", "arxiv")] == [1, 1, 1, 1]


def test_add_appends_the_papers_and_keeps_the_config_text(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    before = config.read_text(encoding="utf-8")
    done = run_main("discover", "--add", "--config", str(config))
    assert done.returncode == 0 and "added 3 [[paper]] tables" in done.stdout
    after = config.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n") + "\n\n[[paper]]\n# found by discover")
    loaded = load(config)
    added = {e.key: e for e in loaded.papers[14:]}
    assert len(loaded.papers) == 17
    assert {e.arxiv for e in added.values()} == {("2405.10001",), ("2409.10003",), ()}
    assert any(e.openreview == ("FixtureN2a1",) for e in added.values())
    assert any(e.doi == ("10.5555/fixture.pubharvest.n1",) for e in added.values())
    again = run_main("discover", "--offline", "--config", str(config))
    assert "Every paper of yours that the sources know is listed" in again.stdout


def test_a_failed_author_query_changes_nothing_and_is_reported(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    assert run_main("discover", "--config", str(config)).returncode == 0
    stored = (tmp_path / "output" / "discovered.json").read_bytes()
    discover_server.faults["/s2/graph/v1/author/"] = Fault(status=503, body=b"busy")
    done = run_main("discover", "--refresh", "--config", str(config))
    assert done.returncode == 4
    assert re.search(r"Semantic Scholar author \d+: failed \(s2: .*503.*\); its answer of \d{4}-\d\d-\d\d stands in",
                     done.stdout)
    assert _titles(done.stdout) == NEW  # the stored answer stood in
    kept = json.loads((tmp_path / "output" / "discovered.json").read_text(encoding="utf-8"))
    assert kept["queries"][f"s2:{OWNER_S2}"] == json.loads(stored)["queries"][f"s2:{OWNER_S2}"]


def test_every_run_says_how_many_are_not_listed_and_add_true_adds_them(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    summary = tmp_path / "summary.md"
    done = run_main("run", "--config", str(config), "--summary-md", str(summary))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "discover: 3 papers of yours are not listed in config.toml:" in done.stdout
    assert "discover: Add them: python -m pipeline discover --add" in done.stdout
    markdown = summary.read_text(encoding="utf-8")
    assert "### Not listed yet" in markdown and "3 papers of yours are not listed" in markdown
    assert "- Fixture Paper Two: Equilibrium Training Revisited (ICLR 2025 Poster, 2025)" in markdown
    listed = run_main("paths", "--config", str(config)).stdout.split("\n")
    assert str(tmp_path / "output" / "discovered.json") in listed and str(config) not in listed

    def add(data):
        data["discover"] = {"add": True}
    other = tmp_path / "later"
    other.mkdir()
    config = _site(other, discover_server, add)
    assert str(config) in run_main("paths", "--config", str(config)).stdout.split("\n")
    done = run_main("run", "--config", str(config))
    assert "discover: added 3 paper(s) of yours to the config ([discover] add = true)" in done.stdout
    assert len(load(config).papers) == 17


def test_init_proposes_the_owners_s2_author(tmp_path, replay):
    from tests.refresh_output import init_args
    from pipeline.cli import main

    page = tmp_path / "about.md"
    shutil.copy(SEED / "about.md", page)
    made = tmp_path / "config.toml"
    assert main(init_args(replay, page, made)) == 0
    text = made.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("s2_author_id"))
    assert line.startswith(f's2_author_id = "{OWNER_S2}"  # proposed by init: 10 of your papers name this')
    assert "openreview_id" not in text  # the seed's notes carry no authorids: nothing to propose
    assert load(made).owner.s2_author_id == OWNER_S2


def _record(source, ids, authors=("Mingqing Xiao", "Zhouchen Lin")):
    return SourceRecord(source=source, requested_id="x", source_id="x", fetched_at="2026-12-01T00:00:00Z",
                        authors=authors, author_ids=ids)


def test_identities_are_proposed_only_when_the_papers_agree():
    agree = [_record("s2", ("11", "22")), _record("s2", ("11", "33")), _record("openreview", ("~Mingqing_Xiao1", "~Z1"))]
    assert propose_identities(agree, "Mingqing Xiao") == {"s2_author_id": ("11", 2),
                                                           "openreview_id": ("~Mingqing_Xiao1", 1)}
    split = agree + [_record("s2", ("99", "22"))]  # S2 keeps the owner as two authors: propose none
    assert "s2_author_id" not in propose_identities(split, "Mingqing Xiao")
    email = [_record("openreview", ("xiao@example.edu", "~Z1"))]  # an email is no profile
    assert propose_identities(email, "Mingqing Xiao") == {}


LAB = [{"name": "Qingyan Meng"}, {"name": "Mingqing Xiao"}, {"name": "Zhouchen Lin", "variants": ["Z. Lin"]}]


def test_a_lab_of_three_lists_each_shared_paper_once_with_every_member_bold(tmp_path):
    (tmp_path / "output").mkdir()
    shutil.copy(ROOT / "output" / "harvest.json", tmp_path / "output" / "harvest.json")
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data.pop("formats", None)
    data["owner"] = LAB
    data["sections"] = {"group": "member"}
    data["output"] = {"dir": "output"}
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    done = run_main("run", "--offline", "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    section = (tmp_path / "output" / "publications.md").read_text(encoding="utf-8")
    assert [line for line in section.splitlines() if line.startswith("### ")] == [
        "### Qingyan Meng", "### Mingqing Xiao"]  # Zhouchen Lin's papers all have an earlier member
    assert section.count("**Towards Memory") == 1  # Meng, Xiao, ..., Lin: one entry
    entry = section[section.index("**Towards Memory"):].split("\n")[1]
    assert "**Qingyan Meng**, **Mingqing Xiao**" in entry and "**Zhouchen Lin**" in entry
    assert len(re.findall(r"(?m)^\d+\. \*\*", section)) == 14
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO((tmp_path / "output" / "publications.csv").read_text()))}
    assert rows["meng2023towards"]["members"] == "Qingyan Meng; Mingqing Xiao; Zhouchen Lin"
    meng = section[section.index("### Qingyan Meng"):section.index("### Mingqing Xiao")]
    assert "Towards Memory" in meng and "TDMPNet" not in meng
    assert rows["xiao2020tdmpnet"]["members"] == "Mingqing Xiao"  # a paper without the other two
    papers = json.loads((tmp_path / "output" / "publications.json").read_text())["papers"]
    assert len({p["key"] for p in papers}) == 14


@pytest.mark.parametrize("owner, message", [
    ({"name": "A", "s2_author_id": "abc"}, "expected the digits of a Semantic Scholar authorId"),
    ({"name": "A", "openreview_id": "Mingqing_Xiao"}, "expected an OpenReview profile ID"),
    ([{"name": "A"}, {"name": "a"}], "is owner #1 too"),
    ([{"name": "A"}, {"nam": "B"}], "owner #2.name"),
])
def test_bad_owner_identities_name_the_key(tmp_path, owner, message):
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["owner"] = owner
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load(path)
    assert message in str(caught.value)
