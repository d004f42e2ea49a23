"""arXiv fetcher against recorded arXiv API answers, replayed to the real ``arxiv`` client."""

from __future__ import annotations


from harvest import arxiv_source
from harvest.records import SourceError
from harvest.settings import ArxivSettings
from tests.conftest import source_settings
from tests.replay import Fault, ReplayServer


def settings(server: ReplayServer, **extra) -> ArxivSettings:
    return source_settings(server, "arxiv", **extra)


def test_single_new_style_id(server):
    result = arxiv_source.fetch(["1605.08386"], settings(server))
    record = result.records["1605.08386"]
    assert (record.arxiv_id, record.arxiv_version, record.source_id) == ("1605.08386", 1, "1605.08386v1")
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.authors == ("Caprice Stanley", "Tobias Windisch")
    assert record.publication_date == "2016-05-26" and record.year == 2016
    assert result.not_found == [] and result.requests == 1


def test_old_style_id_with_journal_ref(server):
    result = arxiv_source.fetch(["astro-ph/0601001"], settings(server))
    record = result.records["astro-ph/0601001"]
    assert record.arxiv_id == "astro-ph/0601001"
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.venue_strings[0] == "ActaAstron.56:1-50,2006"


def test_old_style_version_is_stripped_for_matching(server):
    result = arxiv_source.fetch(["quant-ph/0201082"], settings(server))
    assert result.records["quant-ph/0201082"].source_id == "quant-ph/0201082v1"


def test_mixed_list_reports_the_missing_id(server):
    result = arxiv_source.fetch(["1707.08567", "0808.05394"], settings(server))
    assert list(result.records) == ["1707.08567"]
    assert result.not_found == ["0808.05394"]
    assert len(result.records["1707.08567"].authors) == 34
    assert server.requests_to("arxiv") == 1


def test_empty_feed_is_not_found_not_an_error(server):
    result = arxiv_source.fetch(["0000.0000"], settings(server))
    assert result.records == {} and result.not_found == ["0000.0000"] and result.error is None


def test_http_400_error_feed_is_a_source_error_without_retries(server):
    result = arxiv_source.fetch(["abc"], settings(server))
    assert isinstance(result.error, SourceError)
    assert result.error.status == 400 and result.error.tries == 1
    assert result.records == {} and server.requests_to("arxiv") == 1


def test_doi_and_journal_ref_of_a_ten_id_batch(server):
    ids = ["2202.12139", "2405.13786", "2005.14124", "2204.08348", "2302.03287", "1202.4527", "2503.05378",
           "1205.1866", "2502.07719", "1812.11470"]
    result = arxiv_source.fetch(ids, settings(server))
    assert len(result.records) == 10 and result.requests == 1
    record = result.records["2405.13786"]
    assert record.doi == "10.1109/icstw58534.2023.00023"
    assert record.journal_ref.startswith("Proc. 2023 IEEE International Conference on Software Testing")
    assert record.authors[0] == "Aurora Ramírez"


def test_legacy_feed_with_hard_wrapped_title(server):
    record = arxiv_source.fetch(["1111.2011"], settings(server)).records["1111.2011"]
    assert "\n" not in record.title and "  " not in record.title
    assert record.arxiv_version == 2 and record.doi


def test_seed_batch_is_one_request_with_max_results(server):
    ids = ["2402.11984", "2302.14311", "2210.04195", "2205.00459", "2109.14247", "2005.05650", "2302.00232",
           "2210.04188"]
    result = arxiv_source.fetch(ids, settings(server))
    assert sorted(result.records) == sorted(ids)
    assert server.log[0]["query"]["max_results"] == ["8"]
    assert result.records["2109.14247"].arxiv_version == 3


def test_batches_are_spaced_by_delay(server, monkeypatch):
    from harvest import http

    now = [1000.0]  # a fake clock: sleeping moves it on, so the test waits for nothing
    slept: list[float] = []
    monkeypatch.setattr(http, "_GATES", {})  # a throttle of its own, without earlier tests' last request
    monkeypatch.setattr(http.Throttle, "clock", staticmethod(lambda: now[0]))
    monkeypatch.setattr(http.Throttle, "sleep", staticmethod(lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))))
    ids = ["1605.08386", "0000.0000"]
    result = arxiv_source.fetch(ids, settings(server, batch_size=1, delay_s=3.0))
    assert slept == [3.0]  # arXiv's rule: one request every 3 s, the second waits the whole delay
    assert result.requests == 2 and result.not_found == ["0000.0000"]


def test_server_error_is_retried_then_reported(server):
    server.faults["/arxiv/"] = Fault(status=503, body=b"busy")
    result = arxiv_source.fetch(["1605.08386"], settings(server, max_tries=3))
    assert result.error.status == 503 and result.error.tries == 3
    assert server.requests_to("arxiv") == 3


def test_stalled_server_hits_the_timeout(server):
    server.faults["/arxiv/"] = Fault(delay_s=1.0, status=200, times=1)
    result = arxiv_source.fetch(["1605.08386"], settings(server, timeout_s=0.2, max_tries=1))
    assert result.error is not None and "no answer within 0.2 s" in result.error.reason
