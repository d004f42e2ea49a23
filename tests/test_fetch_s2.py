"""Semantic Scholar fetcher against recorded S2 answers, replayed to the real ``semanticscholar`` client."""

from __future__ import annotations

import json
import logging

import pytest

from harvest import s2_source
from harvest.settings import S2Settings
from tests.conftest import RECORDED, source_settings
from tests.replay import Fault, ReplayServer

NULL_BATCH = ["CorpusId:211530585", "CorpusId:470667", "10.2139/ssrn.2250500",
              "0f40b1f08821e22e859c6050916cec3667778613"]


def settings(server: ReplayServer, **extra) -> S2Settings:
    return source_settings(server, "s2", **extra)


def body(name: str):
    return json.loads((RECORDED / "s2" / f"{name}.body.json").read_text(encoding="utf-8"))


def test_batch_with_null_maps_by_position(server):
    result = s2_source.fetch(NULL_BATCH, settings(server))
    assert result.not_found == ["CorpusId:211530585"]
    assert list(result.records) == NULL_BATCH[1:]
    record = result.records["10.2139/ssrn.2250500"]
    assert record.title == "The Miracle of Microfinance? Evidence from a Randomized Evaluation"
    assert record.doi == "10.2139/ssrn.2250500" and record.corpus_id == 3142471
    assert record.authors == ("E. Duflo", "A. Banerjee", "R. Glennerster", "Cynthia Kinnan")
    assert result.records["CorpusId:470667"].venue_strings == ("Experimental & Empirical Studies eJournal",)
    assert result.requests == 1
    sent = server.log[0]
    assert sent["method"] == "POST" and sent["json"] == {"ids": NULL_BATCH}
    assert sent["query"]["fields"] == [",".join(s2_source.FIELDS)]


def test_api_key_goes_in_the_header_and_never_in_the_log(server, monkeypatch, caplog):
    monkeypatch.setenv("S2_API_KEY", "test-key-not-real-123")
    caplog.set_level(logging.DEBUG)
    s2_source.fetch(NULL_BATCH, settings(server))
    assert server.log[0]["headers"]["x-api-key"] == "test-key-not-real-123"
    assert "test-key-not-real-123" not in caplog.text


def test_invalid_key_403_is_not_retried(server):
    ids = ["CorpusId:470667", "10.2139/ssrn.2250500", "0f40b1f08821e22e859c6050916cec3667778613"]
    result = s2_source.fetch(ids, settings(server))
    assert result.error.status == 403 and result.error.tries == 1 and "S2_API_KEY" in result.error.reason


def test_429_is_retried_within_bounds(server):
    result = s2_source.fetch(["ARXIV:2312.07559"], settings(server, max_tries=3))
    assert result.error.status == 429 and result.error.tries == 3
    assert server.requests_to("s2") == 3


@pytest.mark.parametrize("status", [502, 503])
def test_unknown_5xx_is_a_failure_not_all_not_found(server, status):
    # The package answers {} for statuses it does not know; that must not read as "nothing found".
    server.faults["/s2/"] = Fault(status=status, body=b'{"message": "Bad Gateway"}')
    result = s2_source.fetch(NULL_BATCH, settings(server, max_tries=2))
    assert result.error is not None and result.not_found == [] and result.records == {}
    assert result.error.tries == 2


def test_to_record_arxiv_doi_paper_is_a_preprint_record():
    record = s2_source.to_record(body("paper_by_arxiv_doi_200"), requested_id="DOI:10.48550/arxiv.2312.07559",
                                 fetched_at="2026-11-30T00:00:00Z")
    assert record.arxiv_id == "2312.07559" and record.doi is None
    assert record.venue_strings == ("arXiv.org", "ArXiv")
    assert record.dblp_key == "journals/corr/abs-2312-07559"
    assert record.authors[0] == "Jakub L'ala"


def test_to_record_neurips_paper():
    raw = body("search_match_neurips_paper_200")["data"][0]
    record = s2_source.to_record(raw, requested_id="ARXIV:1706.03762", fetched_at="2026-11-30T00:00:00Z")
    assert record.venue_strings == ("Neural Information Processing Systems",)
    assert record.publication_types == ("JournalArticle", "Conference")
    assert (record.year, record.publication_date, record.arxiv_id) == (2017, "2017-06-12", "1706.03762")


def test_to_record_journal_with_volume():
    record = s2_source.to_record(body("paper_by_doi_journal_200"), requested_id="DOI:10.1023/a:1007154515475",
                                 fetched_at="2026-11-30T00:00:00Z")
    assert record.doi == "10.1023/a:1007154515475"
    assert record.venue_strings == ("Molecular and Cellular Biochemistry",)


def test_every_paper_of_a_recorded_search_maps():
    papers = body("search_full_fields_200")["data"]
    records = [s2_source.to_record(p, requested_id=p["paperId"], fetched_at="x") for p in papers]
    assert len(records) == 100 and all(r.s2_paper_id for r in records)
    assert sum(1 for r in records if r.venue_type == "journal") > 0
