"""The fetch stage: plan the IDs each source is asked for, ask every source side by side, and fall
back to the stored records where a source failed.

Each source runs in its own worker thread (a small ``ThreadPoolExecutor``, one worker per source):
the fetchers are blocking code built on ``requests``, the ``arxiv`` package and the
``semanticscholar`` package (which runs its own event loop per call), so threads let them wait on
the network together without rewriting any client; asyncio would need all three clients to be
async, and two are not. Each fetcher keeps its own politeness (arXiv's one request every 3 s on
one connection, the per-source delays, ``Retry-After``, bounded retries), and all share one
deadline: a fetcher sends no request after it and cuts its timeouts to what is left, so a hung
source ends at the deadline while the others keep the answers they already have.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from harvest.records import SOURCES, FetchResult, SourceError, SourceRecord

from . import store
from .config import Config
from .merge import Harvest, crossref_request_ids, s2_request_id

__all__ = ["SOURCE_NAMES", "SourceReport", "Fetched", "plan", "fetch_sources"]

log = logging.getLogger(__name__)

SOURCE_NAMES = {"arxiv": "arXiv", "openreview": "OpenReview", "s2": "Semantic Scholar", "crossref": "Crossref"}
#: Seconds a source's worker may run past the deadline before the run stops waiting for it (its
#: last request's timeout was cut to the deadline, so it is closing).
GRACE_S = 2.0


@dataclass
class SourceReport:
    """What happened with one source in one run.

    Attributes:
        requested: IDs planned for the source. found: answered with a record this run.
        not_found: answered without a record. failed: not answered (the source failed).
        stale: IDs served from the stored harvest instead; stale_dates: the days those were fetched.
        fresh: IDs not asked because the source answered for them within ``max_age_h``.
        requests: HTTP requests sent (tries and logins included).
        error: the failure, one line, or None; error_status: its HTTP status (None: no answer).
        skipped: why nothing was sent (offline, disabled).
        seconds: wall-clock seconds the source's fetch took.
    """

    requested: int = 0
    found: int = 0
    not_found: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    stale_dates: set[str] = field(default_factory=set)
    fresh: int = 0
    requests: int = 0
    error: str | None = None
    error_status: int | None = None
    skipped: str | None = None
    seconds: float = 0.0


@dataclass
class Fetched:
    """The fetch stage's result.

    Attributes:
        harvest: the records the merge reads (fresh, fresh-enough or stored), per source.
        reports: source name -> :class:`SourceReport`.
        keep: the records to store as the last known good harvest, per source.
        warnings: what a user should act on (a source that no longer finds a paper).
    """

    harvest: Harvest
    reports: dict[str, SourceReport]
    keep: dict[str, dict[str, SourceRecord]]
    warnings: list[str] = field(default_factory=list)


def plan(config: Config, records: dict[str, dict[str, SourceRecord]] | None = None) -> dict[str, list[str]]:
    """The IDs to request from each source, in config order, without repeats. Crossref's come from
    the config (DOIs, PIIs) and from the arXiv and S2 ``records`` known so far (the DOIs they name;
    see :func:`~pipeline.merge.crossref_request_ids`)."""
    ids: dict[str, list[str]] = {source: [] for source in SOURCES}
    for entry in config.papers:
        ids["arxiv"].extend(entry.arxiv)
        ids["openreview"].extend(entry.openreview)
        s2 = s2_request_id(entry)
        if s2:
            ids["s2"].append(s2)
        ids["crossref"].extend(crossref_request_ids(entry, records or {}))
    return {source: list(dict.fromkeys(values)) for source, values in ids.items()}


def _fetch(source: str, ids: list[str], config: Config, deadline: float) -> FetchResult:
    started = time.monotonic()
    try:
        if source == "crossref":
            from harvest import crossref_source
            return crossref_source.fetch(ids, config.sources.crossref, deadline=deadline)
        if source == "arxiv":
            from harvest import arxiv_source
            return arxiv_source.fetch(ids, config.sources.arxiv, deadline=deadline)
        if source == "openreview":
            from harvest import openreview_source
            from harvest.openreview_auth import Credentials, Login

            login = Login(Credentials.from_env(), config.sources.openreview, deadline=deadline)  # one per run
            return openreview_source.fetch(ids, config.sources.openreview, deadline=deadline, login=login)
        from harvest import s2_source
        return s2_source.fetch(ids, config.sources.s2, deadline=deadline)
    except SourceError as exc:  # a fetcher that failed before any request
        return FetchResult(source=source, error=exc)
    finally:
        log.debug("%s: fetch took %.2f s", source, time.monotonic() - started)


def _fetch_crossref(asks: dict[str, tuple[list[str], list[str], set[str]]], futures: dict, config: Config,
                    stored: dict[str, dict[str, SourceRecord]], checked: dict[str, dict[str, str]], refresh: bool,
                    deadline: float) -> FetchResult:
    """Crossref in steps: at once, the IDs known before the run (config DOIs and PIIs, DOIs in stored
    records); then, as each of arXiv and S2 answers (whichever first), the DOIs its new records name,
    so that a hung arXiv never keeps Crossref from the DOIs S2 gave. ``asks["crossref"]`` grows by the
    later steps' IDs (all of them, asked or fresh)."""
    ids, ask, skip = asks["crossref"]
    result = _fetch("crossref", ask, config, deadline) if ask else FetchResult(source="crossref")
    learned: dict[str, dict[str, SourceRecord]] = {s: dict(stored[s]) for s in ("arxiv", "s2")}
    pending = {futures[source]: source for source in ("arxiv", "s2") if futures.get(source) is not None}
    try:
        for future in as_completed(pending, timeout=max(0.0, deadline - time.monotonic())):
            try:
                learned[pending[future]].update(future.result().records)
            except Exception:  # that source's own failure is reported by its own result
                continue
            more = [i for i in plan(config, learned)["crossref"] if i not in ids]
            if not more or result.error is not None:
                continue
            fresh = set() if refresh else _fresh_ids("crossref", more, stored["crossref"], checked, config.max_age_h)
            step = _fetch("crossref", [i for i in more if i not in fresh], config, deadline)
            result.records.update(step.records)
            result.not_found.extend(step.not_found)
            result.requests += step.requests
            result.error = step.error
            ids.extend(more)
            ask.extend(i for i in more if i not in fresh)
            skip.update(fresh)
    except FutureTimeout:
        pass  # the deadline: the DOIs of a source that has not answered are not asked
    return result


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _fresh_ids(source: str, ids: list[str], stored: dict[str, SourceRecord], checked: dict[str, dict[str, str]],
               max_age_h: float) -> set[str]:
    """The IDs not to ask again: answered within ``max_age_h`` with a record that is stored, or
    answered "not found" within it (``checked["<source>:not_found"]``). A found ID whose record is no
    longer stored is asked again."""
    fresh = set()
    limit = _now() - timedelta(hours=max_age_h)
    for ident in ids:
        for table, needs_record in ((source, True), (f"{source}:not_found", False)):
            when = checked.get(table, {}).get(ident)
            try:
                if when and datetime.fromisoformat(when) > limit and (ident in stored or not needs_record):
                    fresh.add(ident)
            except ValueError:
                continue
    return fresh


def _combine(source: str, ids: list[str], fetched: FetchResult | None, stored: dict[str, SourceRecord],
             harvest: Harvest, report: SourceReport, warnings: list[str], skip: set[str]) -> dict[str, SourceRecord]:
    """Fill ``harvest`` for one source; return the records to store. IDs in ``skip`` were not
    asked because their stored record is fresh."""
    keep: dict[str, SourceRecord] = {}
    name = SOURCE_NAMES[source]
    for ident in ids:
        fresh = fetched.records.get(ident) if fetched else None
        old = stored.get(ident)
        if ident in skip and old is None:  # not found when last asked, within max_age_h
            report.fresh += 1
            report.not_found.append(ident)
            continue
        if ident in skip:
            record = old
            report.fresh += 1
        elif fresh is not None:
            record = old if old is not None and store.same_content(old, fresh) else fresh
            report.found += 1
        elif old is not None:
            record = old
            harvest.stale.add((source, ident))
            report.stale.append(ident)
            report.stale_dates.add(old.fetched_at[:10])
            if fetched is not None and ident in fetched.not_found:
                report.not_found.append(ident)
                warnings.append(f"{name} no longer finds {ident}; kept its record of {old.fetched_at[:10]}")
            elif fetched is not None:
                report.failed.append(ident)
        else:
            if fetched is not None and ident in fetched.not_found:
                report.not_found.append(ident)
            elif fetched is not None:
                report.failed.append(ident)
            continue
        harvest.records[source][ident] = record
        keep[ident] = record
    return keep


def fetch_sources(config: Config, stored: dict[str, dict[str, SourceRecord]], checked: dict[str, dict[str, str]], *,
                  offline: bool = False, refresh: bool = False, deadline: float | None = None) -> Fetched:
    """Ask every enabled source for the IDs ``config`` lists, side by side, and combine the answers
    with the stored records.

    Args:
        stored: the last known good records (``store.load``), per source and requested ID.
        checked: source -> ID -> when the source last answered with a record, and "<source>:not_found" -> ID
            -> when it last answered that it has none (updated in place for what it answers).
        offline: send nothing; every record comes from ``stored``.
        refresh: ask for every ID, even those answered within ``config.max_age_h``.
        deadline: ``time.monotonic()`` value after which no request starts (default: now +
            ``config.deadline_s``); a source still running at ``deadline + GRACE_S`` is reported as
            cut and its stored records stand in.

    Returns a :class:`Fetched`; never raises for a source's failure (that is in its report).
    """
    deadline = deadline if deadline is not None else time.monotonic() + config.deadline_s
    reports: dict[str, SourceReport] = {}
    asks: dict[str, tuple[list[str], list[str], set[str]]] = {}
    for source, ids in plan(config, stored).items():
        report = reports[source] = SourceReport(requested=len(ids))
        settings = getattr(config.sources, source)
        skip = set() if refresh else _fresh_ids(source, ids, stored[source], checked, config.max_age_h)
        ask = [i for i in ids if i not in skip]
        asks[source] = (ids, ask, skip)
        if offline:
            report.skipped = "offline"
        elif not settings.enabled:
            report.skipped = "disabled in config"
    todo = [s for s, (_, ask, _) in asks.items() if ask and not reports[s].skipped]
    if "crossref" not in todo and not reports["crossref"].skipped and ("arxiv" in todo or "s2" in todo):
        todo.append("crossref")  # it may learn DOIs from this run's arXiv and S2 answers
    results: dict[str, FetchResult] = {}
    if todo:
        started = time.monotonic()
        pool = ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="fetch")
        futures = {source: pool.submit(_fetch, source, asks[source][1], config, deadline)
                   for source in todo if source != "crossref"}
        if "crossref" in todo:
            futures["crossref"] = pool.submit(_fetch_crossref, asks, futures, config, stored, checked, refresh,
                                              deadline)
        for source, future in futures.items():
            try:
                results[source] = future.result(timeout=max(0.0, deadline + GRACE_S - time.monotonic()))
            except FutureTimeout:
                results[source] = FetchResult(source=source, error=SourceError(
                    source, "cut at the run's deadline (the source had not finished)"))
            reports[source].seconds = time.monotonic() - started
        pool.shutdown(wait=False, cancel_futures=True)
        if "crossref" in results:
            reports["crossref"].requested = len(asks["crossref"][0])
    harvest = Harvest()
    keep: dict[str, dict[str, SourceRecord]] = {}
    warnings: list[str] = []
    now = _now().replace(microsecond=0).isoformat()
    for source, (ids, ask, skip) in asks.items():
        fetched = results.get(source)
        report = reports[source]
        if fetched is not None:
            report.requests = fetched.requests
            if fetched.error:
                report.error = str(fetched.error)
                report.error_status = fetched.error.status
            for ident in ask:
                if ident in fetched.records:
                    checked.setdefault(source, {})[ident] = now
                    checked.get(f"{source}:not_found", {}).pop(ident, None)
                elif ident in fetched.not_found:
                    checked.setdefault(f"{source}:not_found", {})[ident] = now
        keep[source] = _combine(source, ids, fetched, stored[source], harvest, report, warnings, skip)
    return Fetched(harvest=harvest, reports=reports, keep=keep, warnings=warnings)
