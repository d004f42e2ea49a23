"""OpenReview: fetch forum submission notes by ID from API 2, then API 1, through ``requests``.

Venues since 2023-24 (ICLR 2024+, NeurIPS 2023+, ICML 2023+) live on API 2
(``api2.openreview.net``), whose note content wraps each value as ``{"value": ...}``; older ones
(NeurIPS up to 2022, ICLR up to 2023, most workshops) live on API 1 (``api.openreview.net``) with
bare values. A forum ID does not say which, so all IDs are asked of API 2 in one
``GET /notes?ids=`` request per ``batch_size``, and the ones it does not return are asked of API 1
the same way: two requests for a typical homepage.

Since mid-2026 both hosts answer anonymous requests with a 403 ``ChallengeRequiredError``; with
``OPENREVIEW_USERNAME``/``OPENREVIEW_PASSWORD`` (or ``OPENREVIEW_TOKEN``) in the environment, each
host is logged in to once per run and its requests carry the bearer token (see
:mod:`harvest.openreview_auth`). Without them the challenge is reported as a login to give.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

import requests

from .http import Transient, gate, request_timeout, requests_failure, with_retries
from .ids import IdError, normalize_openreview
from .openreview_auth import CHALLENGE, LOGIN_HINT, TOKEN_ENV, Credentials, Login, is_challenge, retry_after
from .records import FetchResult, SourceError, SourceRecord
from .settings import OpenReviewSettings

__all__ = ["fetch", "fetch_author", "to_record", "content_value"]

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
    ``content.authorids`` (profile IDs, parallel to the authors); ``content.venue`` as the venue string; ``content.venueid``; ``pdate`` (ms since epoch, the
    acceptance/publication date; ``odate`` or ``cdate`` when absent) as the publication date;
    the year from the ``venueid`` segment (``ICLR.cc/2024/Conference``), else from ``venue``,
    else from the date; the invitation's group (``NIPS.cc/2018/Workshop/CDNNRIA``) and the
    ``decision`` of a Decision reply when the note carries its replies (``details.directReplies``). ``api`` (1 or 2) is recorded in ``source_id`` as ``api<N>:<id>``.
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
    authorids = content_value(content, "authorids")
    ids_given = isinstance(authorids, list) and len(authorids) == len(authors)
    named = [(a, i if isinstance(i, str) else "") for a, i in zip(authors, authorids if ids_given else [""] * len(authors))
             if isinstance(a, str) and a.strip()]
    forum = note.get("forum") or note["id"]
    invitations = note.get("invitations") or ([note["invitation"]] if isinstance(note.get("invitation"), str) else [])
    group = next((i.split("/-/")[0] for i in invitations if isinstance(i, str) and "/-/" in i), None)
    details = note.get("details") if isinstance(note.get("details"), dict) else {}
    replies = details.get("directReplies") or details.get("replies") or []
    decision = next((content_value(r.get("content") or {}, "decision") for r in replies if isinstance(r, dict)
                     and any(str(i).endswith("Decision") for i in (r.get("invitations") or [r.get("invitation")]))), None)
    return SourceRecord(
        source=SOURCE,
        requested_id=forum,
        source_id=f"api{api}:{note['id']}",
        fetched_at=fetched_at,
        title=title.strip() if isinstance(title, str) and title.strip() else None,
        authors=tuple(a.strip() for a, _ in named),
        author_ids=tuple(i.strip() for _, i in named) if ids_given else (),
        year=year,
        publication_date=date,
        venue_strings=(venue.strip(),) if isinstance(venue, str) and venue.strip() else (),
        venueid=venueid if isinstance(venueid, str) and venueid else None,
        openreview_group=group,
        decision=decision.strip() if isinstance(decision, str) and decision.strip() else None,
        openreview_forum=forum,
    )


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class _Client:
    """One fetch's session, login and request count (every HTTP request sent, logins included)."""

    def __init__(self, session: requests.Session, settings: OpenReviewSettings, deadline: float | None, login: Login):
        self.session = session
        self.settings = settings
        self.deadline = deadline
        self.login = login
        self.sent = 0

    def get_notes(self, base_url: str, batch: list[str]) -> list[dict[str, Any]] | None:
        """One ``GET /notes?ids=`` (and one more after a fresh login when our token is refused);
        returns the notes, or None when the API answers NotFoundError."""
        return self.get(base_url, {"ids": ",".join(batch)})

    def get(self, base_url: str, params: dict[str, str]) -> list[dict[str, Any]] | None:
        """One ``GET /notes`` with ``params``, as :meth:`get_notes`."""
        for renewed in (False, True):
            headers = self.login.headers(base_url, self.session)
            gate(SOURCE).wait(self.settings.delay_s)
            timeout_s = request_timeout(SOURCE, self.settings.timeout_s, self.deadline)
            self.sent += 1
            try:
                response = self.session.get(base_url.rstrip("/") + "/notes", params=params,
                                            headers=headers, timeout=timeout_s)
            except requests.RequestException as exc:
                raise requests_failure(SOURCE, exc, timeout_s, self.settings.timeout_s) from None
            try:
                body = response.json()
            except (ValueError, requests.exceptions.ContentDecodingError):
                body = None
            status = response.status_code
            if headers and (status == 401 or is_challenge(status, body)):
                if not renewed and self.login.refused(base_url, self.session):
                    continue
                raise SourceError(SOURCE, "OpenReview refused our login token"
                                  + (f" (from {TOKEN_ENV}; make a new one)" if self.login.credentials.token
                                     else " after a fresh login" if self.login.renewed(base_url) else "")
                                  + f" ({_error_name(body)})", url=response.url, status=status)
            return _notes_answer(response, body)
        raise AssertionError("unreachable")


def _error_name(body: Any) -> str:
    return str(body.get("name") or "error") if isinstance(body, dict) else "error"


def _notes_answer(response: requests.Response, body: Any) -> list[dict[str, Any]] | None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise Transient("OpenReview is rate-limiting" if status == 429 else "OpenReview server error", status=status,
                        retry_after_s=retry_after(response, body) if status == 429 else None)
    if is_challenge(status, body):
        raise SourceError(SOURCE, f"OpenReview asks for a login: it answers anonymous requests with its browser "
                                  f"challenge ({CHALLENGE}); {LOGIN_HINT}", url=response.url, status=status)
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


def _fetch_api(client: _Client, api: int, base_url: str, ids: list[str], result: FetchResult,
               answered: set[str]) -> None:
    """Ask one API for ``ids`` in batches; add found notes to ``result`` and asked IDs to ``answered``."""
    settings = client.settings
    client.login.headers(base_url, client.session)  # log in (once per host) before the first batch
    for start in range(0, len(ids), settings.batch_size):
        batch = ids[start:start + settings.batch_size]
        url = f"{base_url.rstrip('/')}/notes?ids={','.join(batch)}"
        notes, _ = with_retries(SOURCE, settings, lambda: client.get_notes(base_url, batch), url=url,
                                deadline=client.deadline)
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


def fetch(ids: list[str], settings: OpenReviewSettings, *, deadline: float | None = None,
          login: Login | None = None) -> FetchResult:
    """Fetch the submission notes of ``ids`` (forum IDs) from API 2, then the rest from API 1.

    Args:
        ids: forum IDs.
        settings: where the APIs are, timeouts, politeness, retry bounds, batch size.
        deadline: ``time.monotonic()`` value bounding waiting and timeouts, or None.
        login: the run's :class:`~harvest.openreview_auth.Login` (tokens reused across calls);
            by default one made from the environment's credentials.

    Returns a FetchResult keyed by forum ID, ``requests`` counting every HTTP request sent
    (logins and tries included). When an API fails, ``error`` is set, the other API is still
    asked, and IDs neither API answered for are left out of ``not_found``.
    """
    wanted = sorted(set(ids))
    result = FetchResult(source=SOURCE)
    if not wanted:
        return result
    login = login or Login(Credentials.from_env(), settings, deadline=deadline)
    answered: dict[int, set[str]] = {2: set(), 1: set()}
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        client = _Client(session, settings, deadline, login)
        before = login.requests
        for api, base_url in ((2, settings.api2_url), (1, settings.api1_url)):
            todo = [i for i in wanted if i not in result.records]
            if not todo:
                break
            try:
                _fetch_api(client, api, base_url, todo, result, answered[api])
            except SourceError as exc:
                log.info("%s", exc)
                result.error = result.error or exc
        result.requests = client.sent + login.requests - before
    # Not found means: both APIs answered and neither holds the note.
    result.not_found = [i for i in wanted if i not in result.records and i in answered[2] and i in answered[1]]
    log.info("OpenReview: %d of %d forums found in %d requests", len(result.records), len(wanted), result.requests)
    return result


def _public(note: dict[str, Any]) -> bool:
    """True when everyone may read the note and its title and authors, and it is not deleted
    (``ddate``): API 2 gives a content field its own ``readers`` when only some may see it."""
    if note.get("ddate"):
        return False
    readers = note.get("readers")
    if isinstance(readers, list) and "everyone" not in readers:
        return False
    content = note.get("content") or {}
    for key in ("title", "authors", "authorids"):
        field_readers = content.get(key, {}).get("readers") if isinstance(content.get(key), dict) else None
        if isinstance(field_readers, list) and "everyone" not in field_readers:
            return False
    return True


#: Notes per ``GET /notes?content.authorids=`` page: the API's maximum.
AUTHOR_PAGE = 1000


def fetch_author(profile_id: str, settings: OpenReviewSettings, *, deadline: float | None = None,
                 login: Login | None = None) -> FetchResult:
    """Every note whose ``content.authorids`` holds ``profile_id`` (``~First_Last1``), from API 2 and
    from API 1: ``GET /notes?content.authorids=<id>&limit=1000&offset=<n>`` on each host, one request
    per 1,000 notes, logged in as :func:`fetch` is.

    Returns a FetchResult keyed by forum ID (public submissions only: replies, and notes whose
    ``readers`` do not include everyone, are skipped), the API 2 note kept when both hosts hold a forum. Any failed request sets ``error`` (the other host is still
    asked); the caller then treats the profile's list as unknown.
    """
    result = FetchResult(source=SOURCE)
    login = login or Login(Credentials.from_env(), settings, deadline=deadline)
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        client = _Client(session, settings, deadline, login)
        before = login.requests
        for api, base_url in ((2, settings.api2_url), (1, settings.api1_url)):
            try:
                client.login.headers(base_url, session)
                offset = 0
                while True:
                    params = {"content.authorids": profile_id, "limit": str(AUTHOR_PAGE), "offset": str(offset)}
                    url = f"{base_url.rstrip('/')}/notes?content.authorids={profile_id}&offset={offset}"
                    notes, _ = with_retries(SOURCE, settings, lambda: client.get(base_url, params), url=url,
                                            deadline=deadline)
                    fetched_at = _now()
                    for note in notes or []:
                        if not isinstance(note, dict) or (note.get("forum") and note.get("forum") != note.get("id")):
                            continue  # a reply, not a submission
                        if not _public(note):
                            continue  # a double-blind submission the login can see, or a deleted note: never listed
                        try:
                            record = to_record(note, api=api, fetched_at=fetched_at)
                        except (KeyError, TypeError) as exc:
                            log.warning("OpenReview API %d: skipping a malformed note (%s)", api, exc)
                            continue
                        result.records.setdefault(record.requested_id, record)
                    if not notes or len(notes) < AUTHOR_PAGE:
                        break
                    offset += AUTHOR_PAGE
            except SourceError as exc:
                log.info("%s", exc)
                result.error = result.error or exc
        result.requests = client.sent + login.requests - before
    log.info("OpenReview: profile %s holds %d forums (%d requests)", profile_id, len(result.records), result.requests)
    return result
