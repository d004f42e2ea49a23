"""OpenReview fetcher: API 2 then API 1 through ``requests``, against the replay server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone


from harvest import openreview_source
from harvest.settings import OpenReviewSettings
from tests.conftest import RECORDED, SEED, source_settings
from tests.replay import Fault, ReplayServer

SEED_FORUMS = ["MeB86edZ1P", "Siv3nHYHheI", "f2Llmm_z5Sm", "v_KSmk9B5kt"]


def settings(server: ReplayServer, **extra) -> OpenReviewSettings:
    return source_settings(server, "openreview", **extra)


def test_api2_then_api1_in_two_requests(server):
    result = openreview_source.fetch(SEED_FORUMS, settings(server))
    assert sorted(result.records) == sorted(SEED_FORUMS) and result.not_found == []
    assert (server.requests_to("or2"), server.requests_to("or1")) == (1, 1)
    hlop = result.records["MeB86edZ1P"]
    assert hlop.source_id == "api2:MeB86edZ1P"
    assert hlop.venue_strings == ("ICLR 2024 poster",) and hlop.venueid == "ICLR.cc/2024/Conference"
    assert hlop.publication_date == "2024-01-16" and hlop.year == 2024
    tdmp = result.records["v_KSmk9B5kt"]
    assert tdmp.source_id == "api1:v_KSmk9B5kt" and tdmp.venue_strings == ("VIPriors Poster",)
    assert tdmp.title.startswith("TDMPNet: Prototype Network with Recurrent Top-Down Modulation")
    assert result.records["Siv3nHYHheI"].year == 2022  # from venueid; the v1 note has no pdate


def test_content_value_on_both_apis():
    v2 = {"title": {"value": "A"}, "authors": {"value": ["X"]}}
    v1 = {"title": "A", "authors": ["X"]}
    assert openreview_source.content_value(v2, "title") == openreview_source.content_value(v1, "title") == "A"
    assert openreview_source.content_value(v1, "venue") is None


EMPTY = json.dumps({"notes": [], "count": 0}).encode()


def test_recorded_rate_limit_body_is_retried_within_bounds(server):
    # The recorded 429 body (no Retry-After; resetTime already past) -> retried up to max_tries.
    server.add_answer("GET", "/or1/notes", "ids=10Iiew095e", body=EMPTY)
    result = openreview_source.fetch(["10Iiew095e"], settings(server, max_tries=3))
    assert result.error.status == 429 and result.error.tries == 3
    assert server.requests_to("or2") == 3 and result.not_found == []


def test_rate_limit_reset_beyond_the_budget_gives_up_at_once(server):
    recorded = json.loads((RECORDED / "openreview" / "rate_limit_429_attachment.from-issue.json").read_text())
    reset = datetime.now(timezone.utc) + timedelta(hours=1)
    recorded["details"]["resetTime"] = reset.isoformat().replace("+00:00", "Z")
    server.faults["/or2/"] = Fault(status=429, body=json.dumps(recorded).encode())
    server.add_answer("GET", "/or1/notes", "ids=10Iiew095e", body=EMPTY)
    result = openreview_source.fetch(["10Iiew095e"], settings(server, max_wait_s=5))
    assert result.error.status == 429 and result.error.tries == 1
    # the summary says how long it asked to wait and why that was not waited for
    assert "OpenReview is rate-limiting; it asked to wait 60 min, more than max_wait_s = 5 allows" in str(result.error)


def test_retry_after_header_is_honoured(server):
    server.faults["/or2/"] = Fault(status=429, body=b"{}", headers={"Retry-After": "0"}, times=1)
    result = openreview_source.fetch(SEED_FORUMS, settings(server))
    assert result.error is None and len(result.records) == 4
    assert server.requests_to("or2") == 2


def test_restricted_note_403_fails_api_but_other_api_still_answers(server):
    body = json.dumps({"name": "ForbiddenError", "message": "Forbidden", "status": 403}).encode()
    server.faults["/or2/"] = Fault(status=403, body=body)
    server.add_answer("GET", "/or1/notes", "ids=" + ",".join(SEED_FORUMS),
                      body=(SEED / "openreview" / "api1_notes_seed.json").read_bytes())
    result = openreview_source.fetch(SEED_FORUMS, settings(server))
    assert result.error.status == 403 and "ForbiddenError" in result.error.reason
    assert sorted(result.records) == ["Siv3nHYHheI", "f2Llmm_z5Sm", "v_KSmk9B5kt"]
    assert result.not_found == []  # MeB86edZ1P was never answered: unknown, not "not found"


def test_not_found_error_means_not_on_that_api(server):
    body = json.dumps({"name": "NotFoundError", "message": "Note not found", "status": 404}).encode()
    server.faults["/or1/"] = Fault(status=404, body=body)
    result = openreview_source.fetch(SEED_FORUMS, settings(server))
    assert list(result.records) == ["MeB86edZ1P"]
    assert result.not_found == ["Siv3nHYHheI", "f2Llmm_z5Sm", "v_KSmk9B5kt"]


def test_parse_retry_after_http_date():
    from harvest.http import parse_retry_after
    now = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    later = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, now=now) == 90.0
    assert parse_retry_after("7") == 7.0 and parse_retry_after("soon") is None
