"""Per-source network settings: base URLs, timeouts, delays, retry bounds, batch sizes.

Every value is a setting so that tests can point the real clients at a loopback replay server,
and so a user can be gentler with an API than the defaults. ``[sources.arxiv]``,
``[sources.openreview]``, ``[sources.s2]`` and ``[sources.crossref]`` in config.toml set them (see README).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ArxivSettings", "OpenReviewSettings", "S2Settings", "CrossrefSettings", "SourceSettings"]


@dataclass(frozen=True, kw_only=True)
class _Common:
    """Settings every source has.

    Args:
        enabled: False skips the source (its stored records are still used).
        timeout_s: seconds to wait for a connection and for each read of the answer.
        max_tries: attempts per request, the first included (429, 5xx, timeouts, dropped
            connections are retried; 4xx other than 429 are not).
        max_wait_s: the most seconds a source may spend waiting between tries, summed; a
            ``Retry-After`` longer than what is left ends the retries at once.
        backoff_s: first backoff wait in seconds; doubles each try, with up to 100% jitter.
    """

    enabled: bool = True
    timeout_s: float = 20.0
    max_tries: int = 3
    max_wait_s: float = 30.0
    backoff_s: float = 2.0


@dataclass(frozen=True, kw_only=True)
class ArxivSettings(_Common):
    """arXiv API settings.

    Args:
        query_url: the query endpoint (``https://export.arxiv.org/api/query``).
        delay_s: seconds between two requests from this process; arXiv's terms ask for one
            request every three seconds, on a single connection.
        batch_size: arXiv IDs per ``id_list`` request (``max_results`` is set to match).
    """

    query_url: str = "https://export.arxiv.org/api/query"
    delay_s: float = 3.0
    batch_size: int = 100


@dataclass(frozen=True, kw_only=True)
class OpenReviewSettings(_Common):
    """OpenReview API settings.

    Args:
        api2_url: API 2 base URL (``https://api2.openreview.net``), for venues since 2023-24.
        api1_url: API 1 base URL (``https://api.openreview.net``): NeurIPS up to 2022, ICLR up
            to 2023 and older workshops live there.
        delay_s: seconds between two requests from this process.
        batch_size: forum IDs per ``GET /notes?ids=`` request.
    """

    api2_url: str = "https://api2.openreview.net"
    api1_url: str = "https://api.openreview.net"
    delay_s: float = 1.0
    batch_size: int = 100


@dataclass(frozen=True, kw_only=True)
class S2Settings(_Common):
    """Semantic Scholar Graph API settings. The API key comes from ``S2_API_KEY`` only.

    Args:
        api_url: host part of the API (``https://api.semanticscholar.org``); the client appends
            ``/graph/v1/...``.
        delay_s: seconds between two requests from this process (a key allows 1 per second).
        batch_size: IDs per ``POST /paper/batch`` (the API takes at most 500).
    """

    api_url: str = "https://api.semanticscholar.org"
    delay_s: float = 1.0
    batch_size: int = 500
    backoff_s: float = 5.0


@dataclass(frozen=True, kw_only=True)
class CrossrefSettings(_Common):
    """Crossref REST API settings.

    Args:
        api_url: the API's base URL (``https://api.crossref.org``).
        mailto: a contact address for Crossref's polite pool, sent in the User-Agent as Crossref
            asks (default: the ``CROSSREF_MAILTO`` environment variable; empty: the public pool).
        delay_s: seconds between two requests from this process at least (the answers'
            ``X-Rate-Limit-*`` headers can ask for more).
        batch_size: DOIs (or PIIs) per ``GET /works?filter=doi:...`` request; at most 100, so
            that the URL stays short.
    """

    api_url: str = "https://api.crossref.org"
    mailto: str = ""
    delay_s: float = 0.5
    batch_size: int = 50


@dataclass(frozen=True, kw_only=True)
class SourceSettings:
    """The four sources' settings together."""

    arxiv: ArxivSettings = ArxivSettings()
    openreview: OpenReviewSettings = OpenReviewSettings()
    s2: S2Settings = S2Settings()
    crossref: CrossrefSettings = CrossrefSettings()
