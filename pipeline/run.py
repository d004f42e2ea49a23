"""The main job, stage by stage: plan IDs, fetch each source, fall back to stored records, merge, emit.

:func:`run` returns a :class:`RunReport`; the CLI prints it and turns it into an exit code.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from harvest.records import SOURCES, FetchResult, SourceError, SourceRecord

from . import emit, store, writer
from .config import Config
from .merge import Harvest, merge, s2_request_id
from .venues import default_table

__all__ = ["SourceReport", "RunReport", "plan", "run", "EXIT_OK", "EXIT_FAILURE", "EXIT_CONFIG", "EXIT_STALE"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 3
EXIT_STALE = 4

SOURCE_NAMES = {"arxiv": "arXiv", "openreview": "OpenReview", "s2": "Semantic Scholar"}


@dataclass
class SourceReport:
    """What happened with one source in one run.

    Attributes:
        requested: IDs planned for the source. found: answered with a record this run.
        not_found: answered without a record. failed: not answered (the source failed).
        stale: IDs served from the stored harvest instead; stale_dates: the days those were fetched.
        requests: HTTP requests sent.
        error: the failure, one line, or None. skipped: why nothing was sent (offline, disabled).
    """

    requested: int = 0
    found: int = 0
    not_found: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    stale_dates: set[str] = field(default_factory=set)
    requests: int = 0
    error: str | None = None
    skipped: str | None = None


@dataclass
class RunReport:
    """The account of a run: per-source figures, changed files, section changes, warnings."""

    sources: dict[str, SourceReport] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    papers: int = 0

    @property
    def stale(self) -> bool:
        """True when any source failed or any record came from an earlier run."""
        return any(r.error or r.stale or r.failed for r in self.sources.values())

    def exit_code(self) -> int:
        """EXIT_OK, or EXIT_STALE when stored records stood in for a failed source."""
        return EXIT_STALE if self.stale else EXIT_OK

    def render(self) -> str:
        """The run summary as plain text, one fact a line."""
        lines = [f"{self.papers} papers."]
        for source in SOURCES:
            r = self.sources.get(source)
            if r is None:
                continue
            name = SOURCE_NAMES[source]
            if r.skipped:
                dates = f" (fetched {', '.join(sorted(r.stale_dates))})" if r.stale_dates else ""
                lines.append(f"{name}: {r.skipped}; {len(r.stale)} stored records used{dates}.")
                continue
            line = (f"{name}: {r.requested} requested, {r.found} found, {len(r.not_found)} not found, "
                    f"{len(r.failed)} failed, {len(r.stale)} stale; {r.requests} HTTP request{'' if r.requests == 1 else 's'}.")
            if r.error:
                line += f" Could not reach it: {r.error}."
            lines.append(line)
            if r.stale:
                lines.append(f"  stored records used for {len(r.stale)} IDs (fetched {', '.join(sorted(r.stale_dates))})")
            if r.not_found:
                lines.append(f"  not found on {name}: {', '.join(r.not_found)}")
        if self.added or self.removed or self.changed:
            for label, keys in (("added", self.added), ("removed", self.removed), ("changed", self.changed)):
                if keys:
                    lines.append(f"{label}: {', '.join(keys)}")
        else:
            lines.append("No change in the publication list.")
        lines.append(f"written: {', '.join(self.written)}" if self.written else "No file changed.")
        for warning in self.warnings:
            lines.append(f"warning: {warning}")
        return "\n".join(lines)


def plan(config: Config) -> dict[str, list[str]]:
    """The IDs to request from each source, in config order, without repeats."""
    ids: dict[str, list[str]] = {source: [] for source in SOURCES}
    for entry in config.papers:
        ids["arxiv"].extend(entry.arxiv)
        ids["openreview"].extend(entry.openreview)
        s2 = s2_request_id(entry)
        if s2:
            ids["s2"].append(s2)
    return {source: list(dict.fromkeys(values)) for source, values in ids.items()}


def _fetch(source: str, ids: list[str], config: Config, deadline: float) -> FetchResult:
    if source == "arxiv":
        from harvest import arxiv_source
        return arxiv_source.fetch(ids, config.sources.arxiv, deadline=deadline)
    if source == "openreview":
        from harvest import openreview_source
        return openreview_source.fetch(ids, config.sources.openreview, deadline=deadline)
    from harvest import s2_source
    return s2_source.fetch(ids, config.sources.s2, deadline=deadline)


def _combine(source: str, ids: list[str], fetched: FetchResult | None, stored: dict[str, SourceRecord],
             harvest: Harvest, report: SourceReport, warnings: list[str]) -> dict[str, SourceRecord]:
    """Fill ``harvest`` for one source; return the records to store."""
    keep: dict[str, SourceRecord] = {}
    name = SOURCE_NAMES[source]
    for ident in ids:
        fresh = fetched.records.get(ident) if fetched else None
        old = stored.get(ident)
        if fresh is not None:
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


def _section_changes(old_json: bytes | None, new_json: str, report: RunReport) -> None:
    try:
        old = {p["key"]: p for p in json.loads(old_json or b"{}").get("papers", [])}
    except (ValueError, AttributeError):
        old = {}
    new = {p["key"]: p for p in json.loads(new_json)["papers"]}
    report.added = [k for k in new if k not in old]
    report.removed = [k for k in old if k not in new]
    report.changed = [k for k in new if k in old and {**old[k], "field_sources": None, "stale": None}
                      != {**new[k], "field_sources": None, "stale": None}]


def run(config: Config, *, offline: bool = False) -> RunReport:
    """Fetch, merge and emit for ``config``; write changed files atomically.

    Writes, under ``config.output.dir``: ``publications.md`` (the section), ``publications.csv``,
    ``publications.json`` (with per-field sources) and ``harvest.json`` (the records used, the
    last known good per source); and splices the section into ``config.output.homepage`` between
    the markers when one is configured. Nothing is written when the homepage markers are wrong.

    Raises:
        writer.MarkerError: the homepage markers are missing, repeated or out of order.
        store.StoreError: the stored harvest is unreadable.
        OSError: a file could not be written.
    """
    report = RunReport()
    warnings = list(config.warnings)
    out = config.output.dir
    homepage_text = None
    if config.output.homepage:
        homepage_text = config.output.homepage.read_text(encoding="utf-8")
        writer.find_markers(homepage_text, config.output.start_marker, config.output.end_marker,
                            name=str(config.output.homepage))

    stored = store.load(out / "harvest.json")
    deadline = time.monotonic() + config.deadline_s
    harvest = Harvest()
    keep: dict[str, dict[str, SourceRecord]] = {}
    for source, ids in plan(config).items():
        source_report = report.sources[source] = SourceReport(requested=len(ids))
        settings = getattr(config.sources, source)
        fetched = None
        if offline:
            source_report.skipped = "offline"
        elif not settings.enabled:
            source_report.skipped = "disabled in config"
        elif ids:
            try:
                fetched = _fetch(source, ids, config, deadline)
            except SourceError as exc:  # a fetcher that failed before any request
                fetched = FetchResult(source=source, error=exc)
            source_report.requests = fetched.requests
            if fetched.error:
                source_report.error = str(fetched.error)
        keep[source] = _combine(source, ids, fetched, stored[source], harvest, source_report, warnings)

    result = merge(config, harvest, default_table(config.venues))
    warnings.extend(result.warnings)
    report.papers = len(result.publications)

    section = emit.render_section(result.publications, order=config.section_order, titles=config.section_titles)
    publications_json = emit.render_json(result.publications)
    json_path = out / "publications.json"
    _section_changes(json_path.read_bytes() if json_path.exists() else None, publications_json, report)

    files: list[tuple[Path, bytes]] = [
        (out / "publications.md", section.encode("utf-8")),
        (out / "publications.csv", emit.render_csv(result.publications, bom=config.output.csv_bom)),
        (json_path, publications_json.encode("utf-8")),
        (out / "harvest.json", store.dump(keep)),
    ]
    if config.output.homepage and homepage_text is not None:
        spliced = writer.splice(homepage_text, section, config.output.start_marker, config.output.end_marker,
                                name=str(config.output.homepage))
        files.append((config.output.homepage, spliced.encode("utf-8")))
    for path, data in files:
        if writer.write_atomic(path, data):
            report.written.append(str(path))
    report.warnings = warnings
    return report
