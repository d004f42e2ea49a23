"""The main job end to end: ``python -m pipeline run`` on the seed config, all three sources
replayed, compared entry by entry with the hand-written Publications section of about.md."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
import shutil

import pytest

from pipeline.cli import main
from pipeline.homepage import parse_publications
from tests.conftest import END, ROOT, SEED, START, marked_homepage, run_cli, write_config
from tests.replay import ReplayServer

# With a config of IDs only (`init --prefer sources`), where the page and the sources word a field
# differently the sources decide. Each difference: (entry as "section #number", field, what the page
# says, what we emit, the source that decides). The repository's own config (what `init` writes)
# keeps the page's words for all of these, so its run shows every entry as the page does.
DIFFERENCES = [
    ("Conference Papers #2", "venue", "International Conference on Computer Vision (ICCV), 2023",
     "IEEE/CVF International Conference on Computer Vision (ICCV), 2023",
     "venue table: the proceedings' own name (CVF open access), matched from S2 venue"),
    ("Conference Papers #6", "authors",
     "Mingqing Xiao, Shuxin Zheng, Chang Liu, Yaolong Wang, Di He, Jiang Bian, Guolin Ke, Zhouchen Lin, Tie-Yan Liu",
     "Mingqing Xiao, Shuxin Zheng, Chang Liu, Yaolong Wang, Di He, Guolin Ke, Jiang Bian, Zhouchen Lin, Tie-Yan Liu",
     "arXiv <author> order (the paper's header and Springer agree)"),
    ("Journal Papers #1", "title", "Sampling Complex Topology Structures for Spiking Neural Networks",
     "Sampling complex topology structures for spiking neural networks",
     "Crossref title of the DOI init found by the ScienceDirect PII (the publisher's sentence case)"),
    ("Journal Papers #2", "title",
     "Efficient and Generalizable Cross-patient Epileptic Seizure Detection through A Spiking Neural Network",
     "Efficient and generalizable cross-patient epileptic seizure detection through a spiking neural network",
     "S2 title of DOI 10.3389/fnins.2023.1303564 (the publisher's sentence case)"),
    ("Journal Papers #2", "venue", "Frontiers in Neuroscience (section Neuromorphic Engineering), 2024",
     "Frontiers in Neuroscience, 2024", "venue table: a journal section is not part of the venue name"),
    ("Journal Papers #5", "venue", "International Journal of Computer Vision (IJCV), 2022",
     "International Journal of Computer Vision (IJCV), 2023",
     "Crossref published-print: the printed issue is 2023-01; the page gives the online year"),
    ("Journal Papers #7", "venue", "IEEE Transactions on Pattern Analysis and Machine Intelligence (TPAMI), 2020",
     "IEEE Transactions on Pattern Analysis and Machine Intelligence (TPAMI), 2022",
     "Crossref published-print: printed 2022; the page gives the early-access year"),
]


def _norm(entry) -> dict[str, str]:
    """The compared fields of one parsed entry, whitespace collapsed."""
    return {
        "title": " ".join(entry.title.split()),
        "links": " ".join(f"{label}: {url}" for label, url in entry.links),
        "authors": ", ".join(entry.authors),
        "bold": ", ".join(entry.bold),
        "venue": " ".join(entry.venue.split()),
        "award": entry.award or "",
    }


def _by_place(text: str) -> dict[str, dict[str, str]]:
    return {f"{e.section} #{e.number}": _norm(e) for e in parse_publications(text)}


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """Run ``python -m pipeline run`` once (a real process, as a user runs it) on the repo's config
    against the replay server; the homepage copy has markers. Shared by the tests that only read its
    results; the request counts are taken before any of them runs."""
    tmp_path = tmp_path_factory.mktemp("seed-run")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    with ReplayServer([SEED]) as server:
        homepage = marked_homepage(tmp_path / "about.md")
        before = homepage.read_text(encoding="utf-8")
        config = write_config(tmp_path / "config.toml", server, homepage=homepage)
        done = run_cli("run", "--config", str(config), env=env)
        counts = {p: server.requests_to(p) for p in ("arxiv", "s2", "or2", "or1", "crossref")}
        unused = server.unused()
        yield {"done": done, "tmp": tmp_path, "homepage": homepage, "before": before, "server": server,
               "config": config, "env": env, "counts": counts, "unused": unused}
    assert not server.unmatched, "\n".join(server.unmatched)


def test_emitted_section_matches_the_page_entry_by_entry(seed_run):
    assert seed_run["done"].returncode == 0, seed_run["done"].stderr
    page = _by_place((SEED / "about.md").read_text(encoding="utf-8"))
    ours = _by_place((seed_run["tmp"] / "output" / "publications.md").read_text(encoding="utf-8"))
    assert list(ours) == list(page), "same entries in the same sections and order"
    for place, entry in page.items():
        assert ours[place] == entry, place  # link labels as the page writes them too


def test_a_first_run_leaves_the_page_byte_for_byte_and_says_so(seed_run):
    assert seed_run["homepage"].read_text(encoding="utf-8") == seed_run["before"]
    out = seed_run["done"].stdout
    assert "unchanged: 14 entries as the page shows them" in out and "added:" not in out
    assert "warning:" not in out


def test_with_ids_only_the_sources_decide_where_they_word_it_otherwise(tmp_path, replay, capsys):
    from tests.refresh_output import init_args

    page = tmp_path / "about.md"
    shutil.copy(SEED / "about.md", page)
    made = tmp_path / "ids.toml"
    assert main(init_args(replay, page, made)) == 0
    text = made.read_text(encoding="utf-8")
    # strip what init kept as the owner wrote it: the venue name, authors, title, venue
    ids_only = re.sub(r"(?ms)^\[venue_names\].*?\n\n", "", text)
    ids_only = "\n".join(line for line in ids_only.splitlines() if "# sources:" not in line) + "\n"
    made.write_text(ids_only, encoding="utf-8")
    config = write_config(tmp_path / "config.toml", replay, base=made)
    assert main(["run", "--config", str(config)]) == 0
    page_entries = _by_place(page.read_text(encoding="utf-8"))
    ours = _by_place((tmp_path / "output" / "publications.md").read_text(encoding="utf-8"))
    expected = {(place, field): (theirs, mine) for place, field, theirs, mine, _ in DIFFERENCES}
    seen = set()
    for place, entry in page_entries.items():
        for field, value in entry.items():
            if (place, field) in expected:
                assert (value, ours[place][field]) == expected[(place, field)], (place, field)
                seen.add((place, field))
            else:
                assert ours[place][field] == value, (place, field)
    assert seen == set(expected)


def test_owner_is_bold_in_every_entry(seed_run):
    ours = parse_publications((seed_run["tmp"] / "output" / "publications.md").read_text(encoding="utf-8"))
    assert len(ours) == 14
    assert all(e.bold == ["Mingqing Xiao"] for e in ours)


def test_splice_keeps_every_byte_outside_the_markers_and_of_every_unchanged_entry(seed_run):
    from pipeline.homepage import same_entry

    after = seed_run["homepage"].read_text(encoding="utf-8")
    before = seed_run["before"]
    head, tail = before.split(START)[0], before.split(END)[1]
    assert after.startswith(head + START) and after.endswith(END + tail)
    inner_before = before[len(head + START):-len(END + tail)]
    inner = after[len(head + START):-len(END + tail)]
    ours = parse_publications((seed_run["tmp"] / "output" / "publications.md").read_text(encoding="utf-8"))
    old_entries, new_entries = parse_publications(inner_before), parse_publications(inner)
    assert all(same_entry(a, b) for a, b in zip(new_entries, ours)) and len(new_entries) == 14
    old_lines, new_lines = inner_before.splitlines(), inner.splitlines()
    for old, new in zip(old_entries, new_entries):
        old_text = old_lines[old.line - 1:old.end_line]
        new_text = new_lines[new.line - 1:new.end_line]
        if not same_entry(old, new):  # rewritten in the run's format
            assert new_text == (seed_run["tmp"] / "output" / "publications.md").read_text(
                encoding="utf-8").splitlines()[ours[new_entries.index(new)].line - 1:ours[new_entries.index(new)].end_line]
        else:  # the owner's bytes, trailing spaces and all
            assert old_text == new_text, (old.section, old.number)


def test_request_counts_per_source(seed_run):
    assert seed_run["counts"] == {"arxiv": 1, "s2": 1, "or2": 1, "or1": 1, "crossref": 1}
    # init found the DOIs (PII, IEEE query), so neither the batch without them nor the query is asked
    assert seed_run["unused"] == ["s2/paper_batch_seed_init.json", "crossref/query_lpom.json"]
    out = seed_run["done"].stdout
    assert "arXiv: 8 requested, 8 found, 0 not found, 0 failed, 0 stale; 1 HTTP request." in out
    assert "Semantic Scholar: 13 requested, 10 found, 3 not found, 0 failed, 0 stale; 1 HTTP request." in out
    assert "Crossref: 8 requested, 8 found, 0 not found, 0 failed, 0 stale; 1 HTTP request." in out  # one for all
    assert "OpenReview: 4 requested, 4 found, 0 not found, 0 failed, 0 stale; 2 HTTP requests." in out


def test_csv_has_one_row_per_paper_with_ids_as_text(seed_run):
    data = (seed_run["tmp"] / "output" / "publications.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == 14
    ide = next(r for r in rows if r["key"] == "xiao2021training")
    assert ide["arxiv_id"] == "2109.14247" and ide["arxiv_version"] == "3"
    assert ide["venue_abbr"] == "NeurIPS" and ide["year"] == "2021" and ide["award"] == "Spotlight, Top 3%"
    assert ide["openreview_url"] == "https://openreview.net/forum?id=f2Llmm_z5Sm"
    irn = next(r for r in rows if r["key"] == "xiao2020invertible")
    assert irn["doi"] == "10.1007/978-3-030-58452-8_8" and irn["section"] == "conference"
    assert [r["section"] for r in rows].count("journal") == 7


def test_json_traces_each_field_to_its_source(seed_run):
    papers = {p["key"]: p for p in json.loads(
        (seed_run["tmp"] / "output" / "publications.json").read_text(encoding="utf-8"))["papers"]}
    assert papers["xiao2024hebbian"]["field_sources"]["venue"] == "openreview"
    assert papers["xiao2024hebbian"]["field_sources"]["title"] == "openreview"
    assert papers["meng2023towards"]["field_sources"]["venue"] == "s2"
    assert papers["meng2022training"]["field_sources"]["authors"] == "arxiv"
    assert papers["li2020training"]["field_sources"]["title"] == "crossref"  # init found its DOI by a checked query
    assert papers["li2020training"]["field_sources"]["year"] == "config"  # the page's early-access year, kept
    assert papers["yan2024sampling"]["field_sources"]["venue"] == "crossref"
    assert papers["yan2024sampling"]["ids"]["doi"] == "10.1016/j.neunet.2024.106121"  # by its PII
    assert papers["xiao2020tdmpnet"]["venue"] == {"name": "European Conference on Computer Vision Workshops",
                                                    "abbr": "ECCVW", "kind": "workshop"}


def test_second_run_rewrites_nothing(seed_run, monkeypatch, capsys):
    tmp = seed_run["tmp"]
    files = [*sorted(p for p in (tmp / "output").rglob("*") if p.is_file()), seed_run["homepage"]]
    before = {f: (f.read_bytes(), os.stat(f).st_mtime_ns) for f in files}
    monkeypatch.setenv("XDG_CACHE_HOME", seed_run["env"]["XDG_CACHE_HOME"])  # the first run's last-checked times
    assert main(["run", "--config", str(seed_run["config"])]) == 0
    out = capsys.readouterr().out
    assert "No file changed." in out and "No change in the publication list." in out
    assert "Semantic Scholar: 13 requested, 0 found, 3 not found, 0 failed, 0 stale, 13 fresh (stored less than " \
           "max_age_h ago, not asked); 0 HTTP requests." in out  # S2's not-found answers are fresh too
    assert "Crossref: 8 requested, 0 found, 0 not found, 0 failed, 0 stale, 8 fresh" in out
    assert {f: (f.read_bytes(), os.stat(f).st_mtime_ns) for f in files} == before


def test_without_network_the_stored_harvest_stands_in(tmp_path, capsys):
    """README's main command on a machine without internet: every source fails, the section stays."""
    shutil.copytree(ROOT / "output", tmp_path / "output")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    before = {f.relative_to(tmp_path): f.read_bytes() for f in (tmp_path / "output").rglob("*") if f.is_file()}
    with ReplayServer([]) as dead:
        config = write_config(tmp_path / "config.toml", dead, output=tmp_path / "output",
                              sources={"arxiv": {"query_url": "http://127.0.0.1:9/api/query", "max_tries": 1},
                                       "s2": {"api_url": "http://127.0.0.1:9", "max_tries": 1},
                                       "openreview": {"api2_url": "http://127.0.0.1:9", "api1_url": "http://127.0.0.1:9",
                                                      "max_tries": 1}})
    assert main(["run", "--config", str(config)]) == 4
    out = capsys.readouterr().out
    for name in ("arXiv", "OpenReview", "Semantic Scholar"):
        assert f"{name}: " in out and "Could not reach it" in out
    assert "8 stale" in out
    after = {f.relative_to(tmp_path): f.read_bytes() for f in (tmp_path / "output").rglob("*") if f.is_file()}
    assert after[Path("output/publications.md")] == before[Path("output/publications.md")]
    assert len(parse_publications(after[Path("output/publications.md")].decode())) == 14
    assert after == before, "a run that could reach no source changes no file"


def test_offline_flag_sends_nothing(tmp_path, capsys):
    shutil.copytree(ROOT / "output", tmp_path / "output")
    with ReplayServer([]) as server:
        config = write_config(tmp_path / "config.toml", server, output=tmp_path / "output")
        assert main(["run", "--offline", "--config", str(config)]) == 0
        assert server.log == []
    assert "arXiv: offline; 8 stored records used (fetched " in capsys.readouterr().out
    assert (tmp_path / "output" / "publications.md").read_bytes() == (ROOT / "output" / "publications.md").read_bytes()
