"""OpenReview: fetch forum submission notes by ID from API 2, then API 1, through ``requests``.

Venues since 2023-24 (ICLR 2024+, NeurIPS 2023+, ICML 2023+) live on API 2
(``api2.openreview.net``), whose note content wraps each value as ``{"value": ...}``; older ones
(NeurIPS up to 2022, ICLR up to 2023, most workshops) live on API 1 (``api.openreview.net``) with
bare values. A forum ID does not say which, so all IDs are asked of API 2 in one
``GET /notes?ids=`` request per ``batch_size``, and the ones it does not return are asked of API 1
the same way: two requests for a typical homepage. Guests can read public notes; no login is used.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

import requests

from .http import Transient, gate, parse_retry_after, request_timeout, requests_failure, with_retries
from .ids import IdError, normalize_openreview
from .records import FetchResult, SourceError, SourceRecord
from .settings import OpenReviewSettings

__all__ = ["fetch", "to_record", "content_value"]

log = logging.getLogger(__name__)
SOURCE = "openreview"
USER_AGENT = "pubharvest/0.1 (+https://pypi.org/project/pubharvest/)"
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def content_value(content: dict[str, Any], key: str) -> Any:
    """A note content value on either API: API 2's ``{"value": x}`` or API 1's bare ``x``; None if absent."""
    value = content.get(key)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _ms_to_date(ms: Any) -> str | None:
    if not isinstance(ms, (int, float)) or ms <= 0:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).date().isoformat()


def to_record(note: dict[str, Any], *, api: int, fetched_at: str) -> SourceRecord:
    """Map one submission note (API 1 or API 2 JSON) to a SourceRecord.

    Values: ``forum`` (falls back to ``id``); ``content.title``; ``content.authors``;
    ``content.venue`` as the venue string; ``content.venueid``; ``pdate`` (ms since epoch, the
    acceptance/publication date; ``odate`` or ``cdate`` when absent) as the publication date;
    the year from the ``venueid`` segment (``ICLR.cc/2024/Conference``), else from ``venue``,
    else from the date. ``api`` (1 or 2) is recorded in ``source_id`` as ``api<N>:<id>``.
    """
    content = note.get("content") or {}
    title = content_value(content, "title")
    authors = content_value(content, "authors") or []
    venue = content_value(content, "venue")
    venueid = content_value(content, "venueid")
    date = _ms_to_date(note.get("pdate")) or _ms_to_date(note.get("odate")) or _ms_to_date(note.get("cdate"))
    year = None
    for text in (venueid, venue):
        match = _YEAR.search(text) if isinstance(text, str) else None
        if match:
            year = int(match.group(0))
            break
    if year is None and date:
        year = int(date[:4])
    forum = note.get("forum") or note["id"]
    return SourceRecord(
        source=SOURCE,
        requested_id=forum,
        source_id=f"api{api}:{note['id']}",
        fetched_at=fetched_at,
        title=title.strip() if isinstance(title, str) and title.strip() else None,
        authors=tuple(a.strip() for a in authors if isinstance(a, str) and a.strip()),
        year=year,
        publication_date=date,
        venue_strings=(venue.strip(),) if isinstance(venue, str) and venue.strip() else (),
        venueid=venueid if isinstance(venueid, str) and venueid else None,
        openreview_forum=forum,
    )


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _retry_after(response: requests.Response, body: Any) -> float | None:
    seconds = parse_retry_after(response.headers.get("Retry-After"))
    if seconds is None and isinstance(body, dict):
        # OpenReview's RateLimitError body: {"details": {"resetTime": "2026-08-31T08:59:25.212Z"}}
        reset = (body.get("details") or {}).get("resetTime")
        if isinstance(reset, str):
            try:
                when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
                seconds = max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
            except ValueError:
                seconds = None
    return seconds


def _get_notes(session: requests.Session, base_url: str, batch: list[str],
               settings: OpenReviewSettings, deadline: float | None) -> list[dict[str, Any]] | None:
    """One ``GET /notes?ids=``; returns the notes, or None when the API answers NotFoundError."""
    gate(SOURCE).wait(settings.delay_s)
    timeout_s = request_timeout(SOURCE, settings.timeout_s, deadline)
    try:
        response = session.get(base_url.rstrip("/") + "/notes", params={"ids": ",".join(batch)},
                               timeout=timeout_s)
    except requests.RequestException as exc:
        raise requests_failure(SOURCE, exc, timeout_s) from exc
    try:
        body = response.json()
    except (ValueError, requests.exceptions.ContentDecodingError):
        body = None
    status = response.status_code
    if status == 429 or status >= 500:
        raise Transient("OpenReview is rate-limiting" if status == 429 else "OpenReview server error", status=status,
                        retry_after_s=_retry_after(response, body) if status == 429 else None)
    name = body.get("name") if isinstance(body, dict) else None
    if status == 404 or name == "NotFoundError":
        return None
    if status != 200:
        message = body.get("message") if isinstance(body, dict) else None
        raise SourceError(SOURCE, f"OpenReview refused the request ({name or 'error'}: {message or response.reason})",
                          url=response.url, status=status)
    if not isinstance(body, dict) or not isinstance(body.get("notes"), list):
        raise Transient("OpenReview sent a malformed body (no notes list)", status=status)
    return body["notes"]


def _fetch_api(session: requests.Session, api: int, base_url: str, ids: list[str], settings: OpenReviewSettings,
               result: FetchResult, answered: set[str], deadline: float | None) -> None:
    """Ask one API for ``ids`` in batches; add found notes to ``result`` and asked IDs to ``answered``."""
    for start in range(0, len(ids), settings.batch_size):
        batch = ids[start:start + settings.batch_size]
        url = f"{base_url.rstrip('/')}/notes?ids={','.join(batch)}"
        notes, tries = with_retries(SOURCE, settings, lambda: _get_notes(session, base_url, batch, settings, deadline),
                                    url=url, deadline=deadline)
        result.requests += tries
        answered.update(batch)
        fetched_at = _now()
        for note in notes or []:
            try:
                record = to_record(note, api=api, fetched_at=fetched_at)
                forum = normalize_openreview(record.requested_id)
            except (KeyError, IdError, TypeError) as exc:
                log.warning("OpenReview API %d: skipping a malformed note (%s)", api, exc)
                continue
            if forum in batch:
                result.records[forum] = record
            elif note.get("id") in batch:
                log.warning("OpenReview: %s is a reply in forum %s; using the forum's note", note["id"], forum)
            else:
                log.warning("OpenReview: answer holds note %s, which was not requested", note.get("id"))


def fetch(ids: list[str], settings: OpenReviewSettings, *, deadline: float | None = None) -> FetchResult:
    """Fetch the submission notes of ``ids`` (forum IDs) from API 2, then the rest from API 1.

    Returns a FetchResult keyed by forum ID. When an API fails, ``error`` is set, the other API
    is still asked, and IDs neither API answered for are left out of ``not_found``. ``deadline``
    (a ``time.monotonic()`` value) bounds waiting and timeouts.
    """
    wanted = sorted(set(ids))
    result = FetchResult(source=SOURCE)
    if not wanted:
        return result
    answered: dict[int, set[str]] = {2: set(), 1: set()}
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for api, base_url in ((2, settings.api2_url), (1, settings.api1_url)):
            todo = [i for i in wanted if i not in result.records]
            if not todo:
                break
            try:
                _fetch_api(session, api, base_url, todo, settings, result, answered[api], deadline)
            except SourceError as exc:
                result.requests += exc.tries
                log.info("%s", exc)
                result.error = result.error or exc
    # Not found means: both APIs answered and neither holds the note.
    result.not_found = [i for i in wanted if i not in result.records and i in answered[2] and i in answered[1]]
    log.info("OpenReview: %d of %d forums found in %d requests", len(result.records), len(wanted), result.requests)
    return result
