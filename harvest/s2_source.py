"""Semantic Scholar: one ``POST /paper/batch`` per 500 IDs with the ``semanticscholar`` package.

The batch answer is a JSON list in request order with ``null`` for IDs S2 does not know; nulls
are "not found". The package's own retry (up to ten tries, minutes of waiting) is off
(``retry=False``); :func:`harvest.http.with_retries` bounds ours. The API key comes from the
``S2_API_KEY`` environment variable, goes out as ``x-api-key``, and is never logged: the
package logs request headers at DEBUG, so its logger is held at INFO.

One quirk shapes this module: for HTTP statuses it does not know (401, 502, 503, ...) the package
returns ``{}`` instead of raising, which ``get_papers`` would turn into "every ID not found".
:class:`_BatchRequester` keeps the raw answer and refuses anything but a list of the right length.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

import httpx
import tenacity
from semanticscholar import SemanticScholar
from semanticscholar.ApiRequester import ApiRequester
from semanticscholar.SemanticScholarException import (
    BadQueryParametersException,
    GatewayTimeoutException,
    InternalServerErrorException,
    ObjectNotFoundException,
)

from .http import FAILED, Transient, counted_request, gate, is_name_resolution_failure, request_timeout, timeout_reason
from .ids import IdError, arxiv_from_doi, normalize_arxiv, normalize_doi
from .records import FetchResult, SourceError, SourceRecord
from .settings import S2Settings

__all__ = ["FIELDS", "fetch", "fetch_author", "to_record"]

log = logging.getLogger(__name__)
SOURCE = "s2"
API_KEY_ENV = "S2_API_KEY"

#: The fields asked of ``/paper/batch``; everything the merge reads and nothing heavier.
FIELDS = ["title", "authors", "year", "venue", "publicationVenue", "journal", "externalIds",
          "publicationDate", "publicationTypes", "citationCount"]

# The package logs headers (and so the API key) at DEBUG, and every ID a batch does not find in one
# WARNING line (500 IDs, 10 KB; the run summary lists them, shortened); httpcore logs request internals.
logging.getLogger("semanticscholar").setLevel(logging.ERROR)
logging.getLogger("httpcore").setLevel(logging.INFO)


class _BatchRequester(ApiRequester):
    """The package's requester, keeping the raw batch answer and rejecting non-list bodies."""

    def __init__(self, timeout: float, expected: int):
        super().__init__(timeout, retry=False)
        self.expected = expected
        self.data: list[Any] | None = None

    async def get_data_async(self, url, parameters, headers, payload=None):
        data = await super().get_data_async(url, parameters, headers, payload)
        if not isinstance(data, list):
            raise Transient("Semantic Scholar answered without a paper list (an error page, or an HTTP status "
                            "such as 401, 502 or 503, which the semanticscholar package does not report)")
        if len(data) != self.expected:
            raise Transient(f"Semantic Scholar answered {len(data)} items for {self.expected} IDs")
        self.data = data
        return data


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _texts(values: list[Any]) -> tuple[str, ...]:
    """Non-empty strings, HTML entities decoded once (S2 sends "AI &amp; SOCIETY"), repeats dropped."""
    out = (" ".join(html.unescape(v).split()) for v in values if isinstance(v, str) and v.strip())
    return tuple(dict.fromkeys(v for v in out if v))


def to_record(raw: dict[str, Any], *, requested_id: str, fetched_at: str) -> SourceRecord:
    """Map one paper object of a ``/paper/batch`` answer to a SourceRecord.

    Values: ``title``; ``authors[].name``; ``year``; ``publicationDate``; venue strings from
    ``venue`` (skipped when empty), ``publicationVenue.name`` and ``journal.name``, with HTML
    entities decoded once; ``publicationVenue.alternate_names``; ``publicationVenue.type``; ``externalIds`` gives ``ArXiv`` (no version), ``DOI``
    (an arXiv DOI is read as the arXiv ID), ``DBLP`` and ``CorpusId``; ``paperId``;
    ``publicationTypes``; ``citationCount``; ``authors[].authorId``.
    """
    ext = raw.get("externalIds") or {}
    venue = raw.get("publicationVenue") or {}
    journal = raw.get("journal") or {}
    venue_strings = _texts([raw.get("venue"), venue.get("name"), journal.get("name")])
    alternates = _texts(venue.get("alternate_names") or [])
    arxiv_id = doi = None
    if ext.get("ArXiv"):
        try:
            arxiv_id = normalize_arxiv(str(ext["ArXiv"]))
        except IdError:
            log.warning("S2 %s: ignoring externalIds.ArXiv %r", raw.get("paperId"), ext["ArXiv"])
    if ext.get("DOI"):
        arxiv_id = arxiv_id or arxiv_from_doi(str(ext["DOI"]))
        try:
            doi = normalize_doi(str(ext["DOI"]))
        except IdError:
            doi = None
    corpus = ext.get("CorpusId", raw.get("corpusId"))
    named = [a for a in raw.get("authors") or [] if isinstance(a, dict) and isinstance(a.get("name"), str)
             and a["name"].strip()]
    return SourceRecord(
        source=SOURCE,
        requested_id=requested_id,
        source_id=str(raw.get("paperId") or requested_id),
        fetched_at=fetched_at,
        title=(raw.get("title") or "").strip() or None,
        authors=tuple(a["name"].strip() for a in named),
        author_ids=tuple(str(a.get("authorId") or "") for a in named) if any(a.get("authorId") for a in named) else (),
        year=raw.get("year") if isinstance(raw.get("year"), int) else None,
        publication_date=raw.get("publicationDate") or None,
        venue_strings=venue_strings,
        venue_alternates=alternates,
        journal_name=(_texts([journal.get("name")]) or (None,))[0],
        venue_type=venue.get("type") or None,
        dblp_key=ext.get("DBLP") or None,
        arxiv_id=arxiv_id,
        doi=doi,
        s2_paper_id=raw.get("paperId") or None,
        corpus_id=int(corpus) if isinstance(corpus, (int, str)) and str(corpus).isdigit() else None,
        publication_types=tuple(raw.get("publicationTypes") or ()),
        citation_count=raw["citationCount"] if type(raw.get("citationCount")) is int and raw["citationCount"] >= 0
        else None,
    )


def _post_batch(batch: list[str], settings: S2Settings, deadline: float | None) -> list[Any]:
    gate(SOURCE).wait(settings.delay_s)
    timeout_s = request_timeout(SOURCE, settings.timeout_s, deadline)
    sch = SemanticScholar(timeout=timeout_s, api_key=os.environ.get(API_KEY_ENV) or None,
                          api_url=settings.api_url.rstrip("/"), retry=False)
    requester = _BatchRequester(timeout_s, len(batch))
    sch._AsyncSemanticScholar._requester = requester
    _mapped(lambda: sch.get_papers(batch, fields=FIELDS, return_not_found=True), timeout_s, settings)
    assert requester.data is not None
    return requester.data


def _mapped(call, timeout_s: float, settings: S2Settings) -> Any:
    """``call()`` with the package's and httpx's exceptions turned into Transient (retried) or
    SourceError (the source stops), as :func:`harvest.http.with_retries` expects."""
    try:
        return call()
    except tenacity.RetryError as exc:  # retry=False wraps the 429 ConnectionRefusedError
        inner = exc.last_attempt.exception()
        if isinstance(inner, ConnectionRefusedError):
            raise Transient("Semantic Scholar is rate-limiting", status=429) from exc
        if isinstance(inner, Transient):
            raise inner from exc
        raise
    except ConnectionRefusedError as exc:
        raise Transient("Semantic Scholar is rate-limiting", status=429) from exc
    except (InternalServerErrorException, GatewayTimeoutException) as exc:
        status = 504 if isinstance(exc, GatewayTimeoutException) else 500
        raise Transient(f"Semantic Scholar server error: {exc}", status=status) from exc
    except httpx.TimeoutException as exc:
        raise Transient(timeout_reason(timeout_s, settings.timeout_s)) from exc
    except httpx.TransportError as exc:
        if is_name_resolution_failure(exc):
            raise SourceError(SOURCE, "cannot resolve the API's host name; is this machine offline?") from exc
        if isinstance(exc, (httpx.ConnectError, httpx.ProxyError, httpx.UnsupportedProtocol)):
            raise Transient(f"could not connect ({type(exc).__name__})") from exc
        raise Transient(f"the connection broke off ({type(exc).__name__})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError) as exc:
        raise Transient(f"Semantic Scholar sent a body that is not its JSON (an error page or a cut-off "
                        f"answer; {type(exc).__name__})") from exc
    except PermissionError as exc:
        raise SourceError(SOURCE, f"Semantic Scholar refused the request; if {API_KEY_ENV} is set, "
                                  "check that the key is valid", status=403) from exc
    except BadQueryParametersException as exc:
        raise SourceError(SOURCE, f"Semantic Scholar rejected the request: {exc}", status=400) from exc
    except ObjectNotFoundException as exc:
        raise SourceError(SOURCE, f"Semantic Scholar answered not found: {exc}", status=404) from exc


#: Papers per ``/author/{id}/papers`` page: the API's maximum.
AUTHOR_PAGE = 1000


def _author_page(url: str, offset: int, settings: S2Settings, deadline: float | None) -> dict[str, Any]:
    gate(SOURCE).wait(settings.delay_s)
    timeout_s = request_timeout(SOURCE, settings.timeout_s, deadline)
    key = os.environ.get(API_KEY_ENV)
    requester = ApiRequester(timeout_s, retry=False)
    parameters = f"fields={','.join(FIELDS)}&offset={offset}&limit={AUTHOR_PAGE}"  # as PaginatedResults builds it
    data = _mapped(lambda: asyncio.run(requester.get_data_async(url, parameters, {"x-api-key": key} if key else {})),
                   timeout_s, settings)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise Transient("Semantic Scholar answered without a page of papers (an error page, or an HTTP status "
                        "such as 401, 502 or 503, which the semanticscholar package does not report)")
    return data


def fetch_author(author_id: str, settings: S2Settings, *, deadline: float | None = None) -> FetchResult:
    """Every paper of one S2 author: ``GET /author/{author_id}/papers`` in pages of 1,000 (``offset``,
    ``limit``; the answer's ``next`` says whether another page follows), through the
    ``semanticscholar`` package's requester, with the batch's fields.

    Returns a FetchResult whose records are keyed by ``paperId`` (``requested_id`` too). A failed
    page sets ``error``: the papers of earlier pages are kept, and the caller treats the author's
    list as unknown. An unknown author ID is an error (404), not an empty list.
    """
    result = FetchResult(source=SOURCE)
    url = f"{settings.api_url.rstrip('/')}/graph/v1/author/{author_id}/papers"
    offset: int | None = 0
    while offset is not None:
        page = counted_request(result, SOURCE, settings, lambda: _author_page(url, offset, settings, deadline),
                               url=f"{url}?offset={offset}", deadline=deadline)
        if page is FAILED:
            return result
        fetched_at = _now()
        for raw in page["data"]:
            if isinstance(raw, dict) and raw.get("paperId"):
                result.records[raw["paperId"]] = to_record(raw, requested_id=raw["paperId"], fetched_at=fetched_at)
        following = page.get("next")
        offset = following if isinstance(following, int) and page["data"] and following > offset else None
    log.info("S2: author %s has %d papers (%d requests)", author_id, len(result.records), result.requests)
    return result


def fetch(ids: list[str], settings: S2Settings, *, deadline: float | None = None) -> FetchResult:
    """Fetch S2 papers for ``ids`` (``ARXIV:<id>``, ``DOI:<doi>``, ``CorpusId:<n>`` or a paperId).

    Returns a FetchResult keyed by the requested ID; ``null`` answers go to ``not_found``.
    A failed batch sets ``error`` and stops the fetch; earlier batches' records are kept.
    ``deadline`` (a ``time.monotonic()`` value) bounds waiting and timeouts.
    """
    wanted = list(dict.fromkeys(ids))
    result = FetchResult(source=SOURCE)
    url = settings.api_url.rstrip("/") + "/graph/v1/paper/batch"
    size = max(1, min(settings.batch_size, 500))
    for start in range(0, len(wanted), size):
        batch = wanted[start:start + size]
        data = counted_request(result, SOURCE, settings, lambda: _post_batch(batch, settings, deadline), url=url,
                               deadline=deadline)
        if data is FAILED:
            return result
        fetched_at = _now()
        for requested, raw in zip(batch, data):
            if raw is None:
                result.not_found.append(requested)
            else:
                result.records[requested] = to_record(raw, requested_id=requested, fetched_at=fetched_at)
        log.info("S2: %d of %d IDs found in 1 request", len(batch) - sum(r is None for r in data), len(batch))
    return result
