"""Crossref through the real requests code path against the replay server: the recorded works
(PLOS, IEEE proceedings, Nature, Elsevier with its PII, a bioRxiv posted-content), many DOIs per
request, PIIs by alternative-id, the polite pool, the rate-limit headers, errors and the checked
bibliographic query of init."""

from __future__ import annotations

import json
import logging

import pytest

from harvest import crossref_source, http, s2_source
from harvest.settings import CrossrefSettings
from pipeline.venue_choice import from_crossref
from pipeline.venues import default_table
from tests.conftest import RECORDED, SEED, source_settings
from tests.replay import Fault, ReplayServer

PLOS, IEEE, NATURE, ELSEVIER = ("10.1371/journal.pone.0033693", "10.1109/icdcsw.2003.1203662", "10.1038/srep16696",
                                "10.1016/j.neurobiolaging.2010.03.024")


def settings(server, **extra) -> CrossrefSettings:
    return source_settings(server, "crossref", **{"backoff_s": 0.01, **extra})


def test_recorded_works_in_one_request(server):
    result = crossref_source.fetch([PLOS, IEEE, NATURE, ELSEVIER, "10.1371/notarealdoi"], settings(server))
    assert result.error is None and result.requests == 1 and server.requests_to("crossref") == 1
    assert result.not_found == ["10.1371/notarealdoi"]
    plos, ieee, nature, elsevier = (result.records[d] for d in (PLOS, IEEE, NATURE, ELSEVIER))
    assert plos.title == ("Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the "
                          "Basal Ganglia of Mice")
    assert plos.authors[:2] == ("Shankar Sadasivan", "Brooks B. Pond") and len(plos.authors) == 6
    assert (plos.year, plos.publication_date, plos.venue_type, plos.journal_name) == \
        (2012, "2012-03-21", "journal", "PLoS ONE")
    # IEEE: issued [[null]] and no published date; the year is the one the proceedings' title names
    assert (ieee.year, ieee.venue_type, ieee.publication_types) == (2003, "conference", ("proceedings-article",))
    assert ieee.venue_strings[0] == "23rd International Conference on Distributed Computing Systems Workshops, 2003."
    assert ieee.authors == ("V. Arya", "T. Turletti")
    assert nature.venue_strings == ("Scientific Reports", "Sci Rep") and nature.venue_alternates == ("Sci Rep",)
    assert (elsevier.pii, elsevier.year, elsevier.publication_date) == ("S0197458010001570", 2012, "2012-03")
    table = default_table()
    assert from_crossref(nature, table).venue.label() == "Scientific Reports"
    workshop = from_crossref(ieee, table)
    assert (workshop.venue.name, workshop.venue.kind) == \
        ("International Conference on Distributed Computing Systems Workshops", "workshop")


def test_a_pii_finds_its_work_by_alternative_id(server):
    result = crossref_source.fetch(["PII:S0197458010001570", "PII:S0000000000000000"], settings(server))
    assert result.records["PII:S0197458010001570"].doi == ELSEVIER
    assert result.not_found == ["PII:S0000000000000000"]
    query = server.log[0]["query"]  # (the log sorts the parts of a filter)
    assert query["filter"] == ["alternative-id:S0000000000000000,alternative-id:S0197458010001570"]
    assert query["rows"] == ["2"]


def test_a_posted_content_record_is_no_venue(server):
    result = crossref_source.fetch(["10.1101/055319", "10.1111/ele.14024"], settings(server))
    preprint, journal = result.records["10.1101/055319"], result.records["10.1111/ele.14024"]
    assert preprint.publication_types == ("posted-content",) and preprint.venue_type is None
    assert from_crossref(preprint, default_table()) is None
    assert from_crossref(journal, default_table()).venue.name == "Ecology Letters"


def test_dois_are_batched_by_batch_size(server):
    result = crossref_source.fetch([PLOS, IEEE, NATURE, ELSEVIER], settings(server, batch_size=3))
    assert result.requests == 2 and len(result.records) == 4
    assert [q["query"]["rows"] for q in server.log] == [["3"], ["1"]]


def test_the_polite_pool_address_goes_in_the_user_agent_and_nowhere_else(server, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    crossref_source.fetch([PLOS], settings(server, mailto="owner@example.org"))
    assert server.log[-1]["headers"]["user-agent"].endswith("; mailto:owner@example.org)")
    assert "owner@example.org" not in server.log[-1]["path"] + json.dumps(server.log[-1]["query"])
    monkeypatch.setenv(crossref_source.MAILTO_ENV, "env@example.org")
    crossref_source.fetch([PLOS], settings(server))
    assert "mailto:env@example.org" in server.log[-1]["headers"]["user-agent"]
    assert "example.org" not in caplog.text
    monkeypatch.delenv(crossref_source.MAILTO_ENV)
    crossref_source.fetch([PLOS], settings(server))
    assert "mailto" not in server.log[-1]["headers"]["user-agent"]


def test_the_rate_limit_headers_space_the_requests(server, monkeypatch):
    now = [500.0]
    slept: list[float] = []
    monkeypatch.setattr(http, "_GATES", {})
    monkeypatch.setattr(http.Throttle, "clock", staticmethod(lambda: now[0]))
    monkeypatch.setattr(http.Throttle, "sleep", staticmethod(lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))))
    # the recorded public-pool limit: 5 requests per 1 s -> at least 0.2 s apart, though delay_s is 0
    body = json.loads((RECORDED / "crossref" / "list_works_select.json").read_text(encoding="utf-8"))
    server.faults["/crossref/"] = Fault(status=200, body=json.dumps(body).encode(),
                                        headers={"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Interval": "1s"})
    crossref_source.fetch([PLOS, IEEE, NATURE], settings(server, batch_size=1, delay_s=0.0))
    assert slept == [pytest.approx(0.2), pytest.approx(0.2)]


def test_a_429_is_retried_after_the_time_it_asks(server):
    server.faults["/crossref/"] = Fault(status=429, body=b"Too Many Requests", headers={"Retry-After": "0"}, times=1)
    result = crossref_source.fetch([PLOS], settings(server))
    assert result.error is None and result.records[PLOS].year == 2012 and result.requests == 2


def test_a_429_asking_an_hour_ends_the_tries_and_says_so(server):
    server.faults["/crossref/"] = Fault(status=429, body=b"Too Many Requests", headers={"Retry-After": "3600"})
    result = crossref_source.fetch([PLOS], settings(server, max_wait_s=5))
    assert result.requests == 1 and result.error.status == 429
    assert "Crossref is rate-limiting; it asked to wait 60 min, more than max_wait_s = 5 allows" in str(result.error)


def test_a_validation_failure_names_crossrefs_message_and_is_not_retried(server):
    body = (RECORDED / "crossref" / "works_validation_failure_400.json").read_bytes()
    server.faults["/crossref/"] = Fault(status=400, body=body)
    result = crossref_source.fetch([PLOS], settings(server))
    assert result.requests == 1 and result.error.status == 400
    assert "Crossref refused the request: " in result.error.reason
    assert json.loads(body)["message"][0]["message"] in result.error.reason


def test_a_text_404_is_a_failure_not_all_not_found(server):
    body = (RECORDED / "crossref" / "work_404_10.1371_notarealdoi.txt").read_bytes()
    server.faults["/crossref/"] = Fault(status=404, body=body, headers={"Content-Type": "text/plain"})
    result = crossref_source.fetch([PLOS, NATURE], settings(server))
    assert result.error.status == 404 and result.not_found == [] and result.records == {}


def test_a_failed_batch_stops_the_source(server):
    server.faults["/crossref/"] = Fault(status=503, body=b"busy")
    result = crossref_source.fetch([PLOS, IEEE, NATURE], settings(server, batch_size=1, max_tries=2))
    assert result.requests == 2 and result.error.status == 503 and result.not_found == []


def test_no_request_after_the_deadline(server):
    import time

    result = crossref_source.fetch([PLOS], settings(server), deadline=time.monotonic() - 1)
    assert server.log == [] and "deadline passed before this request" in str(result.error)


def test_the_bibliographic_query_takes_only_a_work_that_agrees():
    with ReplayServer([SEED]) as server:
        asked = settings(server)
        title = "Training Neural Networks by Lifted Proximal Operator Machines"
        record, why = crossref_source.search_bibliographic(title, "Jia Li", 2020, asked)
        assert (record.doi, why) == ("10.1109/tpami.2020.3048430", "title, year and first author agree")
        assert server.log[-1]["query"]["query.bibliographic"] == [title]
        assert server.log[-1]["query"]["query.author"] == ["Jia Li"]
        # the page's early-access year (2020) agrees with the record's first publication, not only its print
        assert crossref_source.search_bibliographic(title, "Jia Li", 2018, asked) == \
            (None, "no work with this title, year and first author")
        assert crossref_source.search_bibliographic(title, "Cong Fang", 2020, asked)[0] is None  # not the first
        # two works that agree: ambiguous, nothing written
        body = json.loads((SEED / "crossref" / "query_lpom.json").read_text(encoding="utf-8"))
        twin = {**body["message"]["items"][0], "DOI": "10.5555/placeholder.lpom-twin"}
        body["message"]["items"].append(twin)
        server.faults["/crossref/"] = Fault(status=200, body=json.dumps(body).encode())
        record, why = crossref_source.search_bibliographic(title, "Jia Li", 2020, asked)
        assert record is None and why.startswith("2 works agree (10.1109/tpami.2020.3048430, 10.5555/placeholder")


def test_a_hung_arxiv_never_keeps_crossref_from_the_dois_s2_names(tmp_path):
    """SPIDE listed by its arXiv ID alone: its DOI is known only from S2's answer. arXiv never answers
    before the deadline; Crossref is asked for S2's DOI as soon as S2 answers, and the run ends on time."""
    import time

    import tomli_w

    from pipeline import config as config_module
    from pipeline.fetch import fetch_sources

    batch = json.loads((SEED / "s2" / "paper_batch_seed.json").read_text(encoding="utf-8"))
    spide = next(p for p in batch if p and p["externalIds"].get("ArXiv") == "2302.00232")  # names the DOI
    with ReplayServer([SEED]) as server:
        server.faults["/arxiv/"] = Fault(delay_s=8)
        server.add_answer("POST", "/s2/graph/v1/paper/batch", "fields=" + ",".join(s2_source.FIELDS),
                          body=json.dumps([spide]).encode(), json_body={"ids": ["ARXIV:2302.00232"]})
        path = tmp_path / "config.toml"
        path.write_text(tomli_w.dumps({
            "owner": {"name": "Mingqing Xiao"}, "output": {"dir": str(tmp_path / "output")},
            "run": {"deadline_s": 3}, "sources": server.sources_config(arxiv={"timeout_s": 10, "max_tries": 1}),
            "paper": [{"key": "spide", "arxiv": "2302.00232"}]}), encoding="utf-8")
        config = config_module.load(path)
        started = time.monotonic()
        fetched = fetch_sources(config, {s: {} for s in ("arxiv", "openreview", "s2", "crossref")}, {},
                                offline=False, refresh=True, deadline=started + config.deadline_s)
        elapsed = time.monotonic() - started
    record = fetched.harvest.records["crossref"]["10.1016/j.neunet.2023.01.026"]
    assert record.venue_strings[0] == "Neural Networks" and fetched.reports["crossref"].requests == 1
    assert fetched.reports["arxiv"].error and elapsed < 3 + 1.5
