"""arXiv: fetch papers by ID with the ``arxiv`` package, map each entry to a SourceRecord.

One ``id_list`` request per ``batch_size`` IDs (``max_results`` set to the batch length, since the
API's default of 10 silently truncates), at least ``delay_s`` seconds apart across the whole
process, each with a timeout (the package sets none). Entries come back in relevance order, so
they are matched to the request by the ID in their ``<id>``; IDs with no entry are "not found"
(the API answers an unknown but well-formed ID with an empty feed and HTTP 200).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import arxiv
import requests
from lxml import etree
from requests.adapters import HTTPAdapter

from .http import FAILED, Transient, counted_request, gate, parse_retry_after, request_timeout, requests_failure
from .ids import IdError, normalize_doi, split_arxiv_version
from .records import FetchResult, SourceError, SourceRecord
from .settings import ArxivSettings

__all__ = ["fetch", "search_author", "author_query", "to_record"]

log = logging.getLogger(__name__)
SOURCE = "arxiv"


class MalformedFeed(requests.RequestException):
    """A 200 answer that is not a whole Atom feed (cut off, or not XML)."""


class _FeedAdapter(HTTPAdapter):
    """Gives every request of the ``arxiv`` client's session a timeout (the package sets none), and
    refuses a 200 answer that is not a complete, well-formed feed: the package parses with lxml's
    recover mode, which would turn a cut-off feed into silently missing papers."""

    def __init__(self, timeout_s: float):
        super().__init__(max_retries=0)
        self.timeout_s = timeout_s
        self.retry_after: str | None = None

    def send(self, request, **kwargs):  # noqa: D401 - requests' signature
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        response = super().send(request, **kwargs)
        # The package's HTTPError keeps only the status; keep Retry-After for the backoff.
        self.retry_after = response.headers.get("Retry-After")
        if response.status_code == 200:
            try:
                root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError as exc:
                raise MalformedFeed(f"arXiv sent a malformed or cut-off feed ({exc})", response=response) from exc
            if root.tag != "{http://www.w3.org/2005/Atom}feed":
                raise MalformedFeed(f"arXiv answered with <{etree.QName(root).localname}>, not an Atom feed "
                                    "(a proxy or login page?)", response=response)
        return response


def _client(settings: ArxivSettings) -> arxiv.Client:
    # The package's own delay (per client) is off: the process-wide gate (harvest.http.gate) keeps
    # arXiv's one request every delay_s seconds across every client and thread, and its clock can be
    # read in tests.
    client = arxiv.Client(page_size=settings.batch_size, delay_seconds=0.0, num_retries=0)
    client.query_url_format = settings.query_url + "?{}"
    adapter = _FeedAdapter(settings.timeout_s)
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)
    return client


def to_record(result: arxiv.Result, *, fetched_at: str) -> SourceRecord:
    """Map one parsed arXiv entry to a SourceRecord.

    Values: ``<id>`` gives the arXiv ID and version; ``<title>`` (whitespace collapsed by the
    package); ``<author><name>`` in order; ``<published>`` (the v1 date) gives the publication
    date and year; ``<arxiv:journal_ref>`` and ``<arxiv:comment>`` become venue strings;
    ``<arxiv:doi>`` the DOI (ignored when it is not a DOI).

    Raises IdError when the entry's ``<id>`` holds no arXiv ID (an API error entry).
    """
    arxiv_id, version = split_arxiv_version(result.entry_id)
    doi = None
    if result.doi:
        try:
            doi = normalize_doi(result.doi)
        except IdError:
            log.warning("arXiv %s: ignoring <arxiv:doi> %r, not a DOI", arxiv_id, result.doi)
    return SourceRecord(
        source=SOURCE,
        requested_id=arxiv_id,
        source_id=result.get_short_id(),
        fetched_at=fetched_at,
        title=result.title.strip() or None,
        authors=tuple(a.name.strip() for a in result.authors if a.name and a.name.strip()),
        year=result.published.year,
        publication_date=result.published.date().isoformat(),
        venue_strings=tuple(s.strip() for s in (result.journal_ref, result.comment) if s and s.strip()),
        arxiv_id=arxiv_id,
        arxiv_version=version,
        doi=doi,
        comment=result.comment,
        journal_ref=result.journal_ref,
    )


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _search(client: arxiv.Client, batch: list[str], settings: ArxivSettings,
            deadline: float | None, search: arxiv.Search | None = None) -> list[arxiv.Result]:
    gate(SOURCE).wait(settings.delay_s)
    timeout_s = request_timeout(SOURCE, settings.timeout_s, deadline)
    for adapter in client._session.adapters.values():
        adapter.timeout_s = timeout_s
    search = search or arxiv.Search(id_list=batch, max_results=len(batch))
    client.page_size = search.max_results
    try:
        return list(client.results(search))
    except arxiv.HTTPError as exc:
        if exc.status == 429 or exc.status >= 500:
            reason = "arXiv is rate-limiting" if exc.status == 429 else "arXiv server error"
            retry_after = next((a.retry_after for a in client._session.adapters.values()
                                if isinstance(a, _FeedAdapter) and a.retry_after), None)
            raise Transient(reason, status=exc.status, retry_after_s=parse_retry_after(retry_after)) from exc
        raise SourceError(SOURCE, "arXiv rejected the request", url=exc.url, status=exc.status) from exc
    except arxiv.UnexpectedEmptyPageError as exc:
        raise Transient("arXiv returned an empty page") from exc
    except MalformedFeed as exc:
        raise Transient(str(exc)) from exc
    except requests.RequestException as exc:
        raise requests_failure(SOURCE, exc, timeout_s, settings.timeout_s) from exc


def _records(entries: list[arxiv.Result]) -> list[SourceRecord]:
    """The records of an answer's entries, fetched now; an entry that is no paper (the API's error
    entry) is skipped with a warning."""
    fetched_at = _now()
    records = []
    for entry in entries:
        try:
            records.append(to_record(entry, fetched_at=fetched_at))
        except IdError:
            log.warning("arXiv: skipping entry %s, not a paper (API error entry?)", entry.entry_id)
    return records


def fetch(ids: list[str], settings: ArxivSettings, *, deadline: float | None = None) -> FetchResult:
    """Fetch arXiv entries for ``ids`` (canonical, versionless arXiv IDs).

    Returns a FetchResult whose ``records`` are keyed by the versionless arXiv ID. A failed
    batch sets ``error`` and stops the fetch (later batches would fail the same way); records
    of earlier batches are kept. ``deadline`` (a ``time.monotonic()`` value) bounds waiting and
    request timeouts; no request starts after it.
    """
    wanted = sorted(set(ids))
    result = FetchResult(source=SOURCE)
    if not wanted:
        return result
    client = _client(settings)
    for start in range(0, len(wanted), settings.batch_size):
        batch = wanted[start:start + settings.batch_size]
        url = client.query_url_format.format("id_list=" + ",".join(batch))
        entries = counted_request(result, SOURCE, settings, lambda: _search(client, batch, settings, deadline),
                                  url=url, deadline=deadline)
        if entries is FAILED:
            return result
        for record in _records(entries):
            if record.arxiv_id in batch:
                result.records[record.arxiv_id] = record
            else:
                log.warning("arXiv: answer holds %s, which was not requested", record.source_id)
        missing = [i for i in batch if i not in result.records]
        result.not_found.extend(missing)
        log.info("arXiv: %d of %d IDs found in 1 request%s", len(batch) - len(missing), len(batch),
                 f"; not found: {', '.join(missing)}" if missing else "")
    return result


def author_query(name: str) -> str:
    """The arXiv ``search_query`` for papers by ``name``: ``au:"First Last"`` (a phrase, so that
    "Mingqing Xiao" does not match every Xiao)."""
    return 'au:"' + " ".join(name.replace('"', " ").split()) + '"'


def search_author(name: str, settings: ArxivSettings, *, max_results: int = 100,
                  deadline: float | None = None) -> FetchResult:
    """The arXiv entries of an author query (:func:`author_query`) in one request of up to
    ``max_results`` entries, newest first. Namesakes come back too: the caller decides which are the
    owner's. Returns a FetchResult keyed by versionless arXiv ID; ``error`` when the request failed.
    """
    result = FetchResult(source=SOURCE)
    client = _client(settings)
    search = arxiv.Search(query=author_query(name), max_results=max_results,
                          sort_by=arxiv.SortCriterion.SubmittedDate)
    url = client.query_url_format.format("search_query=" + author_query(name))
    entries = counted_request(result, SOURCE, settings, lambda: _search(client, [], settings, deadline, search),
                              url=url, deadline=deadline)
    if entries is FAILED:
        return result
    for record in _records(entries):
        result.records[record.arxiv_id] = record
    log.info("arXiv: %d entries for %s", len(result.records), author_query(name))
    return result
