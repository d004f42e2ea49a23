"""Politeness and retries shared by the fetchers: process-wide spacing and bounded backoff.

* :func:`gate` returns one :class:`Throttle` per source for the whole process, so arXiv's
  "one request every three seconds" holds across every client object and batch.
* :func:`with_retries` runs one request with tenacity: only :class:`Transient` failures are
  retried, at most ``max_tries`` attempts and ``max_wait_s`` seconds of waiting in all,
  exponential backoff with jitter, and ``Retry-After`` honoured when the server sends one.
"""

from __future__ import annotations

import email.utils
import logging
import random
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Callable, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from .records import FetchResult, SourceError
from .settings import _Common

__all__ = ["Throttle", "gate", "Transient", "with_retries", "counted_request", "FAILED", "parse_retry_after", "is_name_resolution_failure",
           "request_timeout", "requests_failure", "timeout_reason"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Throttle:
    """Keeps at least ``delay_s`` seconds between the starts of two requests.

    Thread-safe; one instance per source for the whole process (see :func:`gate`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    #: The clock and the sleep the throttle uses (tests put a fake clock here).
    clock: Callable[[], float] = staticmethod(time.monotonic)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def wait(self, delay_s: float) -> float:
        """Sleep until ``delay_s`` seconds have passed since the previous call; return seconds slept."""
        with self._lock:
            slept = 0.0
            if self._last is not None:
                slept = max(0.0, self._last + delay_s - self.clock())
                if slept:
                    log.debug("waiting %.2f s between requests", slept)
                    self.sleep(slept)
            self._last = self.clock()
            return slept


_GATES: dict[str, Throttle] = {}
_GATES_LOCK = threading.Lock()


def gate(source: str) -> Throttle:
    """The process-wide :class:`Throttle` of ``source``."""
    with _GATES_LOCK:
        return _GATES.setdefault(source, Throttle())


class Transient(Exception):
    """A failure worth another try: 429, 5xx, a timeout, a dropped connection, a cut-off body.

    Attributes:
        status: HTTP status or None.
        retry_after_s: seconds the server asked us to wait (``Retry-After``), or None.
        reason: one line for the run summary.
    """

    def __init__(self, reason: str, *, status: int | None = None, retry_after_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


_DNS_TEXT = ("Name or service not known", "Temporary failure in name resolution", "nodename nor servname",
             "No address associated with hostname", "getaddrinfo failed")


def is_name_resolution_failure(exc: BaseException) -> bool:
    """True when ``exc`` (from requests, urllib3 or httpx) comes from a host name that did not resolve.

    Such a failure is not retried: it means no network or a wrong URL, and another try in a few
    seconds answers the same.
    """
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, socket.gaierror) or type(err).__name__ == "NameResolutionError":
            return True
        if any(text in str(err) for text in _DNS_TEXT):
            return True
        stack.extend([err.__cause__, err.__context__, getattr(err, "reason", None), *err.args])
    return False


def timeout_reason(used_s: float, timeout_s: float) -> str:
    """ "no answer within 20 s", or, when the run's deadline cut the timeout, "no answer within 1.5 s
    (timeout_s = 20, cut to the run's deadline)"."""
    if used_s < timeout_s - 0.05:
        return f"no answer within {used_s:.1f} s (timeout_s = {timeout_s:g}, cut to the run's deadline)"
    return f"no answer within {timeout_s:g} s (timeout_s)"


def requests_failure(source: str, exc: Exception, used_s: float, timeout_s: float | None = None) -> Exception:
    """Our error for a ``requests`` exception: SourceError for a host name that does not resolve,
    Transient (worth another try) for timeouts (``used_s``: the timeout the request had; ``timeout_s``:
    the setting), refused or dropped connections and cut-off bodies."""
    import requests

    if isinstance(exc, requests.Timeout):
        return Transient(timeout_reason(used_s, timeout_s if timeout_s is not None else used_s))
    if isinstance(exc, requests.ConnectionError):
        if is_name_resolution_failure(exc):
            return SourceError(source, "cannot resolve the API's host name; is this machine offline?")
        return Transient(f"could not connect ({type(exc).__name__})")
    return Transient(f"the answer broke off ({type(exc).__name__})")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def request_timeout(source: str, timeout_s: float, deadline: float | None) -> float:
    """The timeout for the next request: ``timeout_s``, cut to what is left before ``deadline``.

    ``deadline`` is a ``time.monotonic()`` value or None. Raises SourceError when it has passed.
    """
    if deadline is None:
        return timeout_s
    left = deadline - time.monotonic()
    if left <= 0.05:
        raise SourceError(source, "the run's deadline passed before this request; not sent")
    return min(timeout_s, left)


def _duration(seconds: float) -> str:
    """``seconds`` for a person: "45 s", "12 min", "3.5 h"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _base_wait(state: RetryCallState, settings: _Common) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, Transient) and exc.retry_after_s is not None:
        return exc.retry_after_s
    return settings.backoff_s * 2 ** (state.attempt_number - 1)


def with_retries(source: str, settings: _Common, attempt: Callable[[], T], *, url: str,
                 deadline: float | None = None) -> tuple[T, int]:
    """Run ``attempt`` until it returns, retrying :class:`Transient` failures within bounds.

    Args:
        source: source name, for errors and logs.
        settings: gives ``max_tries``, ``max_wait_s``, ``backoff_s``.
        attempt: sends one request and returns its parsed answer; raises Transient for
            failures worth retrying and SourceError for those that are not.
        url: the request URL for error messages (never carries credentials).
        deadline: ``time.monotonic()`` value after which no retry is waited for, or None.

    Returns:
        (the answer, number of attempts made).

    Raises:
        SourceError: the last failure once the bounds are reached, with ``tries`` set.
    """
    tries = 0
    why_stopped = ""  # when a wait the server asked for is what ended the retries, say so

    def counted() -> T:
        nonlocal tries
        tries += 1
        return attempt()

    def stop(state: RetryCallState) -> bool:
        nonlocal why_stopped
        if state.attempt_number >= settings.max_tries:
            return True
        wait_s = _base_wait(state, settings)
        exc = state.outcome.exception() if state.outcome else None
        asked = f"it asked to wait {_duration(wait_s)}" if isinstance(exc, Transient) and \
            exc.retry_after_s is not None else ""
        if state.idle_for + wait_s > settings.max_wait_s:
            why_stopped = f"{asked}, more than max_wait_s = {settings.max_wait_s:g} allows" if asked else ""
            return True
        if deadline is not None and time.monotonic() + wait_s >= deadline:
            why_stopped = f"{asked}, longer than the run's deadline leaves" if asked else ""
            return True
        return False

    def wait(state: RetryCallState) -> float:
        base = _base_wait(state, settings)
        exc = state.outcome.exception() if state.outcome else None
        jitter = 0.0 if isinstance(exc, Transient) and exc.retry_after_s is not None else random.uniform(0, base)
        seconds = min(base + jitter, max(0.0, settings.max_wait_s - state.idle_for))
        log.info("%s: %s; retrying in %.1f s", source, exc, seconds)
        return seconds

    retrying = Retrying(stop=stop, wait=wait, retry=retry_if_exception_type(Transient), reraise=True)
    try:
        return retrying(counted), tries
    except Transient as exc:
        reason = exc.reason
        if why_stopped and "asked to wait" not in reason:
            reason = f"{reason}; {why_stopped}"
        elif why_stopped:
            reason = f"{reason}, {why_stopped.split(', ', 1)[1]}"
        raise SourceError(source, reason, url=url, status=exc.status, tries=tries) from exc
    except SourceError as exc:
        exc.tries = tries
        exc.url = exc.url or url
        raise


_FAILED = object()


def counted_request(result: FetchResult, source: str, settings: _Common, attempt: Callable[[], T], *, url: str,
                    deadline: float | None = None) -> T | object:
    """:func:`with_retries`, its tries added to ``result.requests``. When the source fails, its
    SourceError is set as ``result.error`` (and logged) and :data:`FAILED` is returned: the caller stops
    and returns ``result``, keeping what earlier requests gave."""
    try:
        value, tries = with_retries(source, settings, attempt, url=url, deadline=deadline)
    except SourceError as exc:
        result.requests += exc.tries
        result.error = exc
        log.info("%s", exc)
        return _FAILED
    result.requests += tries
    return value


#: What :func:`counted_request` returns for a failed request.
FAILED = _FAILED
