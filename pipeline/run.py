"""The main job, stage by stage: fetch (pipeline.fetch: every source side by side, stored records
where one failed), merge, emit, write.

:func:`run` returns a :class:`RunReport`; the CLI prints it and turns it into an exit code.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harvest.records import SOURCES, SourceRecord

from . import discover, emit, store, writer
from .memory import no_cyclic_gc
from .config import Config, ConfigError
from .fetch import SOURCE_NAMES, SourceReport, fetch_sources, plan
from .page import Change, Page, page_changes, read_page, splice_keeping
from .merge import Harvest, Publication, merge
from .venues import Venue, default_table

__all__ = ["SourceReport", "Change", "RunReport", "plan", "run", "EXIT_OK", "EXIT_FAILURE", "EXIT_CONFIG", "EXIT_STALE"]
# SourceReport and plan live in pipeline.fetch; they are re-exported here for callers of the run stage.

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 3
EXIT_STALE = 4

#: Most warnings (and notes) the printed summary lists; the job summary lists ten times as many.
SHOWN_LINES = 25


def _few(items: list[str], n: int = 10) -> str:
    """The first ``n`` items and how many more: "a, b, c and 19,997 more"."""
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n:,} more" if len(items) > n else "")


def _first(lines: list[str], n: int, what: str) -> list[str]:
    if len(lines) <= n:
        return lines
    return [*lines[:n], f"... and {len(lines) - n:,} more {what} ({len(lines):,} in all)"]


@dataclass
class RunReport:
    """The account of a run: per-source figures, section changes, files written, warnings.

    Attributes:
        diff: unified diff of the section against the last one (set by --dry-run only, which prints it).
        committed_changes: the changes against the repository's publications.json
            (``--commit-message-base``), which the commit message then lists; None: the run's own.
    """

    sources: dict[str, SourceReport] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    papers: int = 0
    diff: str = ""
    dry_run: bool = False
    kept_previous: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    without_openreview: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    relaid: bool = False
    committed_changes: list[Change] | None = None
    removed_files: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    discovered: list = field(default_factory=list)
    discover_errors: dict[str, str] = field(default_factory=dict)
    discover_lines: list[str] = field(default_factory=list)
    added_to_config: list[str] = field(default_factory=list)

    def _files(self, paths: list[str]) -> str:
        """``paths`` for a summary line, those in a collection folder counted per folder."""
        shown: list[str] = []
        counted: dict[str, int] = {}
        for path in paths:
            folder = next((f for f in self.folders if path.startswith(f.rstrip("/") + "/")), None)
            if folder is None:
                shown.append(path)
            else:
                counted[folder] = counted.get(folder, 0) + 1
        shown += [f"{n} file{'' if n == 1 else 's'} in {folder}/" for folder, n in counted.items()]
        return ", ".join(shown)

    def _discover_lines(self) -> list[str]:
        """The author queries' outcome and the papers of yours config does not list (README, "Keeping
        the list complete")."""
        if not self.discover_lines:
            return []
        if self.added_to_config:
            return [f"discover: added {len(self.added_to_config)} paper(s) of yours to the config "
                    f"([discover] add = true): {', '.join(self.added_to_config)}; the next run lists them"]
        return ["discover: " + line if not line.startswith("  ") else line for line in self.discover_lines]

    @property
    def stale(self) -> bool:
        """True when a source failed (stored records stood in) or a paper kept its previous entry."""
        failed = any(r.error or r.failed or (r.stale and not r.skipped) for r in self.sources.values())
        return failed or bool(self.kept_previous) or bool(self.placeholders) or bool(self.discover_errors)

    def exit_code(self) -> int:
        """EXIT_OK, or EXIT_STALE when stored records stood in for a failed source."""
        return EXIT_STALE if self.stale else EXIT_OK

    def _source_lines(self) -> list[str]:
        lines = []
        for source in SOURCES:
            r = self.sources.get(source)
            if r is None:
                continue
            name = SOURCE_NAMES[source]
            if r.skipped:
                dates = f" (fetched {', '.join(sorted(r.stale_dates))})" if r.stale_dates else ""
                lines.append(f"{name}: {r.skipped}; {len(r.stale)} stored records used{dates}.")
                continue
            fresh = f", {r.fresh} fresh (stored less than max_age_h ago, not asked)" if r.fresh else ""
            line = (f"{name}: {r.requested} requested, {r.found} found, {len(r.not_found)} not found, "
                    f"{len(r.failed)} failed, {len(r.stale)} stale{fresh}; "
                    f"{r.requests} HTTP request{'' if r.requests == 1 else 's'}.")
            if r.error:
                line += f" {'Could not reach it' if r.error_status is None else 'It refused'}: {r.error}."
            lines.append(line)
            if r.stale:
                lines.append(f"  stored records used for {len(r.stale)} IDs (fetched {_few(sorted(r.stale_dates), 5)})")
            if r.not_found:
                lines.append(f"  not found on {name}: {_few(r.not_found)}")
            if source == "openreview":
                lines.extend(f"  {line}" for line in self.without_openreview)
        return lines

    def _change_lines(self, limit: int | None = None, changes: list[Change] | None = None) -> list[str]:
        lines = []
        changes = self.changes if changes is None else changes
        shown = [c for c in changes if c.kind != "unchanged"]
        for n, change in enumerate(shown):
            if limit is not None and n == limit:
                lines.append(f"... and {len(shown) - limit:,} more entries changed ({len(shown):,} in all; the "
                             "commit message and --summary-md list every one)")
                break
            lines.append(f"{change.kind}: {change.title} ({change.key})")
            lines.extend(f"  {detail}" for detail in change.details)
        unchanged = sum(c.kind == "unchanged" for c in changes)
        if self.relaid:
            lines.append("the section is laid out anew: its headings, their order or the papers under them are "
                         "not the page's (set [sections] to keep the page's layout)")
        if unchanged:  # compared with the page: say what the run leaves as the page shows it
            lines.append(f"unchanged: {unchanged} entr{'y' if unchanged == 1 else 'ies'} as the page shows "
                         f"{'it' if unchanged == 1 else 'them'}")
        return lines

    def render(self) -> str:
        """The run summary as plain text, one fact a line."""
        lines = [f"{self.papers} paper{'' if self.papers == 1 else 's'}."
                 + (" Dry run: nothing was written." if self.dry_run else "")]
        lines.extend(self._source_lines())
        changed = [c for c in self.changes if c.kind != "unchanged"]
        lines.extend(self._change_lines(4 * SHOWN_LINES) if changed else
                     [*self._change_lines(), "No change in the publication list."])
        if not self.dry_run:
            lines.append(f"written: {self._files(self.written)}" if self.written or self.removed_files
                         else "No file changed.")
            if self.removed_files:
                lines.append(f"removed: {self._files(self.removed_files)}")
        lines.extend(self._discover_lines())
        lines.extend(f"note: {note}" for note in _first(self.notes, SHOWN_LINES, "notes"))
        lines.extend(f"warning: {warning}" for warning in _first(self.warnings, SHOWN_LINES, "warnings"))
        return "\n".join(lines)

    def render_markdown(self) -> str:
        """The run summary as Markdown (for ``$GITHUB_STEP_SUMMARY``); every text from a source or the
        config is escaped as on the page (no HTML, link, image or Liquid from metadata)."""
        from .emit import md_escape

        e = md_escape
        counts = {kind: sum(c.kind == kind for c in self.changes) for kind in ("added", "removed", "changed")}
        out = ["## Publications refresh", "",
               f"{self.papers} papers; {counts['added']} added, {counts['removed']} removed, "
               f"{counts['changed']} changed." + (" Stored records stood in for a failed source." if self.stale else ""),
               "", "| source | requested | found | not found | failed | stale | fresh | requests | error |",
               "|---|---|---|---|---|---|---|---|---|"]
        for source in SOURCES:
            r = self.sources.get(source)
            if r is None:
                continue
            out.append(f"| {SOURCE_NAMES[source]} | {r.requested} | {r.found} | {len(r.not_found)} | {len(r.failed)} "
                       f"| {len(r.stale)} | {r.fresh} | {r.requests} | {e(r.skipped or r.error or '')} |")
        if self.without_openreview:
            out += ["", "### Without OpenReview", ""] + [f"- {e(line)}" for line in self.without_openreview]
        shown = [c for c in self.changes if c.kind != "unchanged"]
        if shown:
            out += ["", "### Changes", ""]
            for change in shown:
                out.append(f"- **{change.kind}**: {e(change.title)} ({e(change.key)})")
                out.extend(f"  - {e(detail)}" for detail in change.details)
        if self.discover_lines:
            n = len(self.discovered)
            out += ["", "### Not listed yet", ""]
            if self.added_to_config:
                out.append(f"Added to the config ([discover] add = true): {e(', '.join(self.added_to_config))}.")
            elif n:
                out.append(f"{n} paper{'s' if n != 1 else ''} of yours {'are' if n != 1 else 'is'} not listed; "
                           "add them with `python -m pipeline discover --add`:")
            else:
                out.append("Every paper of yours that the sources know is listed.")
            out += [""] + [f"- {e(f.title)}" + (f" ({e(where)})" if (where := ", ".join(
                str(x) for x in (f.venue, f.year) if x)) else "") for f in self.discovered[:10 * SHOWN_LINES]]
            out += [f"- author query failed: {e(k)}: {e(v)}" for k, v in self.discover_errors.items()]
        if self.notes:
            out += ["", "### Notes", ""] + [f"- {e(n)}" for n in _first(self.notes, 10 * SHOWN_LINES, "notes")]
        if self.warnings:
            out += ["", "### Warnings", ""] + [f"- {e(w)}" for w in _first(self.warnings, 10 * SHOWN_LINES, "warnings")]
        return "\n".join(out) + "\n"

    def commit_message(self) -> str:
        """A commit message from the same change report (or, when set, from ``committed_changes``:
        the changes against what the repository holds): a subject with the counts, then one line per
        added, removed or changed entry with what changed."""
        changes = self.changes if self.committed_changes is None else self.committed_changes
        counts = [f"{n} {kind}" for kind in ("added", "removed", "changed")
                  if (n := sum(c.kind == kind for c in changes))]
        if counts:
            subject = "Update publications: " + ", ".join(counts)
        elif any(not p.endswith(("harvest.json",)) for p in self.written):
            subject = "Update publications: section rewritten, no entry changed"
        else:
            subject = "Update publications: refresh stored records"
        body = self._change_lines(changes=changes)
        if self.added_to_config:
            body.append(f"discover added {len(self.added_to_config)} paper(s) to the config ([discover] add = true): "
                        f"{', '.join(self.added_to_config)}")
            if not counts:
                subject = f"Add {len(self.added_to_config)} paper(s) found by discover to the config"
        if self.stale:
            body.append("Some sources failed; their stored records were used.")
        return subject + ("\n\n" + "\n".join(body) if body else "") + "\n"


def _without_openreview(config: Config, harvest: Harvest, publications: list[Publication]) -> list[str]:
    """For each paper listed with an OpenReview forum that has no OpenReview record this run (the
    source failed and nothing was stored), what the other sources could not say."""
    lines = []
    for pub in publications:
        entry = config.papers[pub.index]
        if not entry.openreview or any(i in harvest.records["openreview"] for i in entry.openreview):
            continue
        missing = ["acceptance status"] + ([] if pub.field_sources.get("award") == "config" else ["award"])
        if pub.venue is not None:
            names = {**SOURCE_NAMES, "config": "your config", "page": "the page"}
            shown = f"shown with its venue from {names.get(pub.field_sources.get('venue', ''), 'your config')}"
        elif pub.field_sources.get("title") == "placeholder":
            shown = "no other source knows it"
        else:
            shown = "shown as a preprint"
        lines.append(f"{pub.key}: {shown}; {' and '.join(missing)} unknown until OpenReview answers")
    return lines


_COMPARED = ("title", "authors", "venue", "year", "award", "section", "links", "ids")


def _show(field_name: str, value: object) -> str:
    if field_name == "venue" and isinstance(value, dict):
        return f"{value['name']} ({value['abbr']})" if value.get("abbr") else value["name"]
    if field_name == "authors" and isinstance(value, list):
        return ", ".join(value)
    if field_name == "links" and isinstance(value, list):
        return " ".join(f"[{link['label']}]" for link in value)
    if field_name == "ids" and isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if v is not None)
    return "none" if value is None else str(value)


def section_changes(old: "Mapping[str, dict]", new: list[dict], new_lines: Iterable[str] | None = None) -> list[Change]:
    """Entries added, removed or changed between two lists of ``publications.json`` papers (``old``
    by key, as :func:`_previous_papers` gives it; ``new`` from :func:`emit.json_papers`), in page order.
    ``new_lines``: the lines of the new file's papers; when they are exactly the old file's, nothing
    changed and nothing is parsed."""
    if new_lines is not None and isinstance(old, PreviousPapers) and old.same_lines(new_lines):
        return []
    new_by_key = {p["key"]: p for p in new}
    changes = [Change("added", k, p["title"]) for k, p in new_by_key.items() if k not in old]
    for key, paper in new_by_key.items():
        if key in old:
            details = tuple(f"{f}: {_show(f, old[key].get(f))} -> {_show(f, paper.get(f))}" for f in _COMPARED
                            if old[key].get(f) != paper.get(f))
            if details:
                changes.append(Change("changed", key, paper["title"], details))
    changes.extend(Change("removed", k, p.get("title", k)) for k, p in old.items() if k not in new_by_key)
    return changes


def _publication_from_json(data: dict, index: int) -> Publication:
    venue = data.get("venue")
    ids = data.get("ids") or {}
    return Publication(
        key=data["key"], index=index, title=data["title"], authors=tuple(data.get("authors") or ()),
        owner_positions=tuple(data.get("owner_positions") or ()),
        venue=Venue.from_dict(venue) if venue else None,
        year=data.get("year"), award=data.get("award"), section=data["section"], status=data.get("status"),
        arxiv_id=ids.get("arxiv"),
        arxiv_version=ids.get("arxiv_version"), doi=ids.get("doi"), openreview_forum=ids.get("openreview"),
        s2_paper_id=ids.get("s2_paper_id"), corpus_id=ids.get("corpus_id"),
        links=tuple((link["label"], link["url"]) for link in data.get("links") or ()),
        link_kinds=tuple(link.get("kind", link["label"]) for link in data.get("links") or ()),
        field_sources={**(data.get("field_sources") or {})},
        date=data.get("date"), selected=bool(data.get("selected")), members=tuple(data.get("members") or ()),
        citations=(data.get("citations") or {}).get("count"), citations_read=(data.get("citations") or {}).get("read"),
    )


class PreviousPapers(Mapping):
    """The papers of the last run's ``publications.json``, by key, parsed on first use.

    ``publications.json`` holds one paper per line (:func:`emit.render_json`), so a run can tell
    that nothing changed by comparing lines, without parsing 20,000 papers. An unreadable file
    reads as no papers, with a warning.
    """

    def __init__(self, raw: bytes | None, warnings: list[str], path: Path):
        self._raw, self._warnings, self._path = raw, warnings, path
        self._papers: dict[str, dict] | None = None if raw else {}

    def same_lines(self, lines: Iterable[str]) -> bool:
        """True when the file's paper lines are exactly ``lines`` (same papers, same bytes, same order)."""
        if not self._raw:
            return False
        try:
            text = self._raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return text == emit.JSON_HEAD + ",\n".join(lines) + emit.JSON_TAIL

    def _parsed(self) -> dict[str, dict]:
        if self._papers is None:
            try:
                self._papers = {p["key"]: p for p in json.loads(self._raw)["papers"]}
            except (ValueError, TypeError, KeyError, UnicodeDecodeError):
                self._warnings.append(f"{self._path} is unreadable; the change report compares with nothing "
                                      "(it is rewritten now)")
                self._papers = {}
        return self._papers

    def __getitem__(self, key: str) -> dict:
        return self._parsed()[key]

    def __iter__(self):
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


def _previous_papers(previous_json: bytes | None, warnings: list[str], path: Path) -> PreviousPapers:
    return PreviousPapers(previous_json, warnings, path)


def _publication_from_page(entry, pub: Publication, table) -> Publication:
    from .init import _section, _venue_and_year
    from .reconcile import says_preprint

    venue_text, year = _venue_and_year(entry.venue)
    named = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", venue_text)
    known = table.by_name(venue_text) or (named and (table.by_name(named.group(1)) or table.by_name(named.group(2))))
    kind = known.kind if known else ("journal" if _section(entry.section) == "journal" else "conference")
    venue = None  # the venue as the page writes it, not as the table would
    if venue_text and not says_preprint(venue_text):
        venue = Venue(name=named.group(1), abbr=named.group(2), kind=kind) if named else Venue(name=venue_text, kind=kind)
    section = _section(entry.section) or ("preprint" if venue is None else "conference")
    return Publication(
        key=pub.key, index=pub.index, title=entry.title, authors=tuple(entry.authors),
        owner_positions=tuple(i for i, a in enumerate(entry.authors) if a in entry.bold),
        venue=venue or None, year=year, award=entry.award, section=section, arxiv_id=pub.arxiv_id, doi=pub.doi,
        openreview_forum=pub.openreview_forum, links=pub.links, link_kinds=pub.link_kinds,
        field_sources={k: "page" for k in ("title", "authors", "venue", "year", "award", "section")},
    )


_SOURCED = {"arxiv", "openreview", "s2", "crossref"}
_OWNER_FIELDS = ("title", "authors", "venue", "year", "award", "section")


def _without_records(pub: Publication, config: Config) -> bool:
    """True for a paper listed by ID whose fields no source gave this run (nor a stored record)."""
    if pub.field_sources.get("title") == "placeholder":
        return True
    entry = config.papers[pub.index] if pub.index < len(config.papers) else None
    listed_by_id = entry is not None and any((entry.arxiv, entry.openreview, entry.doi, entry.s2))
    return listed_by_id and not _SOURCED & set(pub.field_sources.values())


def _keep_previous_entries(publications: list[Publication], previous: Mapping[str, dict], page: Page | None,
                           config: Config, table, report: "RunReport", warnings: list[str]) -> list[Publication]:
    """A paper listed by ID that no source answered for and no record stands in for keeps its entry
    of the last run (``publications.json``), or else the entry the homepage shows for it now; the
    fields its config entry sets still win."""
    kept = []
    for pub in publications:
        if not _without_records(pub, config):
            kept.append(pub)
            continue
        old = previous.get(pub.key)
        n = page.entry_of(pub, config) if page else None
        on_page = page.entries[n] if n is not None else None
        try:
            if old:
                base = _publication_from_json(old, pub.index)
                how = "kept its entry of the last run"
            elif on_page:
                base = _publication_from_page(on_page, pub, table)
                how = "kept the entry the homepage shows"
            else:
                kept.append(pub)
                continue
        except (KeyError, TypeError):
            kept.append(pub)
            continue
        overrides = {name: getattr(pub, name) for name in _OWNER_FIELDS if pub.field_sources.get(name) == "config"}
        if "authors" in overrides:
            overrides["owner_positions"] = pub.owner_positions
        sources = {**base.field_sources, **{k: "config" for k in overrides if k != "owner_positions"}}
        pub = dataclasses.replace(base, **overrides, field_sources=sources, links=pub.links or base.links,
                                  link_kinds=pub.link_kinds if pub.links else base.link_kinds)
        report.kept_previous.append(pub.key)
        placeholder = f"paper #{pub.index + 1} ({pub.key}): no source has returned this paper yet"
        warnings[:] = [w for w in warnings if not w.startswith(placeholder)]  # the kept entry replaces it
        warnings.append(f"{pub.key}: no source has answered for it yet; {how}")
        kept.append(pub)
    return kept


OUTPUT_FILES = ("publications.md", "publications.csv", "publications.json", "harvest.json")


def _same_records(keep: dict[str, dict[str, SourceRecord]], stored: dict[str, dict[str, SourceRecord]]) -> bool:
    """True when ``keep`` holds exactly the records loaded from the store (the same objects)."""
    return all(keep.get(source, {}).keys() == stored.get(source, {}).keys()
               and all(record is stored[source][ident] for ident, record in keep.get(source, {}).items())
               for source in set(keep) | set(stored))


def csv_bytes(publications: list[Publication], config: Config) -> tuple[bytes, str]:
    """(the bytes of ``publications.csv``, the fingerprint of what they were made from).

    The fingerprint covers the rows (:func:`emit.csv_rows`, built without pandas), ``csv_bom``, the
    code of :mod:`pipeline.emit.tables` and pandas' version. When it is the one the last run on this
    machine remembered (``store.emitted_path``) and the file still holds the bytes that run wrote,
    those bytes are the answer and pandas, two thirds of an unchanged offline run's CPU, is not
    imported; otherwise :func:`emit.render_csv` makes them.
    """
    from importlib import metadata

    rows = emit.csv_rows(publications)
    code = hashlib.sha256(Path(emit.tables.__file__).read_bytes()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps([code, metadata.version("pandas"), config.output.csv_bom, rows],
                                            default=str).encode()).hexdigest()
    path = config.output.dir / "publications.csv"
    known = store.load_emitted(store.emitted_path(config.output.dir))
    if known.get("csv_inputs") == fingerprint and path.is_file():
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == known.get("csv_bytes"):
            return data, fingerprint
    return emit.render_csv(publications, bom=config.output.csv_bom, rows=rows), fingerprint


def output_paths(config: Config) -> list[Path]:
    """Every file a run writes: the outputs in ``config.output.dir``, the homepage if one is set, then
    the files of the ``[formats]`` (:func:`pipeline.outputs.expected_paths`)."""
    paths = [config.output.dir / name for name in OUTPUT_FILES]
    paths += [config.output.homepage] if config.output.homepage else []
    if config.formats.paths():
        from .outputs import expected_paths

        paths += expected_paths(config)
    if discover.query_keys(config):
        paths.append(config.output.dir / discover.DISCOVERED_FILE)
        if config.discover.add and config.path is not None:
            paths.append(config.path)
    return paths


def run(config: Config, *, offline: bool = False, refresh: bool = False, dry_run: bool = False,
        started: float | None = None) -> RunReport:
    """Fetch, merge and emit for ``config``; write changed files atomically (see :func:`_run`).

    One run at a time per output folder: the run holds :class:`~pipeline.writer.RunLock` (waiting up
    to 30 s for another), then removes the temporary files a killed run left. ``started`` is the
    ``time.monotonic()`` value the run's deadline counts from (default: now), so that the deadline
    covers everything after start-up.

    Raises writer.BusyError when another run keeps the lock; the rest as :func:`_run`.
    """
    if dry_run:
        return _run(config, offline=offline, refresh=refresh, dry_run=True, started=started)
    with writer.RunLock(store.lock_path(config.output.dir)):
        removed = writer.remove_stale_temps(output_paths(config))
        if removed:
            log.info("removed %d temporary files a killed run left: %s", len(removed), ", ".join(map(str, removed)))
        return _run(config, offline=offline, refresh=refresh, dry_run=False, started=started)


def _run(config: Config, *, offline: bool, refresh: bool, dry_run: bool, started: float | None) -> RunReport:
    """Fetch, merge and emit for ``config``; write changed files atomically.

    Writes, under ``config.output.dir``: ``publications.md`` (the section), ``publications.csv``,
    ``publications.json`` (with per-field sources) and ``harvest.json`` (the records used, the
    last known good per source); and splices the section into ``config.output.homepage`` between
    the markers when one is configured. Nothing is written when the homepage markers are wrong.

    Args:
        offline: send no request; use the stored harvest.
        refresh: ask every source for every paper, even those answered within ``max_age_h``.
        dry_run: fetch and merge, compute the change report and the section diff, write nothing.

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
        try:
            with open(config.output.homepage, encoding="utf-8", newline="") as handle:  # keep \r\n as it is
                homepage_text = handle.read()
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{config.output.homepage}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                              "save the page as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"{config.output.homepage}: cannot read: {exc.strerror or exc}") from None
        writer.find_markers(homepage_text, config.output.start_marker, config.output.end_marker,
                            name=str(config.output.homepage))

    report.dry_run = dry_run
    json_path = out / "publications.json"
    previous_json = json_path.read_bytes() if json_path.is_file() else None
    stored = store.load(out / "harvest.json")
    if discover.query_keys(config):  # papers discover added: its records stand in until the sources answer
        for source, records in discover.stand_ins(config, stored).items():
            stored[source].update(records)
    checked_file = store.checked_path(out)
    checked = store.load_checked(checked_file)
    deadline = (started if started is not None else time.monotonic()) + config.deadline_s
    asking = None
    if discover.query_keys(config):  # the owners' author queries, beside the sources' own requests
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="discover")
        asking = pool.submit(discover.ask, config, refresh=refresh, offline=offline, deadline=deadline)
        pool.shutdown(wait=False)
    fetched = fetch_sources(config, stored, checked, offline=offline, refresh=refresh, deadline=deadline)
    report.sources, harvest, keep = fetched.reports, fetched.harvest, fetched.keep
    answers = None
    if asking is not None:
        try:
            answers = asking.result(timeout=max(0.0, deadline + 5.0 - time.monotonic()))
        except discover.DiscoveredError as exc:
            warnings.append(f"{exc}; the author queries were not asked")
        except Exception as exc:  # never lose the run for the author queries
            warnings.append(f"discover: the author queries did not finish ({type(exc).__name__}: {exc})")
        if answers is not None:
            report.discovered = discover.new_papers(config, keep, answers)
            report.discover_errors = dict(answers.errors)
            report.discover_lines = discover.summary_lines(answers, report.discovered, config, limit=5)
    warnings.extend(fetched.warnings)

    with no_cyclic_gc():  # merge and emit build ~10 objects per paper, none in a cycle (pipeline.memory)
        table = default_table(config.venues)
        result = merge(config, harvest, table)
        warnings.extend(result.warnings)
        report.notes = list(result.notes)
        report.papers = len(result.publications)
        previous = _previous_papers(previous_json, warnings, json_path)
        page = None
        if homepage_text is not None:
            start, end = writer.find_markers(homepage_text, config.output.start_marker, config.output.end_marker,
                                             name=str(config.output.homepage))
            page = read_page(homepage_text, start, end)
        result.publications = _keep_previous_entries(result.publications, previous, page, config, table, report,
                                                     warnings)
        report.placeholders = [p.key for p in result.publications if p.field_sources.get("title") == "placeholder"]
        if report.sources["openreview"].error or report.sources["openreview"].skipped:
            report.without_openreview = _without_openreview(config, harvest, result.publications)

        section = emit.render_section(result.publications, style=config.section_style)
        csv_data, csv_fingerprint = csv_bytes(result.publications, config)
        papers_json = emit.json_papers(result.publications)
        json_lines = emit.json_lines(papers_json)
        publications_json = emit.render_json(result.publications, lines=json_lines)
        if page is not None and page.entries:  # what readers see: the report compares with the page itself
            report.changes = page_changes(page, result.publications, config)
            since_last = {c.key for c in section_changes(previous, papers_json, json_lines)}
            for change in report.changes:
                if change.kind == "changed" and previous and change.key in previous and change.key not in since_last:
                    fields = ", ".join(detail.split(":", 1)[0] for detail in change.details)
                    warnings.append(f"{change.key}: the page's entry was edited by hand ({fields}); this run writes it "
                                    "as the sources and config say. To keep an edit, put it in config.toml (e.g. "
                                    "award = \"...\", authors = [...]) for this paper")
        else:
            report.changes = section_changes(previous, papers_json, json_lines)
        spliced = None
        if page is not None:
            spliced = splice_keeping(page, result.publications, config, section)
            if spliced is None:
                spliced = writer.splice(homepage_text, section, config.output.start_marker, config.output.end_marker,
                                        name=str(config.output.homepage))
                if spliced != homepage_text and page.entries:
                    report.relaid = True
            old_text, new_text = homepage_text, spliced
            names = (f"{config.output.homepage} (now)", f"{config.output.homepage} (after this run)")
        else:
            md = out / "publications.md"
            old_text, new_text = (md.read_text(encoding="utf-8") if md.is_file() else ""), section
            names = ("publications.md (last run)", "publications.md (this run)")
        if dry_run:  # the diff is printed only by --dry-run; 20,000 entries take difflib 0.3 s
            report.diff = "".join(difflib.unified_diff(old_text.splitlines(keepends=True),
                                                       new_text.splitlines(keepends=True),
                                                       fromfile=names[0], tofile=names[1]))

        files: list[tuple[Path, bytes]] = []
        if spliced is not None:  # first: the file most likely to refuse
            files.append((config.output.homepage, spliced.encode("utf-8")))
        files += [
            (out / "publications.md", section.encode("utf-8")),
            (out / "publications.csv", csv_data),
            (json_path, publications_json.encode("utf-8")),
        ]
        if not _same_records(keep, stored):  # an unchanged harvest (offline, all fresh) is not re-encoded
            files.append((out / "harvest.json", store.dump(keep)))
        if answers is not None:
            files.append((out / discover.DISCOVERED_FILE, discover.dump(answers)))
            if config.discover.add and report.discovered and dry_run:
                report.notes.append(f"dry run: [discover] add = true would add {len(report.discovered)} paper(s) to "
                                    "the config; nothing was written")
            if config.discover.add and report.discovered and config.path is not None and not dry_run:
                try:
                    files.insert(0, (config.path, discover.add_to_config(config.path, report.discovered)
                                     .encode("utf-8")))
                    report.added_to_config = [f.key for f in report.discovered]
                except (ValueError, OSError) as exc:
                    warnings.append(f"discover: [discover] add = true, but the papers were not added: {exc}")
        formats = None
        if config.formats.paths():
            from . import outputs

            formats = outputs.plan(config, result.publications)
            report.folders = [str(p) for p in (config.formats.academicpages, config.formats.hugo) if p]
            files += formats.files
            warnings.extend(formats.warnings)
            report.notes.extend(formats.notes)
        report.warnings = warnings
        if dry_run:
            return report
        report.written = [str(path) for path in writer.write_all(files)]
        if formats and formats.remove:
            report.removed_files = [str(path) for path in writer.remove_files(formats.remove)]
        try:
            writer.write_atomic(checked_file, store.dump_checked(checked))
            writer.write_atomic(store.emitted_path(out), json.dumps({
                "csv_inputs": csv_fingerprint, "csv_bytes": hashlib.sha256(csv_data).hexdigest()}).encode())
        except writer.WriteError as exc:  # caches; losing them only means asking or rendering again next time
            log.info("could not save the last-checked times: %s", exc)
        return report
