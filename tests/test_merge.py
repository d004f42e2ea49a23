"""Merge rules, each from small real-shaped inputs (S2 paper JSON, OpenReview notes, arXiv entries)."""

from __future__ import annotations

from datetime import datetime, timezone

import arxiv
import pytest

from harvest import arxiv_source, openreview_source, s2_source
from pipeline.config import Entry, Config, Owner, OutputConfig
from pipeline.merge import Harvest, merge
from pipeline.openreview_venues import decision_award, read_openreview
from pipeline.venues import default_table

T = "2026-11-30T00:00:00Z"
OWNER = Owner(name="Mingqing Xiao", variants=())


def config(*entries: Entry) -> Config:
    return Config(path=None, owner=OWNER, output=OutputConfig(dir=None), papers=entries)


def ax_record(arxiv_id: str, title: str, authors: list[str], published: str, comment: str | None = None,
              journal_ref: str | None = None):
    when = datetime.fromisoformat(published).replace(tzinfo=timezone.utc)
    result = arxiv.Result(entry_id=f"http://arxiv.org/abs/{arxiv_id}v1", updated=when, published=when, title=title,
                          authors=[arxiv.Result.Author(a) for a in authors], comment=comment, journal_ref=journal_ref)
    return arxiv_source.to_record(result, fetched_at=T)


def or_record(forum: str, venue: str, venueid: str, title: str, authors: list[str], api: int = 2):
    wrap = (lambda v: {"value": v}) if api == 2 else (lambda v: v)
    note = {"id": forum, "forum": forum, "content": {"title": wrap(title), "authors": wrap(authors),
                                                       "venue": wrap(venue), "venueid": wrap(venueid)}}
    return openreview_source.to_record(note, api=api, fetched_at=T)


def s2_record(requested: str, venue: str, authors: list[str], year: int, title: str = "A Title", **extra):
    raw = {"paperId": "0" * 40, "externalIds": extra.pop("externalIds", {}), "title": title, "venue": venue,
           "year": year, "publicationVenue": extra.pop("publicationVenue", None), "journal": extra.pop("journal", None),
           "authors": [{"authorId": None, "name": a} for a in authors], **extra}
    return s2_source.to_record(raw, requested_id=requested, fetched_at=T)


def one(entry: Entry, **records):
    harvest = Harvest()
    for source, record in records.items():
        harvest.records[source][record.requested_id] = record
    result = merge(config(entry), harvest, default_table())
    return result.publications[0], result.warnings


AUTHORS = ["Mingqing Xiao", "Qingyan Meng", "Di He"]


def test_s2_arxiv_venue_loses_to_openreview_accepted_venue():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2402.11984",), openreview=("MeB86edZ1P",)),
                 s2=s2_record("ARXIV:2402.11984", "arXiv.org", AUTHORS, 2024,
                              journal={"name": "ArXiv", "volume": "abs/2402.11984"}),
                 openreview=or_record("MeB86edZ1P", "ICLR 2024 poster", "ICLR.cc/2024/Conference", "T", AUTHORS),
                 arxiv=ax_record("2402.11984", "T", AUTHORS, "2024-02-19"))
    assert (pub.venue.abbr, pub.venue.kind, pub.year, pub.award, pub.section) == ("ICLR", "conference", 2024, None,
                                                                                   "conference")
    assert pub.venue_line() == "International Conference on Learning Representations (ICLR), 2024"


def test_iclr_2023_notable_top_5_is_an_oral():
    pub, _ = one(Entry(key="p", index=0, openreview=("abc123XYZ0",)),
                 openreview=or_record("abc123XYZ0", "ICLR 2023 notable top 5%", "ICLR.cc/2023/Conference", "T",
                                      AUTHORS, api=1))
    assert (pub.venue.abbr, pub.year, pub.award) == ("ICLR", 2023, "Oral")
    assert decision_award(read_openreview(None, "ICLR 2023 notable top 25%").decision) == ("Spotlight", None)
    assert decision_award(read_openreview(None, "NeurIPS 2022 Accept").decision) == (None, None)


def test_rejected_openreview_submission_on_arxiv_is_a_preprint():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2310.00001",), openreview=("rejected01",)),
                 openreview=or_record("rejected01", "Submitted to ICLR 2024", "ICLR.cc/2024/Conference/Rejected_Submission",
                                      "T", AUTHORS),
                 arxiv=ax_record("2310.00001", "T", AUTHORS, "2023-10-01"))
    assert (pub.venue, pub.section, pub.year) == (None, "preprint", 2023)
    assert pub.venue_line() == "Preprint, 2023"


@pytest.mark.parametrize("venueid, status", [
    ("ICLR.cc/2024/Conference/Submission", "under review"),
    ("ICLR.cc/2024/Conference/Withdrawn_Submission", "withdrawn"),
    ("ICLR.cc/2024/Conference/Desk_Rejected_Submission", "desk rejected"),
    ("ICLR.cc/2024/Conference", "accepted"),
])
def test_openreview_status(venueid, status):
    assert read_openreview(venueid, None).status == status


@pytest.mark.parametrize("name", ["Neural Information Processing Systems", "NIPS", "NeurIPS",
                                  "Advances in Neural Information Processing Systems 35"])
def test_neurips_aliases_are_one_venue(name):
    pub, _ = one(Entry(key="p", index=0, arxiv=("2210.04195",)),
                 s2=s2_record("ARXIV:2210.04195", name, AUTHORS, 2022))
    assert pub.venue.label() == "Advances in Neural Information Processing Systems (NeurIPS)"


def test_dblp_key_names_the_venue_when_the_venue_string_is_empty():
    pub, _ = one(Entry(key="p", index=0, doi=("10.1000/x",)),
                 s2=s2_record("DOI:10.1000/x", "", AUTHORS, 2019, externalIds={"DBLP": "conf/iclr/PerezMB19"}))
    assert pub.venue.abbr == "ICLR" and pub.year == 2019


def test_abbreviated_s2_names_give_way_to_full_names():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2210.04195",), openreview=("Siv3nHYHheI",)),
                 s2=s2_record("ARXIV:2210.04195", "NeurIPS", ["Mingqing Xiao", "Qingyan Meng", "D.K. He"], 2022),
                 openreview=or_record("Siv3nHYHheI", "NeurIPS 2022 Accept", "NeurIPS.cc/2022/Conference", "T", AUTHORS))
    assert pub.authors == tuple(AUTHORS) and pub.field_sources["authors"] == "openreview"


def test_arxiv_name_wins_over_s2_misspelling():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2205.00459",)),
                 arxiv=ax_record("2205.00459", "T", ["Qingyan Meng", "Mingqing Xiao", "Zhi-Quan Luo"], "2022-05-01"),
                 s2=s2_record("ARXIV:2205.00459", "CVPR", ["Qingyan Meng", "Mingqing Xiao", "Zhimin Luo"], 2022))
    assert pub.authors[-1] == "Zhi-Quan Luo" and pub.venue.abbr == "CVPR"


def test_owner_in_initials_form_is_bold():
    pub, warnings = one(Entry(key="p", index=0, doi=("10.1000/x",)),
                        s2=s2_record("DOI:10.1000/x", "Neural Networks", ["Shen Yan", "M. Xiao"], 2024))
    assert pub.owner_positions == (1,) and warnings == []


def test_owner_missing_is_a_warning():
    _, warnings = one(Entry(key="p", index=0, doi=("10.1000/x",)),
                      s2=s2_record("DOI:10.1000/x", "Neural Networks", ["Shen Yan", "Qingyan Meng"], 2024))
    assert "is not among the authors" in warnings[0] and "owner.variants" in warnings[0]


def test_config_award_wins_over_openreview():
    pub, _ = one(Entry(key="p", index=0, openreview=("f2Llmm_z5Sm",), award="Spotlight, Top 3%"),
                 openreview=or_record("f2Llmm_z5Sm", "NeurIPS 2021 Spotlight", "NeurIPS.cc/2021/Conference", "T",
                                      AUTHORS, api=1))
    assert pub.award == "Spotlight, Top 3%" and pub.field_sources["award"] == "config"


def test_unknown_decision_words_are_reported():
    pub, warnings = one(Entry(key="p", index=0, openreview=("abcdef1234",)),
                        openreview=or_record("abcdef1234", "ICML 2024 Top 1% paper", "ICML.cc/2024/Conference", "T",
                                             AUTHORS))
    assert pub.award == "Top 1% paper" and "'Top 1% paper' is not a known award" in warnings[0]


def test_accepted_at_comment_gives_the_venue_and_year():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",)),
                 arxiv=ax_record("2303.00001", "T", AUTHORS, "2023-03-01", comment="Accepted at ICCV 2023. 12 pages"))
    assert (pub.venue.abbr, pub.year, pub.section) == ("ICCV", 2023, "conference")


def test_title_text_is_cleaned():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",)),
                 arxiv=ax_record("2303.00001", "Sparse  $\\ell_1$\n  recovery &amp; Sch\\\"{o}lkopf's {B}ayes", AUTHORS,
                                 "2023-03-01"))
    assert pub.title == "Sparse $\\ell_1$ recovery & Schölkopf's Bayes"


def test_an_s2_record_naming_another_entrys_arxiv_id_makes_them_one_entry():
    a = Entry(key="a", index=0, arxiv=("2005.05650",), code="https://github.com/x/y")
    b = Entry(key="b", index=1, doi=("10.1007/978-3-030-58452-8_8",), line=12)
    harvest = Harvest()
    s2 = s2_record("DOI:10.1007/978-3-030-58452-8_8", "ECCV", AUTHORS, 2020,
                   externalIds={"ArXiv": "2005.05650", "DOI": "10.1007/978-3-030-58452-8_8"})
    harvest.records["s2"][s2.requested_id] = s2
    result = merge(config(a, b), harvest, default_table())
    assert [p.key for p in result.publications] == ["a"]
    pub = result.publications[0]
    assert (pub.arxiv_id, pub.doi, pub.venue.abbr) == ("2005.05650", "10.1007/978-3-030-58452-8_8", "ECCV")
    assert [label for label, _ in pub.links] == ["link", "arxiv", "code"]
    warning = next(w for w in result.warnings if "are one paper" in w)
    assert "papers #1 (a) and #2 (b) are one paper (both have arxiv:2005.05650); listed once, at #1" in warning
    assert 'add doi = "10.1007/978-3-030-58452-8_8" to paper #1 and remove paper #2 (line 12)' in warning


def test_two_entries_that_s2_answers_with_one_paper_id_give_one_entry():
    a = Entry(key="a", index=0, doi=("10.1016/j.neunet.2023.01.026",))
    b = Entry(key="b", index=1, arxiv=("2302.00232",))
    harvest = Harvest()
    for requested in ("DOI:10.1016/j.neunet.2023.01.026", "ARXIV:2302.00232"):
        harvest.records["s2"][requested] = s2_record(requested, "Neural Networks", AUTHORS, 2023)
    result = merge(config(a, b), harvest, default_table())
    assert len(result.publications) == 1 and result.publications[0].key == "a"
    assert any("(both have s2:" + "0" * 40 + ")" in w for w in result.warnings)


def test_two_different_papers_with_one_title_stay_two():
    a = Entry(key="a", index=0, arxiv=("2301.00001",))
    b = Entry(key="b", index=1, arxiv=("2302.00002",))
    harvest = Harvest()
    for ident, who in (("2301.00001", ["Ada Lovelace"]), ("2302.00002", ["Alan Turing"])):
        harvest.records["arxiv"][ident] = ax_record(ident, "Deep Learning", who, "2023-01-05")
    result = merge(config(a, b), harvest, default_table())
    assert [p.key for p in result.publications] == ["a", "b"]
    assert not any("one paper" in w for w in result.warnings)


def test_the_accepted_versions_authors_win_when_they_name_other_people():
    arxiv_five = ["Mingqing Xiao", "Qingyan Meng", "Zongpeng Zhang", "Di He", "Zhouchen Lin"]
    camera_ready = arxiv_five[:4] + ["Yisen Wang", "Zhouchen Lin"]
    pub, _ = one(Entry(key="p", index=0, arxiv=("2402.11984",), openreview=("MeB86edZ1P",)),
                 arxiv=ax_record("2402.11984", "T", arxiv_five, "2024-02-19"),
                 openreview=or_record("MeB86edZ1P", "ICLR 2024 poster", "ICLR.cc/2024/Conference", "T", camera_ready))
    assert pub.authors == tuple(camera_ready) and pub.field_sources["authors"] == "openreview"
    result = merge(config(Entry(key="p", index=0, arxiv=("2402.11984",), openreview=("MeB86edZ1P",))),
                   _harvest(arxiv=ax_record("2402.11984", "T", arxiv_five, "2024-02-19"),
                            openreview=or_record("MeB86edZ1P", "ICLR 2024 poster", "ICLR.cc/2024/Conference", "T",
                                                 camera_ready)), default_table())
    assert result.notes == ["p: authors from the accepted version (OpenReview), which adds Yisen Wang against arXiv "
                            "2402.11984v1 (5 authors)"]


def test_a_spelling_difference_in_s2_does_not_replace_the_arxiv_authors():
    arxiv_names = ["Qingyan Meng", "Mingqing Xiao", "Zhi-Quan Luo"]
    pub, _ = one(Entry(key="p", index=0, arxiv=("2302.14311",)),
                 arxiv=ax_record("2302.14311", "T", arxiv_names, "2023-02-28"),
                 s2=s2_record("ARXIV:2302.14311", "ICCV", ["Qingyan Meng", "Mingqing Xiao", "Zhimin Luo"], 2023))
    assert pub.authors == tuple(arxiv_names) and pub.field_sources["authors"] == "arxiv"


def _harvest(**records):
    harvest = Harvest()
    for source, record in records.items():
        harvest.records[source][record.requested_id] = record
    return harvest


def test_paper_with_no_data_yet_is_kept_with_its_id():
    pub, warnings = one(Entry(key="p", index=0, arxiv=("2501.00001",)))
    assert pub.title == "arXiv:2501.00001" and "no source has returned this paper yet" in warnings[0]


def test_look_alike_entries_are_reported_not_merged():
    a = Entry(key="a", index=0, title="Invertible Image Rescaling", authors=("Mingqing Xiao", "Shuxin Zheng"),
              venue="ECCV", year=2020)
    b = Entry(key="b", index=1, title="Invertible image rescaling.", authors=("M. Xiao", "Shuxin Zheng"),
              venue="ECCV", year=2020)
    c = Entry(key="c", index=2, title="Invertible Rescaling Network and Its Extensions",
              authors=("Mingqing Xiao", "Shuxin Zheng"), venue="IJCV", year=2022)
    result = merge(config(a, b, c), Harvest(), default_table())
    assert len(result.publications) == 3
    assert [w for w in result.warnings if "nearly the same title" in w] == [
        "papers #1 (a) and #2 (b) have nearly the same title, authors and year; not merged. If they are one paper, "
        "list it once"]


def test_config_venue_row_adds_to_the_table():
    table = default_table([{"abbr": "VIPriors", "name": "ECCV Workshop on Visual Inductive Priors", "kind": "workshop",
                            "openreview": ["ECCV.cc/Workshop/VIPriors"]}])
    harvest = Harvest()
    rec = or_record("v_KSmk9B5kt", "VIPriors Poster", "ECCV.cc/2020/Workshop/VIPriors", "T", AUTHORS, api=1)
    harvest.records["openreview"][rec.requested_id] = rec
    pub = merge(config(Entry(key="t", index=0, openreview=("v_KSmk9B5kt",))), harvest, table).publications[0]
    assert pub.venue_line() == "ECCV Workshop on Visual Inductive Priors (VIPriors), 2020"
    assert pub.section == "conference"


def test_config_venue_row_replaces_the_one_with_the_same_abbr():
    table = default_table([{"abbr": "ICLR", "name": "Override ICLR", "kind": "journal"}])
    assert table.by_name("ICLR").name == "Override ICLR"
    assert table.by_openreview("ICLR.cc/2024/Conference") is None  # the old row's venueids are gone
    assert table.by_name("International Conference on Learning Representations") is None


ATOM = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/x</id>
  <title>arXiv Query: search_query=&amp;id_list=2303.00001&amp;start=0&amp;max_results=1</title>
  <updated>2026-11-30T00:00:00Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>http://arxiv.org/abs/2303.00001v2</id>
    <title>Sparse $\\ell_1$ Recovery with
  Sch\\"{o}lkopf's Kernels &amp;amp; Friends</title>
    <updated>2023-04-01T00:00:00Z</updated>
    <published>2023-03-01T00:00:00Z</published>
    <arxiv:comment>Accepted at ICCV 2023; best paper honorable mention</arxiv:comment>
    <author><name>Mingqing Xiao</name></author>
    <author><name>Zhi-Quan Luo</name></author>
  </entry>
</feed>
"""


def test_rules_from_an_atom_entry_through_the_real_client(caplog):
    """One arXiv Atom entry, fetched by the real client from the replay server, merged with an S2 record."""
    import logging

    from harvest.settings import ArxivSettings
    from tests.replay import ReplayServer

    with ReplayServer([]) as server:
        server.add_answer("GET", "/arxiv/api/query", "search_query=&id_list=2303.00001&sortBy=relevance&"
                          "sortOrder=descending&start=0&max_results=1", body=ATOM.encode(),
                          headers={"Content-Type": "application/atom+xml"})
        fetched = arxiv_source.fetch(["2303.00001"], ArxivSettings(**server.sources_config()["arxiv"]))
    record = fetched.records["2303.00001"]
    s2 = s2_record("DOI:10.1109/iccv.2023.1", "IEEE International Conference on Computer Vision",
                   ["Mingqing Xiao", "Zhimin Luo"], 2023, title="Sparse l1 recovery with Scholkopf's kernels",
                   externalIds={"ArXiv": "2303.00001", "DOI": "10.1109/ICCV.2023.1"})
    caplog.set_level(logging.INFO, logger="pipeline.merge")
    pub, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",), doi=("10.1109/iccv.2023.1",)), arxiv=record, s2=s2)
    # preprint and published version: one entry, the published venue, the arXiv text
    assert (pub.venue.abbr, pub.year, pub.section, pub.arxiv_version) == ("ICCV", 2023, "conference", 2)
    assert pub.title == "Sparse l1 recovery with Scholkopf's kernels"  # S2 names the venue: its title wins
    assert pub.authors == ("Mingqing Xiao", "Zhi-Quan Luo")
    assert "s2 spells the authors differently (Mingqing Xiao, Zhimin Luo); using arxiv" in caplog.text
    assert pub.award == "Best Paper Honorable Mention" and pub.field_sources["award"] == "arxiv"
    alone, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",)), arxiv=record)
    assert alone.title == "Sparse $\\ell_1$ Recovery with Schölkopf's Kernels & Friends"  # &amp; decoded once


def test_a_venue_whose_kind_nothing_decides_goes_to_the_configured_section_and_says_how_to_settle_it():
    # a real S2 answer shape: a book-like name, no type, no publicationTypes, no DBLP key
    record = s2_record("DOI:10.1000/x", "Reader Neue Medien", AUTHORS, 2019, journal={"name": "Reader Neue Medien"})
    entry = Entry(key="p", index=0, doi=("10.1000/x",))
    harvest = Harvest()
    harvest.records["s2"]["DOI:10.1000/x"] = record
    for undecided, heading in (("journal", "Journal Papers"), ("book", "Books and Chapters")):
        cfg = Config(path=None, owner=OWNER, output=OutputConfig(dir=None), papers=(entry,),
                     undecided_section=undecided)
        result = merge(cfg, harvest, default_table())
        pub = result.publications[0]
        assert (pub.section, pub.venue.name, pub.venue.kind) == (undecided, "Reader Neue Medien", "")
        assert pub.field_sources["section"] == "config [sections] undecided"
        warning = next(w for w in result.warnings if "nothing says what kind of venue" in w)
        assert f"listed under {heading}" in warning and '[[venue]]\n    name = "Reader Neue Medien"\n    kind = ' in warning


def test_a_book_chapter_goes_to_its_own_section():
    record = s2_record("DOI:10.1000/y", "Handbook of Spiking Networks", AUTHORS, 2021,
                       publicationTypes=["BookSection"])
    pub, _ = one(Entry(key="p", index=0, doi=("10.1000/y",)), s2=record)
    assert (pub.section, pub.venue.kind, pub.field_sources["venue_kind"]) == ("book", "book", "name wording")


def test_s2_naming_the_conference_that_rejected_the_paper_is_not_shown():
    pub, warnings = one(Entry(key="p", index=0, arxiv=("2310.00001",), openreview=("rejected01",)),
                        openreview=or_record("rejected01", "Submitted to ICLR 2024",
                                             "ICLR.cc/2024/Conference/Rejected_Submission", "T", AUTHORS),
                        s2=s2_record("ARXIV:2310.00001", "International Conference on Learning Representations",
                                     AUTHORS, 2024))
    assert (pub.venue, pub.section, pub.status) == (None, "preprint", "rejected")
    assert any("OpenReview says the paper was not accepted there" in w for w in warnings)


def test_an_arxiv_journal_ref_outside_the_table_is_a_journal_under_its_own_name():
    # the real journal_ref of hep-ph/0301050 (arXiv corpus)
    pub, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",)),
                 arxiv=ax_record("2303.00001", "T", AUTHORS, "2003-01-08", journal_ref="Phys.Lett.B573:94-100,2003"))
    assert (pub.section, pub.venue.kind, pub.year) == ("journal", "journal", 2003)
    assert pub.field_sources["venue"] == "arxiv"


def test_a_submitted_to_comment_is_not_a_venue():
    pub, _ = one(Entry(key="p", index=0, arxiv=("2303.00001",)),
                 arxiv=ax_record("2303.00001", "T", AUTHORS, "2023-03-01",
                                 comment="26 pages, 1 figure, submitted to Software Testing, Verification and "
                                         "Reliability journal"))
    assert (pub.venue, pub.section) == (None, "preprint")
