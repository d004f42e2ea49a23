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
       "Fixture Paper Three: A Preprint Only arXiv Knows", "Fixture Paper Six: Two Authors of One Lab"}


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
    assert "4 papers of yours are not listed in config.toml" in done.stdout
    # the namesake (no shared co-author), the rejected submission, the listed papers and the preprint of a
    # paper listed by its DOI only (same title) are not new
    assert "Soil Microbiomes" not in done.stdout and "Rejected Submission" not in done.stdout
    # nor a submission under review, nor a note that is not public (what a logged-in owner sees)
    assert "Under Review at ICLR 2026" not in done.stdout and "Only Its Authors Read" not in done.stdout
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
    assert done.returncode == 0 and "added 4 [[paper]] tables" in done.stdout
    after = config.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n") + "\n\n[[paper]]\n# found by discover")
    loaded = load(config)
    added = {e.key: e for e in loaded.papers[14:]}
    assert len(loaded.papers) == 18
    assert {e.arxiv for e in added.values()} == {("2405.10001",), ("2409.10003",), ("2410.10006",), ()}
    assert any(e.openreview == ("FixtureN2a1",) for e in added.values())
    assert any(e.doi == ("10.5555/fixture.pubharvest.n1",) for e in added.values())
    again = run_main("discover", "--offline", "--config", str(config))
    assert "Every paper of yours that the sources know is listed" in again.stdout
    # until the sources answer for the added papers, the author queries' records of them stand in
    run = run_main("run", "--offline", "--config", str(config))
    section = (tmp_path / "output" / "publications.md").read_text(encoding="utf-8")
    assert "**Fixture Paper One: Online Plasticity for Spiking Networks**" in section
    assert "**Fixture Paper Two: Equilibrium Training Revisited**" in section
    assert "arXiv:2405.10001" not in section and "no source has answered for it yet" not in run.stdout


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
    assert "discover: 4 papers of yours are not listed in config.toml:" in done.stdout
    assert "discover: Add them: python -m pipeline discover --add" in done.stdout
    markdown = summary.read_text(encoding="utf-8")
    assert "### Not listed yet" in markdown and "4 papers of yours are not listed" in markdown
    assert "- Fixture Paper Two: Equilibrium Training Revisited (ICLR 2025 Poster, 2025)" in markdown
    listed = run_main("paths", "--config", str(config)).stdout.split("\n")
    assert str(tmp_path / "output" / "discovered.json") in listed and str(config) not in listed

    def add(data):
        data["discover"] = {"add": True}
    other = tmp_path / "later"
    other.mkdir()
    config = _site(other, discover_server, add)
    assert str(config) in run_main("paths", "--config", str(config)).stdout.split("\n")
    message = other / "message.txt"
    done = run_main("run", "--config", str(config), "--commit-message", str(message))
    assert "discover: added 4 paper(s) of yours to the config ([discover] add = true)" in done.stdout
    assert "discover added 4 paper(s) to the config ([discover] add = true): " in message.read_text(encoding="utf-8")
    assert len(load(config).papers) == 18


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
    # lab members keep their own IDs and names
    ([{"name": "A", "s2_author_id": "1"}, {"name": "B", "s2_author_id": "1"}], "is owner #1's too"),
    ([{"name": "A"}, {"name": "B", "variants": ["A"]}], "is owner #1's name"),
])
def test_bad_owner_identities_name_the_key(tmp_path, owner, message):
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["owner"] = owner
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load(path)
    assert message in str(caught.value)


def test_add_keeps_a_bom_and_crlf_and_refuses_an_inline_paper_array(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    text = "\ufeff" + config.read_text(encoding="utf-8").replace("\n", "\r\n") + "\r\n"
    config.write_bytes(text.encode("utf-8"))
    done = run_main("discover", "--add", "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    after = config.read_bytes().decode("utf-8")
    assert after.startswith(text) and "\n" not in after.replace("\r\n", "")
    assert len(load(config).papers) == 18
    inline = tmp_path / "inline"
    inline.mkdir()
    config = _site(inline, discover_server)
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    papers = data.pop("paper")
    body = "paper = [" + ", ".join(  # a top-level inline array, before the tables
        "{ key = \"%s\", arxiv = \"%s\" }" % (p["key"], p["arxiv"]) for p in papers if "arxiv" in p) + "]\n" \
        + tomli_w.dumps(data)
    config.write_text(body, encoding="utf-8")
    done = run_main("discover", "--add", "--config", str(config))
    assert done.returncode == 3 and "lists its papers as an inline array" in done.stderr
    assert config.read_text(encoding="utf-8") == body


def test_ignored_papers_are_never_reported_and_discover_agrees_with_run(tmp_path, discover_server):
    def ignore(data):
        data["discover"] = {"ignore": ["arxiv:2409.10003", "openreview:FixtureN2a1"]}
        data["paper"] = [p for p in data["paper"] if p["key"] != "xiao2022online"]  # deleted from config
    config = _site(tmp_path, discover_server, ignore)
    done = run_main("discover", "--config", str(config))
    titles = _titles(done.stdout)
    assert "Fixture Paper Three: A Preprint Only arXiv Knows" not in titles
    assert "Fixture Paper Two: Equilibrium Training Revisited" not in titles
    assert "Online Training Through Time for Spiking Neural Networks" in titles  # not listed any more: reported
    run = run_main("run", "--offline", "--config", str(config))  # the stored answers of discover
    assert f"discover: {len(titles)} papers of yours are not listed" in run.stdout


def test_a_damaged_answers_file_is_never_replaced(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    stored = tmp_path / "output" / "discovered.json"
    stored.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> other\n", encoding="utf-8")
    done = run_main("discover", "--config", str(config))
    assert done.returncode == 1 and "cannot read the stored author-query answers" in done.stderr
    run = run_main("run", "--config", str(config))
    assert run.returncode == 0 and "the author queries were not asked" in run.stdout
    assert stored.read_text(encoding="utf-8").startswith("<<<<<<< HEAD")


def test_offline_with_nothing_stored_says_nothing_is_known(tmp_path, discover_server):
    config = _site(tmp_path, discover_server)
    done = run_main("discover", "--offline", "--config", str(config))
    assert "No author query has an answer yet" in done.stdout and "is listed" not in done.stdout
    assert discover_server.log == []


def test_a_dry_run_with_add_true_adds_nothing(tmp_path, discover_server):
    def add(data):
        data["discover"] = {"add": True}
    config = _site(tmp_path, discover_server, add)
    before = config.read_bytes()
    done = run_main("run", "--dry-run", "--config", str(config))
    assert config.read_bytes() == before
    assert "would add 4 paper(s) to the config; nothing was written" in done.stdout
    assert "discover: added" not in done.stdout


def test_a_lab_members_arxiv_paper_with_a_fellow_member_counts(tmp_path, discover_server):
    def lab(data):
        data["owner"] = [{"name": "Mingqing Xiao", "s2_author_id": OWNER_S2, "openreview_id": "~Mingqing_Xiao1"},
                         {"name": "Zhouchen Lin"}]
    config = _site(tmp_path, discover_server, lab)
    done = run_main("discover", "--config", str(config))
    assert "Fixture Paper Six: Two Authors of One Lab" in _titles(done.stdout)
    assert "Soil Microbiomes" not in done.stdout


def test_generated_keys_are_ascii_and_unique_ignoring_case():
    from pipeline.discover import _key

    taken = {"xiao2024fixture"}
    assert _key(("Mingqing Xiao",), 2024, "Fixture Paper One", taken) == "xiao2024fixture2"
    assert _key(("Xiao Mingqing",), 2024, "fixture again", {"Mingqing2024fixture".casefold()}) == "mingqing2024fixture2"
    assert _key(("王小明",), 2024, "脉冲神经网络", set()) == "paper2024"
    assert _key((), None, "On", set()) == "paper"


def test_an_author_page_whose_next_does_not_advance_is_asked_once(server):
    from harvest import s2_source
    from tests.conftest import source_settings

    body = json.dumps({"offset": 0, "next": 0, "data": [{"paperId": "a" * 40, "title": "T", "authors": []}]})
    server.add_answer("GET", "/s2/graph/v1/author/1/papers", f"fields={','.join(s2_source.FIELDS)}&offset=0&limit=1000",
                      body=body.encode())
    result = s2_source.fetch_author("1", source_settings(server, "s2"))
    assert result.error is None and result.requests == 1 and list(result.records) == ["a" * 40]


def test_init_says_when_the_papers_name_two_s2_authors():
    from pipeline.reconcile import identity_notes

    records = [_record("s2", ("11", "22")), _record("s2", ("11", "22")), _record("s2", ("99", "22"))]
    assert identity_notes(records, "Mingqing Xiao") == [
        "your papers name 2 Semantic Scholar authors for you: 11 (2 papers), 99 (1 papers); none is proposed. "
        "Merge them on the site, or set s2_author_id yourself"]


def test_an_author_of_1500_papers_takes_two_pages(server):
    from harvest import s2_source
    from tests.conftest import source_settings

    def paper(n):
        return {"paperId": f"{n:040x}", "title": f"Paper {n}", "authors": [{"authorId": "7", "name": "A B"}]}
    query = f"fields={','.join(s2_source.FIELDS)}&limit=1000"
    server.add_answer("GET", "/s2/graph/v1/author/7/papers", query + "&offset=0",
                      body=json.dumps({"offset": 0, "next": 1000, "data": [paper(n) for n in range(1000)]}).encode())
    server.add_answer("GET", "/s2/graph/v1/author/7/papers", query + "&offset=1000",
                      body=json.dumps({"offset": 1000, "data": [paper(n) for n in range(1000, 1500)]}).encode())
    result = s2_source.fetch_author("7", source_settings(server, "s2"))
    assert result.error is None and result.requests == 2 and len(result.records) == 1500
    assert server.requests_to("s2") == 2
