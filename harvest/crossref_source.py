"""Crossref: the version of record of each DOI (and of each Elsevier PII), many per request.

DOIs are asked ``batch_size`` at a time in one ``GET /works?filter=doi:A,doi:B,...&rows=N``
(repeating a filter is OR in Crossref's API; ``rows`` is set to the batch so every match fits on
one page; the default batch of 50 keeps the URL far under the 8 kB proxies accept). Elsevier PIIs
(ScienceDirect ``/pii/S0893608024000352`` links) are asked the same way through the
``alternative-id`` filter, which holds a publisher's own ID. Crossref answers a ``work-list`` in no
guaranteed order and lower-cases DOIs, so answers are matched to the request by DOI, or by the PII
among the item's ``alternative-id``; a DOI or PII absent from the items is not found.

Why ``requests`` and not habanero: habanero's ``works(ids=[...])`` sends one request per DOI,
has no retry and reads neither ``Retry-After`` nor the rate-limit headers, raises three kinds of
exception for errors, and brings a second HTTP stack (``httpx2``, ``tqdm``, a pinned ``urllib3``).
What is needed here is two kinds of GET, which :mod:`harvest.http` already bounds (retries with
backoff, ``Retry-After``, the run's deadline, one request at a time per source) over the
``requests`` the other sources use.

Polite pool: with ``[sources.crossref] mailto`` (or ``CROSSREF_MAILTO`` in the environment) the
User-Agent carries ``mailto:<address>``, as Crossref asks, and requests go to the polite pool; the
address is never logged. Rate limits: every answer's ``X-Rate-Limit-Limit`` and
``X-Rate-Limit-Interval`` (``10`` and ``1s`` in the polite pool in 2026; ``5``/``1s`` public) set
the least time between two requests when that is longer than ``delay_s``; 429 and 5xx are retried
within bounds, ``Retry-After`` honoured; a 400 ``validation-failure`` names Crossref's message and
is not retried.

``to_record`` is pure: the work's ``title`` (JATS/HTML tags removed, ``subtitle`` joined with a
colon), authors as ``given family`` (``name`` for an organisation), the venue from ``event.name``
(proceedings) then ``container-title`` and ``short-container-title``, the kind from ``type``, and
the year of the printed issue (``published-print``), else ``issued``, ``published-online``,
``created``.
"""

from __future__ import annotations

import html
import logging
import os
import re
from datetime import datetime, timezone
from typing import Any

import requests

from .http import Transient, gate, parse_retry_after, request_timeout, requests_failure, with_retries
from .ids import PII_PREFIX, IdError, normalize_doi, normalize_pii
from .records import FetchResult, SourceError, SourceRecord
from .settings import CrossrefSettings

__all__ = ["fetch", "to_record", "search_bibliographic", "MAILTO_ENV", "PII_PREFIX", "pii_request_id"]

log = logging.getLogger(__name__)
SOURCE = "crossref"
MAILTO_ENV = "CROSSREF_MAILTO"
USER_AGENT = "pubharvest/0.1 (https://pypi.org/project/pubharvest/)"
#: The fields asked of /works: everything to_record reads and nothing heavier (references, licences).
SELECT = ("DOI,title,subtitle,author,container-title,short-container-title,type,issued,published-print,"
          "published-online,created,event,alternative-id")
#: Crossref ``type`` -> our venue kind; None: not a venue (``posted-content`` is a preprint).
KINDS = {"journal-article": "journal", "proceedings-article": "conference", "book-chapter": "book",
         "book": "book", "monograph": "book", "edited-book": "book", "reference-book": "book",
         "book-part": "book", "book-section": "book", "dissertation": "thesis", "posted-content": None}
_TAG = re.compile(r"<[^>]+>")
_PII_SHAPE = re.compile(r"^S[0-9X]{16}$")


def pii_request_id(pii: str) -> str:
    """The request ID of an Elsevier PII (``PII:S0893608024000352``), as the run plans and stores it."""
    return PII_PREFIX + normalize_pii(pii)


def _text(value: Any) -> str | None:
    """The first string of a Crossref text array, tags removed, entities decoded, spaces collapsed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    text = " ".join(html.unescape(_TAG.sub("", value)).split())
    return text or None


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in (_text(v) for v in items) if t]


def _date(work: dict[str, Any]) -> tuple[int | None, str | None]:
    """(year, ISO date as precise as given): the year of the printed issue (``published-print``),
    else of ``issued``, ``published-online``; the date of first publication (``issued``: the earlier
    of print and online), else print, online. Without any: the year the event or container title
    names ("... Workshops, 2003. Proceedings.": some IEEE records have ``issued: [[null]]``), else
    the record's ``created`` date."""
    year = next((y for key in ("published-print", "issued", "published-online") if (y := _parts(work, key)[0])), None)
    date = next((d for key in ("issued", "published-print", "published-online") if (d := _parts(work, key)[1])), None)
    if year:
        return year, date
    event = work.get("event") if isinstance(work.get("event"), dict) else {}
    for text in [_text(event.get("name")), *_texts(work.get("container-title"))]:
        years = re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text or "")
        if years:
            return int(years[-1]), years[-1]
    return _parts(work, "created")


def _parts(work: dict[str, Any], key: str) -> tuple[int | None, str | None]:
    """(year, ISO date) of a Crossref partial date (``{"date-parts": [[2024, 4]]}``), or (None, None)."""
    parts = (work.get(key) or {}).get("date-parts") if isinstance(work.get(key), dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    numbers = [p for p in first if isinstance(p, int) and not isinstance(p, bool)]
    if numbers and 1000 <= numbers[0] <= 2999 and len(numbers) == len(first):
        return numbers[0], "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:3])])
    return None, None


def _author(person: Any) -> str | None:
    if not isinstance(person, dict):
        return None
    given, family = person.get("given"), person.get("family")
    parts = [p.strip() for p in (given, family) if isinstance(p, str) and p.strip()]
    if family and parts:
        return " ".join(parts)
    name = person.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else (" ".join(parts) or None)


def to_record(work: dict[str, Any], *, requested_id: str, fetched_at: str) -> SourceRecord:
    """Map one Crossref work (``message`` of ``/works/{doi}``, an item of ``/works``) to a SourceRecord.

    Values: ``DOI`` (canonical lower case); ``title`` with ``subtitle``; ``author`` in order
    (``given family``, or ``name``); ``type`` as ``publication_types`` and, mapped by
    :data:`KINDS`, as ``venue_type`` (a ``book-chapter`` with an ``event`` is a proceedings paper:
    ``conference``); venue strings ``event.name``, ``container-title``, ``short-container-title``;
    ``event.acronym`` and ``short-container-title`` as alternates; ``container-title`` of a
    journal article as ``journal_name``; the year of the printed issue (``published-print``, else
    ``issued``, ``published-online``, ``created``) and the date of first publication (``issued``);
    the PII among ``alternative-id``.

    Raises KeyError or IdError when the work has no usable DOI.
    """
    doi = normalize_doi(work["DOI"])
    title = _text(work.get("title"))
    subtitle = _text(work.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    kind = work.get("type") if isinstance(work.get("type"), str) else None
    event = work.get("event") if isinstance(work.get("event"), dict) else {}
    event_name = _text(event.get("name"))
    containers = _texts(work.get("container-title"))
    shorts = _texts(work.get("short-container-title"))
    venue_type = KINDS.get(kind or "", None)
    if kind == "book-chapter" and event_name:
        venue_type = "conference"
    year, date = _date(work)
    piis = [re.sub(r"[()\-\s]", "", a).upper() for a in work.get("alternative-id") or [] if isinstance(a, str)]
    authors = [a for a in (_author(p) for p in work.get("author") or []) if a]
    return SourceRecord(
        source=SOURCE,
        requested_id=requested_id,
        source_id=doi,
        fetched_at=fetched_at,
        title=title,
        authors=tuple(authors),
        year=year,
        publication_date=date,
        venue_strings=tuple(dict.fromkeys([*([event_name] if event_name else []), *containers, *shorts])),
        venue_alternates=tuple(dict.fromkeys([*([a] if (a := _text(event.get("acronym"))) else []), *shorts])),
        journal_name=containers[0] if containers and kind == "journal-article" else None,
        venue_type=venue_type,
        doi=doi,
        publication_types=(kind,) if kind else (),
        pii=next((p for p in piis if _PII_SHAPE.match(p)), None),
    )


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _mailto(settings: CrossrefSettings) -> str:
    return (settings.mailto or os.environ.get(MAILTO_ENV, "")).strip()


def _interval_s(response: requests.Response) -> float | None:
    """The least seconds between two requests that the rate-limit headers ask (``10`` per ``1s``: 0.1)."""
    limit, interval = response.headers.get("X-Rate-Limit-Limit"), response.headers.get("X-Rate-Limit-Interval")
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", interval or "")
    if not (limit and limit.strip().isdigit() and int(limit) > 0 and match):
        return None
    seconds = float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]
    return seconds / int(limit)


class _Client:
    """One fetch's session, request count and the delay the rate-limit headers ask for."""

    def __init__(self, session: requests.Session, settings: CrossrefSettings, deadline: float | None):
        self.session = session
        self.settings = settings
        self.deadline = deadline
        self.sent = 0
        self.least_delay_s = 0.0

    def works(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """One ``GET /works`` with ``params``; the answer's items."""
        gate(SOURCE).wait(max(self.settings.delay_s, self.least_delay_s))
        timeout_s = request_timeout(SOURCE, self.settings.timeout_s, self.deadline)
        self.sent += 1
        url = self.settings.api_url.rstrip("/") + "/works"
        try:
            response = self.session.get(url, params=params, timeout=timeout_s)
        except requests.RequestException as exc:
            raise requests_failure(SOURCE, exc, timeout_s, self.settings.timeout_s) from None
        interval = _interval_s(response)
        if interval is not None:
            self.least_delay_s = interval
        return _items(response)


def _items(response: requests.Response) -> list[dict[str, Any]]:
    status = response.status_code
    if status == 429 or status >= 500:
        raise Transient("Crossref is rate-limiting" if status == 429 else "Crossref server error", status=status,
                        retry_after_s=parse_retry_after(response.headers.get("Retry-After")) if status == 429 else None)
    try:
        body = response.json()
    except (ValueError, requests.exceptions.ContentDecodingError):
        body = None
    if status == 400 and isinstance(body, dict) and body.get("message-type") == "validation-failure":
        messages = body.get("message") if isinstance(body.get("message"), list) else []
        detail = "; ".join(str(m.get("message")) for m in messages if isinstance(m, dict) and m.get("message"))
        raise SourceError(SOURCE, f"Crossref refused the request: {detail or 'validation failure'}",
                          url=response.url, status=status)
    if status != 200:
        raise SourceError(SOURCE, f"Crossref refused the request ({response.reason or 'error'})",
                          url=response.url, status=status)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("items"), list):
        raise Transient("Crossref sent a malformed body (not its JSON work list)", status=status)
    return [item for item in message["items"] if isinstance(item, dict)]


def _session(settings: CrossrefSettings) -> requests.Session:
    session = requests.Session()
    mailto = _mailto(settings)
    session.headers["User-Agent"] = USER_AGENT[:-1] + f"; mailto:{mailto})" if mailto else USER_AGENT
    return session


def fetch(ids: list[str], settings: CrossrefSettings, *, deadline: float | None = None) -> FetchResult:
    """Fetch the Crossref works of ``ids``: canonical DOIs, and PIIs as ``PII:<pii>`` (see
    :func:`pii_request_id`).

    Args:
        ids: request IDs, in any order; repeats are asked once.
        settings: where the API is, the polite-pool address, timeouts, politeness, retry bounds,
            batch size.
        deadline: ``time.monotonic()`` value bounding waiting and timeouts, or None.

    Returns a FetchResult keyed by request ID. A batch that fails after its retries stops the
    source: ``error`` is set, and the IDs of that and later batches are neither found nor in
    ``not_found``.
    """
    wanted = list(dict.fromkeys(ids))
    result = FetchResult(source=SOURCE)
    if not wanted:
        return result
    dois = [i for i in wanted if not i.startswith(PII_PREFIX)]
    piis = [i for i in wanted if i.startswith(PII_PREFIX)]
    batches = [("doi", dois[n:n + settings.batch_size]) for n in range(0, len(dois), settings.batch_size)]
    batches += [("alternative-id", piis[n:n + settings.batch_size]) for n in range(0, len(piis), settings.batch_size)]
    with _session(settings) as session:
        client = _Client(session, settings, deadline)
        for name, batch in batches:
            values = [i[len(PII_PREFIX):] if name == "alternative-id" else i for i in batch]
            params = {"filter": ",".join(f"{name}:{v}" for v in values), "rows": str(len(batch)), "select": SELECT}
            url = f"{settings.api_url.rstrip('/')}/works?filter={params['filter']}"
            try:
                items, _ = with_retries(SOURCE, settings, lambda: client.works(params), url=url, deadline=deadline)
            except SourceError as exc:
                log.info("%s", exc)
                result.error = exc
                break
            _match(items, name, batch, result)
        result.requests = client.sent
    log.info("Crossref: %d of %d IDs found in %d requests", len(result.records), len(wanted), result.requests)
    return result


def _match(items: list[dict[str, Any]], name: str, batch: list[str], result: FetchResult) -> None:
    fetched_at = _now()
    for ident in batch:
        found = None
        for item in items:
            try:
                if name == "doi":
                    hit = normalize_doi(str(item.get("DOI", ""))) == ident
                else:
                    hit = ident[len(PII_PREFIX):] in {re.sub(r"[()\-\s]", "", str(a)).upper()
                                                      for a in item.get("alternative-id") or []}
            except IdError:
                continue
            if hit:
                found = item
                break
        if found is None:
            result.not_found.append(ident)
            continue
        try:
            result.records[ident] = to_record(found, requested_id=ident, fetched_at=fetched_at)
        except (KeyError, IdError, TypeError) as exc:
            log.warning("Crossref: skipping a malformed work for %s (%s)", ident, exc)
            result.not_found.append(ident)


def search_bibliographic(title: str, first_author: str, year: int | None, settings: CrossrefSettings, *,
                         fold=None, deadline: float | None = None) -> tuple[SourceRecord | None, str]:
    """The one work whose title, year and first author all agree with ``title``, ``first_author``
    and ``year``, found by ``GET /works?query.bibliographic=...&query.author=...&rows=5``; for
    links that carry no DOI (IEEE Xplore ``/document/<n>``). ``init`` only: a match is written to
    config for the owner to check.

    Args:
        fold: text -> comparable form (the merge's title folding); default: lower-case words.

    Returns (the record, why) or (None, why not): no candidate agrees, two do, or the request failed.
    Never raises for a source failure.
    """
    fold = fold or (lambda text: " ".join(re.findall(r"\w+", text.casefold())))
    params = {"query.bibliographic": title, "query.author": first_author, "rows": "5", "select": SELECT}
    url = f"{settings.api_url.rstrip('/')}/works?query.bibliographic=..."
    with _session(settings) as session:
        client = _Client(session, settings, deadline)
        try:
            items, _ = with_retries(SOURCE, settings, lambda: client.works(params), url=url, deadline=deadline)
        except SourceError as exc:
            return None, f"Crossref could not be asked ({exc.reason})"
    family = fold(first_author).split()[-1:] or [""]
    agreeing = []
    for item in items:
        try:
            record = to_record(item, requested_id="query", fetched_at=_now())
        except (KeyError, IdError, TypeError):
            continue
        authors = [fold(a).split() for a in record.authors]
        if (record.title and fold(record.title) == fold(title) and (year is None or record.year == year
                                                                   or _online_year(item) == year)
                and authors and family[0] in authors[0]):
            agreeing.append(record)
    dois = sorted({r.doi for r in agreeing})
    if len(dois) == 1:
        return agreeing[0], "title, year and first author agree"
    if len(dois) > 1:
        return None, f"{len(dois)} works agree ({', '.join(dois)}); add the DOI by hand"
    return None, "no work with this title, year and first author"


def _online_year(work: dict[str, Any]) -> int | None:
    """The earliest year of ``issued`` and ``published-online`` (an early-access year, as a page may give it)."""
    years = [y for y in (_parts(work, "issued")[0], _parts(work, "published-online")[0]) if y]
    return min(years) if years else None
