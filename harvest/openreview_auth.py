"""OpenReview login: a bearer token per API host, from credentials in the environment only.

Since mid-2026 OpenReview answers anonymous ``/notes`` requests on both hosts with HTTP 403 and
``{"name": "ChallengeRequiredError", ...}`` (a browser challenge). A logged-in caller gets past
it. The exchange is the one openreview-py's clients make (``openreview/api/client.py``
``login_user``): ``POST <api>/login`` with ``{"id": username, "password": password}`` answers
``{"token": "...", "user": {...}}``, and later requests send ``Authorization: Bearer <token>``.
An account with multi-factor login answers ``{"mfaPending": true, "mfaPendingToken": ...,
"mfaMethods": [...]}`` instead; openreview-py then prompts on a terminal, which a scheduled job
has not got, so here that is a clear failure that points at ``OPENREVIEW_TOKEN``.

Credentials come from the environment and nowhere else: ``OPENREVIEW_USERNAME`` and
``OPENREVIEW_PASSWORD`` (the names openreview-py reads), or ``OPENREVIEW_TOKEN`` (a token of a
logged-in session, for multi-factor accounts). They are never logged, never put in an error
message (server messages are scrubbed of them too) and never written to a file. The login is
hand-written on ``requests`` rather than through openreview-py, whose client logs in at
construction, retries up to 8 times with waits of up to 120 s, and would prompt for an MFA code.

Login is rate-limited by OpenReview (about 3 a minute), so :class:`Login` logs in at most once
per host per run, lazily (only for a host that is asked), reuses the token, and after a token is
refused makes one fresh login for that host; a second refusal fails the source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests

from .http import Transient, gate, parse_retry_after, request_timeout, requests_failure, with_retries
from .records import SourceError
from .settings import OpenReviewSettings

__all__ = ["Credentials", "Login", "CHALLENGE", "LOGIN_HINT", "USERNAME_ENV", "PASSWORD_ENV", "TOKEN_ENV",
           "is_challenge", "retry_after"]

log = logging.getLogger(__name__)
SOURCE = "openreview"
USERNAME_ENV = "OPENREVIEW_USERNAME"
PASSWORD_ENV = "OPENREVIEW_PASSWORD"
TOKEN_ENV = "OPENREVIEW_TOKEN"
#: The ``name`` of OpenReview's error body for its browser challenge.
CHALLENGE = "ChallengeRequiredError"
#: What to do about the challenge, for the run summary.
LOGIN_HINT = (f"set {USERNAME_ENV} and {PASSWORD_ENV} (or {TOKEN_ENV} for an account with multi-factor login) "
              "in the environment; in the scheduled job, add them as repository secrets (see README, "
              "'OpenReview login')")


def is_challenge(status: int, body: Any) -> bool:
    """True for OpenReview's challenge gate: HTTP 403 whose JSON body is named ``ChallengeRequiredError``."""
    return status == 403 and isinstance(body, dict) and body.get("name") == CHALLENGE


def retry_after(response: requests.Response, body: Any) -> float | None:
    """Seconds OpenReview asked us to wait: ``Retry-After``, else its RateLimitError body's
    ``details.resetTime`` (``{"details": {"resetTime": "2026-08-31T08:59:25.212Z"}}``); None if neither."""
    seconds = parse_retry_after(response.headers.get("Retry-After"))
    if seconds is None and isinstance(body, dict):
        reset = (body.get("details") or {}).get("resetTime") if isinstance(body.get("details"), dict) else None
        if isinstance(reset, str):
            try:
                when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
                seconds = max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
            except ValueError:
                seconds = None
    return seconds


@dataclass(frozen=True)
class Credentials:
    """OpenReview credentials read from the environment; ``repr`` never shows them.

    Attributes:
        username, password: ``OPENREVIEW_USERNAME`` / ``OPENREVIEW_PASSWORD``, or None.
        token: ``OPENREVIEW_TOKEN`` (a leading ``Bearer `` is dropped), or None.
    """

    username: str | None = None
    password: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(login={self.can_login}, token={self.token is not None})"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Credentials":
        """Read the three variables; empty values count as unset."""
        env = os.environ if environ is None else environ
        token = (env.get(TOKEN_ENV) or "").strip()
        token = token[len("Bearer "):].strip() if token.startswith("Bearer ") else token
        return cls(username=(env.get(USERNAME_ENV) or "").strip() or None,
                   password=env.get(PASSWORD_ENV) or None, token=token or None)

    @property
    def can_login(self) -> bool:
        """Both username and password are set."""
        return bool(self.username and self.password)

    @property
    def any(self) -> bool:
        """Some credential is set (a token, or a username or password, even one without the other)."""
        return bool(self.username or self.password or self.token)

    def scrub(self, text: str) -> str:
        """``text`` with every credential value replaced by ``***`` (for server messages we repeat)."""
        for secret in (self.password, self.token, self.username):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        return text


class Login:
    """Bearer tokens for one run, one per API host, made on first use.

    Args:
        credentials: from :meth:`Credentials.from_env` (or given by a test).
        settings: OpenReview settings (timeouts, retry bounds, delay between requests).
        deadline: ``time.monotonic()`` value bounding the login requests, or None.

    Attributes:
        logins: login requests sent this run (tries included), per base URL.
    """

    def __init__(self, credentials: Credentials, settings: OpenReviewSettings, *, deadline: float | None = None):
        self.credentials = credentials
        self.settings = settings
        self.deadline = deadline
        self._tokens: dict[str, str] = {}
        self._renewed: set[str] = set()
        self._failed: SourceError | None = None
        self.logins: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        """True when requests will carry a token (a token is set, or a username and password)."""
        return bool(self.credentials.token or self.credentials.can_login)

    def check(self) -> None:
        """Raise SourceError when the credentials are set by half (a username without a password)."""
        c = self.credentials
        if not c.token and bool(c.username) != bool(c.password):
            missing = PASSWORD_ENV if c.username else USERNAME_ENV
            raise SourceError(SOURCE, f"{missing} is not set; OpenReview login needs both {USERNAME_ENV} and "
                                      f"{PASSWORD_ENV} (or {TOKEN_ENV})")

    def headers(self, base_url: str, session: requests.Session) -> dict[str, str]:
        """The ``Authorization`` header for requests to ``base_url``; logs in first if needed.

        Returns {} when no credentials are set (anonymous requests). Raises SourceError when
        the login fails (wrong password, multi-factor account, rate-limited, unreachable); a
        login refused for its credentials is not tried again on the other host.
        """
        self.check()
        if not self.enabled:
            return {}
        if self._failed is not None:
            raise self._failed
        key = base_url.rstrip("/")
        if key not in self._tokens:
            self._tokens[key] = self.credentials.token or self._login(key, session)
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    @property
    def requests(self) -> int:
        """Login requests sent this run, on every host."""
        return sum(self.logins.values())

    def renewed(self, base_url: str) -> bool:
        """True when the token of ``base_url`` was already renewed once this run."""
        return base_url.rstrip("/") in self._renewed

    def refused(self, base_url: str, session: requests.Session) -> bool:
        """A request to ``base_url`` with our token was refused (401, or the challenge again).

        Returns True when a fresh login was made and the request is worth one more try; False
        when that already happened this run, or when the token came from ``OPENREVIEW_TOKEN``
        (no password to log in with).
        """
        key = base_url.rstrip("/")
        if key in self._renewed or not self.credentials.can_login or self.credentials.token:
            return False
        self._renewed.add(key)
        log.info("OpenReview refused the token for %s; logging in again", key)
        self._tokens[key] = self._login(key, session)
        return True

    def _login(self, base_url: str, session: requests.Session) -> str:
        url = base_url + "/login"

        def attempt() -> str:
            self.logins[base_url] = self.logins.get(base_url, 0) + 1
            return self._post_login(url, session)

        try:
            token, _ = with_retries(SOURCE, self.settings, attempt, url=url, deadline=self.deadline)
        except SourceError as exc:
            if exc.status is not None and exc.status != 429 and exc.status < 500:
                self._failed = exc  # refused for the credentials: the other host would refuse them too
            raise
        log.info("OpenReview: logged in at %s", base_url)
        return token

    def _post_login(self, url: str, session: requests.Session) -> str:
        gate(SOURCE).wait(self.settings.delay_s)
        timeout_s = request_timeout(SOURCE, self.settings.timeout_s, self.deadline)
        c = self.credentials
        try:
            response = session.post(url, json={"id": c.username, "password": c.password}, timeout=timeout_s)
        except requests.RequestException as exc:
            raise requests_failure(SOURCE, exc, timeout_s, self.settings.timeout_s) from None  # the exception holds the request body
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        name = body.get("name") if isinstance(body, dict) else None
        message = c.scrub(str(body.get("message") or "")) if isinstance(body, dict) else ""
        if status == 429:
            wait = retry_after(response, body)
            raise Transient("OpenReview is rate-limiting logins (about 3 a minute)"
                            + (f"; it asked to wait {wait:.0f} s" if wait else ""), status=429, retry_after_s=wait)
        if status >= 500:
            raise Transient("OpenReview's login failed with a server error", status=status)
        if is_challenge(status, body):
            raise SourceError(SOURCE, "OpenReview answered the login with its browser challenge "
                                      f"({CHALLENGE}); log in at openreview.net from this network, or set "
                                      f"{TOKEN_ENV} from a logged-in session", url=url, status=status)
        if status != 200:
            raise SourceError(SOURCE, f"OpenReview refused the login of {USERNAME_ENV}/{PASSWORD_ENV} "
                                      f"({name or 'error'}: {message or response.reason}); check them",
                              url=url, status=status)
        if isinstance(body, dict) and body.get("mfaPending"):
            methods = ", ".join(str(m) for m in body.get("mfaMethods") or []) or "unknown"
            raise SourceError(SOURCE, f"this OpenReview account uses multi-factor login ({methods}), which a "
                                      f"non-interactive run cannot complete; set {TOKEN_ENV} to the token of a "
                                      "logged-in session instead", url=url, status=status)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(SOURCE, "OpenReview's login answer holds no token", url=url, status=status)
        return token
