"""Discover: the owners' papers that config does not list yet, from the sources' author queries.

Three queries per owner, each optional (see :class:`pipeline.config.Owner`, ``[discover]``):

- Semantic Scholar ``/author/{s2_author_id}/papers`` (pages of 1,000): S2's author disambiguation
  says which papers are the owner's, so a namesake (another authorId) never comes back;
- OpenReview ``content.authorids = openreview_id`` on API 2 and API 1: the profile's submissions;
  rejected, withdrawn and desk-rejected submissions are left out;
- arXiv ``au:"<name>"`` (``[discover] arxiv``): namesakes come back too, so an entry counts only when it
  shares a co-author with the owner's papers (those config lists and those the other two queries found).

:func:`new_papers` (pure) groups what the queries returned into papers (one paper: any shared DOI,
arXiv ID, OpenReview forum or S2 paperId, or the same title) and drops every paper config already
lists, by any identifier a source gave for a listed paper or by its title: a paper listed by its DOI
is not new because S2 also knows its arXiv ID, and a preprint is not new beside its published version.

:func:`ask` runs the queries (side by side, politely, within the run's deadline) and keeps their answers
in ``output/discovered.json``, fresh for ``max_age_h`` like the other records; a query that fails
leaves its last answer standing and is reported. :func:`add_to_config` appends papers to config.toml
keeping its comments and layout (tomlkit).
"""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harvest.records import SourceRecord

from .config import Config, Owner
from .groups import group_by_keys
from .openreview_venues import read_openreview
from .text import fold_name, is_owner

__all__ = ["Found", "Answers", "query_keys", "ask", "new_papers", "add_to_config", "summary_lines", "DISCOVERED_FILE",
           "DiscoveredError", "listed_records", "stand_ins"]

log = logging.getLogger(__name__)
DISCOVERED_FILE = "discovered.json"
_FORMAT = 1
#: OpenReview stages that make a paper: accepted, or the author's own upload (DBLP imports among them).
#: Submissions under review are left out (double-blind: often not public, and not yet a paper of the
#: list), as are rejected, withdrawn, desk-rejected and retracted ones.
_LISTED = {"accepted", "archive"}


@dataclass
class Found:
    """One paper of the owners that config does not list.

    Attributes:
        key: a config key for it (first author's family name, year, first title word), unique in config.
        title, authors, venue, year: from OpenReview, else S2, else arXiv (the first that gives each).
        ids: ``{"arxiv", "doi", "openreview", "s2"}`` as the sources gave them (None where none did).
        found_by: the queries that returned it (``s2:<authorId>``, ``openreview:<profile>``, ``arxiv:<name>``).
        members: the owners among its authors.
    """

    key: str
    title: str
    authors: tuple[str, ...]
    venue: str | None
    year: int | None
    ids: dict[str, str | None]
    found_by: tuple[str, ...]
    members: tuple[str, ...] = ()


@dataclass
class Answers:
    """What the author queries answered, per query key (see :func:`query_keys`).

    Attributes:
        records: query key -> the records it returned (this run's, or the stored ones).
        fetched_at: query key -> when that answer arrived (ISO 8601 UTC).
        errors: query key -> why it failed this run (its stored answer, if any, stands in).
        fresh: query keys not asked because their stored answer is younger than ``max_age_h``.
        requests: source -> HTTP requests sent; asked: query key -> requests it sent this run.
    """

    records: dict[str, list[SourceRecord]] = field(default_factory=dict)
    fetched_at: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fresh: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    asked: dict[str, int] = field(default_factory=dict)


def query_keys(config: Config) -> list[tuple[str, Owner]]:
    """(query key, owner) for every author query config asks for: ``s2:<authorId>``,
    ``openreview:<profile ID>`` and, when ``[discover] arxiv`` and the owner has an S2 or OpenReview ID
    or is the only owner, ``arxiv:<name>``."""
    owners = config.owners or (config.owner,)
    keys: list[tuple[str, Owner]] = []
    for owner in owners:
        if owner.s2_author_id:
            keys.append((f"s2:{owner.s2_author_id}", owner))
        if owner.openreview_id:
            keys.append((f"openreview:{owner.openreview_id}", owner))
        if config.discover.arxiv and (owner.s2_author_id or owner.openreview_id):
            keys.append((f"arxiv:{owner.name}", owner))
    return keys


class DiscoveredError(Exception):
    """``discovered.json`` exists but cannot be read; the message names it and says what to do."""


def _load(path: Path) -> dict:
    """The stored answers, by query key; empty when the file does not exist yet.

    Raises DiscoveredError when it exists but is not an answers file this version reads (a merge
    conflict, a hand edit): it is never silently replaced."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DiscoveredError(f"{path}: cannot read the stored author-query answers ({exc}); restore it from git, "
                              "or delete it to ask again") from None
    if not isinstance(raw, dict) or raw.get("format") != _FORMAT or not isinstance(raw.get("queries"), dict):
        raise DiscoveredError(f"{path}: not an answers file of format {_FORMAT}; restore it from git or delete it")
    return raw["queries"]


def dump(answers: Answers) -> bytes:
    """The bytes of ``discovered.json``: each query's answer with its time (sorted, one record a line)."""
    queries = {key: {"fetched_at": answers.fetched_at[key],
                     "records": [r.to_dict() for r in sorted(answers.records[key], key=lambda r: r.requested_id)]}
               for key in sorted(answers.records) if key in answers.fetched_at}
    return (json.dumps({"format": _FORMAT, "queries": queries}, indent=1, ensure_ascii=False, sort_keys=True)
            + "\n").encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def ask(config: Config, *, refresh: bool = False, offline: bool = False, deadline: float | None = None) -> Answers:
    """Run the author queries of :func:`query_keys` (those whose stored answer is not fresh), side by
    side, each source with its own politeness, within ``deadline`` (a ``time.monotonic()`` value).
    The stored answers in ``output/discovered.json`` stand in for fresh, failed and (``offline``) unasked
    queries. Never raises for a source's failure: it goes to ``errors``."""
    from harvest import arxiv_source, openreview_source, s2_source

    stored = _load(config.output.dir / DISCOVERED_FILE)
    answers = Answers()
    limit = datetime.now(timezone.utc) - timedelta(hours=config.max_age_h)
    todo: list[tuple[str, Owner]] = []
    for key, owner in query_keys(config):
        old = stored.get(key)
        if old:
            try:
                answers.records[key] = [SourceRecord.from_dict(r) for r in old.get("records") or []]
                answers.fetched_at[key] = str(old["fetched_at"])
            except (KeyError, TypeError):
                old = None
        source = key.split(":", 1)[0]
        enabled = getattr(config.sources, source).enabled
        if offline or not enabled:
            continue
        try:
            young = old and datetime.fromisoformat(str(old["fetched_at"]).replace("Z", "+00:00")) > limit
        except ValueError:
            young = False
        if young and not refresh:
            answers.fresh.append(key)
            continue
        todo.append((key, owner))
    if not todo:
        return answers

    def one(key: str, owner: Owner):
        source, ident = key.split(":", 1)
        if source == "s2":
            return s2_source.fetch_author(ident, config.sources.s2, deadline=deadline)
        if source == "openreview":
            return openreview_source.fetch_author(ident, config.sources.openreview, deadline=deadline)
        return arxiv_source.search_author(owner.name, config.sources.arxiv,
                                          max_results=config.discover.arxiv_max_results, deadline=deadline)

    with ThreadPoolExecutor(max_workers=min(3, len(todo)), thread_name_prefix="discover") as pool:
        futures = {key: pool.submit(one, key, owner) for key, owner in todo}
        for key, future in futures.items():
            source = key.split(":", 1)[0]
            wait = None if deadline is None else max(0.0, deadline + 2.0 - time.monotonic())
            try:
                result = future.result(timeout=wait)
            except Exception as exc:  # a hung query past the deadline, or a bug in one source
                answers.errors[key] = f"{type(exc).__name__}: {exc}" if str(exc) else "no answer by the run's deadline"
                continue
            answers.requests[source] = answers.requests.get(source, 0) + result.requests
            if result.error is None:
                answers.asked[key] = result.requests
            if result.error is not None:
                answers.errors[key] = str(result.error)
                continue
            answers.records[key] = list(result.records.values())
            answers.fetched_at[key] = _now()
        pool.shutdown(wait=False, cancel_futures=True)
    return answers


_WORD = re.compile(r"[^\W_]+")


def listed_records(config: Config, stored: dict[str, dict[str, SourceRecord]]) -> dict[str, dict[str, SourceRecord]]:
    """The stored records of the papers config lists now (a stored harvest also holds those of papers
    removed from config since, which are not "listed")."""
    from .fetch import plan

    wanted = plan(config, stored)
    return {source: {i: stored[source][i] for i in wanted.get(source, []) if i in stored.get(source, {})}
            for source in stored}


def stand_ins(config: Config, stored: dict[str, dict[str, SourceRecord]]) -> dict[str, dict[str, SourceRecord]]:
    """Records from ``discovered.json`` for the IDs config now lists that have no stored record yet
    (papers ``discover --add`` added): the author queries' own records of them, under the ID each
    source is asked (an arXiv ID, a forum, S2's ``ARXIV:``/``DOI:`` batch ID), so that until the
    sources answer for them the page shows their title, authors and venue rather than their IDs.
    A record the sources answer for replaces it. An unreadable answers file gives none."""
    import dataclasses

    from .merge import s2_request_id

    try:
        queries = _load(config.output.dir / DISCOVERED_FILE)
    except DiscoveredError:
        return {}
    records: list[SourceRecord] = []
    for answer in queries.values():
        for data in answer.get("records") or [] if isinstance(answer, dict) else []:
            try:
                records.append(SourceRecord.from_dict(data))
            except (KeyError, TypeError):
                continue
    if not records:
        return {}
    out: dict[str, dict[str, SourceRecord]] = {}
    by_id = {(r.source, i): r for r in records for i in _ids(r)}
    for entry in config.papers:
        wanted = [("arxiv", a, f"arxiv:{a}") for a in entry.arxiv] + \
                 [("openreview", f, f"openreview:{f}") for f in entry.openreview]
        s2 = s2_request_id(entry)
        if s2:
            kind, _, value = s2.partition(":")
            wanted.append(("s2", s2, {"ARXIV": f"arxiv:{value}", "DOI": f"doi:{value}"}.get(kind, f"s2:{s2}")))
        for source, ident, key in wanted:
            record = by_id.get((source, key))
            if record is not None and ident not in stored.get(source, {}):
                out.setdefault(source, {})[ident] = dataclasses.replace(record, requested_id=ident)
    return out


def title_key(title: str | None) -> str:
    """A title folded for matching: lower case, letters and digits only ("" for none)."""
    return "".join(_WORD.findall((title or "").casefold()))


def _ids(record: SourceRecord) -> set[str]:
    return {i for i in record.identifiers() if not i.startswith("s2:CorpusId:")} | (
        {f"s2:CorpusId:{record.corpus_id}"} if record.corpus_id is not None else set())


def new_papers(config: Config, stored: dict[str, dict[str, SourceRecord]], answers: Answers) -> list[Found]:
    """The papers the author queries returned that config does not list, newest first.

    ``stored``: the stored harvest (records of config's papers, per source and requested ID), whose
    identifiers and titles count as listed. Pure.
    """
    owners = config.owners or (config.owner,)
    by_query = dict(query_keys(config))
    known_ids: set[str] = set(config.discover.ignore)
    known_titles: set[str] = set()
    people: set[str] = set()  # everyone on the listed papers (and, below, on the trusted new ones)
    for entry in config.papers:
        known_ids |= entry.identifiers()
        known_titles.add(title_key(entry.title))
        people |= {fold_name(a) for a in entry.authors or ()}
    for records in stored.values():
        for record in records.values():
            known_ids |= _ids(record)
            known_titles.add(title_key(record.title))
            people |= {fold_name(a) for a in record.authors}
    known_titles.discard("")

    trusted: list[tuple[str, SourceRecord]] = []
    by_name: list[tuple[str, SourceRecord]] = []
    for key, records in answers.records.items():
        for record in records:
            if key.startswith("openreview:") and read_openreview(record.venueid, next(iter(record.venue_strings), None)
                                                                 ).status not in _LISTED:
                continue
            (by_name if key.startswith("arxiv:") else trusted).append((key, record))
    for _, record in trusted:
        people |= {fold_name(a) for a in record.authors}
    people.discard("")

    def shares_a_coauthor(key: str, record: SourceRecord) -> bool:
        """An arXiv name match of one owner counts when someone else on it (a fellow lab member too)
        is on the owner's known papers."""
        own = by_query[key].names()
        return any(fold_name(a) in people for a in record.authors if not is_owner(a, own))

    chosen = trusted + [(k, r) for k, r in by_name if shares_a_coauthor(k, r)]

    # one paper per connected group of records (shared identifier or title)
    indexes, _ = group_by_keys(_ids(record) | ({f"title:{title_key(record.title)}"} if title_key(record.title)
                                               else set()) for _, record in chosen)
    groups = {n: [chosen[i] for i in group] for n, group in enumerate(indexes)}

    order = {"openreview": 0, "s2": 1, "arxiv": 2}
    taken = {entry.key.casefold() for entry in config.papers}
    found: list[Found] = []
    for items in groups.values():
        records = [r for _, r in sorted(items, key=lambda kr: order.get(kr[1].source, 3))]
        ids = set().union(*(_ids(r) for r in records))
        if ids & known_ids or any(title_key(r.title) in known_titles for r in records):
            continue
        title = next((r.title for r in records if r.title), None)
        if not title:
            continue
        authors = next((r.authors for r in records if r.authors), ())
        year = next((r.year for r in records if r.year), None)
        venue = next((v for r in records if r.source != "arxiv" for v in r.venue_strings
                      if v and v.casefold() not in ("arxiv", "arxiv.org")), None)
        pick = {kind: next((i.split(":", 1)[1] for i in sorted(ids) if i.startswith(f"{kind}:")
                            and not i.startswith("s2:CorpusId:")), None) for kind in ("arxiv", "doi", "openreview", "s2")}
        members = tuple(o.name for o in owners if any(is_owner(a, o.names()) for a in authors))
        found.append(Found(key=_key(authors, year, title, taken), title=title, authors=tuple(authors), venue=venue,
                           year=year, ids=pick, found_by=tuple(sorted({k for k, _ in items})), members=members))
    found.sort(key=lambda f: (-(f.year or 0), f.title.casefold()))
    return found


def _key(authors, year, title: str, taken: set[str]) -> str:
    """A config key: the first author's family name, the year and the first long title word, in ASCII
    letters and digits ("xiao2024online"); "paper" where a part has no ASCII letters; unique in
    ``taken`` (folded keys) ignoring case, as BibTeX keys and some file systems do."""
    family = re.sub(r"[^a-z0-9]", "", fold_name(authors[0]).split(" ")[-1]) if authors else ""
    word = next((w for w in (re.sub(r"[^a-z0-9]", "", w) for w in _WORD.findall(fold_name(title))) if len(w) > 3), "")
    base = (family or "paper") + (str(year) if year else "") + (word if word != family else "")
    key, n = base, 2
    while key.casefold() in taken:
        key, n = f"{base}{n}", n + 1
    taken.add(key.casefold())
    return key


def add_to_config(path: Path, found: list[Found]) -> str:
    """The text of config.toml ``path`` with one ``[[paper]]`` table appended per paper of ``found``
    not listed in the file by now (its key and IDs; the title and year as a comment): the file's own
    bytes stay as they are (a byte-order mark, CRLF line ends, trailing blank lines) and the new tables
    follow, each after a blank line, written by tomlkit (which quotes every value as TOML needs).

    Raises OSError when the file cannot be read, ValueError when the tables cannot be appended (the
    file lists its papers as an inline array ``paper = [...]``, or the result would not be the same
    config plus these papers; checked with tomllib)."""
    import tomllib

    import tomlkit

    text = path.read_bytes().decode("utf-8")
    body = text[1:] if text.startswith("\ufeff") else text
    eol = "\r\n" if "\r\n" in body else "\n"
    before = tomllib.loads(body)
    if isinstance(before.get("paper"), list) and before["paper"] and re.search(r"(?m)^\s*paper\s*=", body):
        raise ValueError(f"{path} lists its papers as an inline array (paper = [...]); [[paper]] tables cannot be "
                         "appended to it: add the papers by hand")
    listed = {f"{kind}:{v}".lower() for p in before.get("paper", []) if isinstance(p, dict)
              for kind in ("arxiv", "openreview", "doi", "s2") for v in ([p[kind]] if isinstance(p.get(kind), str)
                                                                          else p.get(kind) or [])}
    keys = {str(p.get("key", "")).casefold() for p in before.get("paper", []) if isinstance(p, dict)}
    blocks = []
    for paper in found:
        ids = {f"{k}:{v}".lower() for k, v in paper.ids.items() if v}
        if ids & listed or paper.key.casefold() in keys:
            continue  # listed by now (another run or discover added it)
        table = tomlkit.table()
        table.add(tomlkit.comment(f"found by discover ({', '.join(paper.found_by)}): "
                                  + " ".join(paper.title.split()) + (f", {paper.year}" if paper.year else "")))
        table.add("key", paper.key)
        for kind in ("arxiv", "openreview", "doi"):
            if paper.ids.get(kind):
                table.add(kind, paper.ids[kind])
        if not any(paper.ids.get(kind) for kind in ("arxiv", "openreview", "doi")) and paper.ids.get("s2"):
            table.add("s2", paper.ids["s2"])
        aot = tomlkit.aot()
        aot.append(table)
        document = tomlkit.document()
        document.append("paper", aot)
        blocks.append(tomlkit.dumps(document).strip("\n").replace("\n", eol) + eol)
    if not blocks:
        return text
    gap = "" if not body.strip() else (eol if body.endswith(("\n", "\r")) else eol + eol)
    new = text + gap + eol.join(blocks)
    after = tomllib.loads(new[1:] if new.startswith("\ufeff") else new)
    if after.get("paper", [])[:len(before.get("paper", []))] != before.get("paper", []) or \
            len(after.get("paper", [])) != len(before.get("paper", [])) + len(blocks):
        raise ValueError(f"{path}: appending the papers would change the config's other papers; add them by hand")
    return new


_NAMES = {"s2": "Semantic Scholar", "openreview": "OpenReview", "arxiv": "arXiv"}


def summary_lines(answers: Answers, found: list[Found], config: Config, *, limit: int | None = None) -> list[str]:
    """What ``discover`` prints: each query's outcome, then the papers (title, authors, venue, year,
    IDs) and the command that adds them."""
    lines = []
    for key, _ in query_keys(config):
        source, ident = key.split(":", 1)
        what = f"{_NAMES[source]} {'name' if source == 'arxiv' else 'author' if source == 's2' else 'profile'} {ident}"
        if key in answers.errors:
            stood = f"; its answer of {answers.fetched_at[key][:10]} stands in" if key in answers.fetched_at else ""
            lines.append(f"{what}: failed ({answers.errors[key]}){stood}")
        elif key in answers.fresh:
            lines.append(f"{what}: {len(answers.records.get(key, []))} papers, asked {answers.fetched_at[key][:10]} "
                         "(fresh, not asked again)")
        elif key in answers.asked:
            lines.append(f"{what}: {len(answers.records[key])} papers ({answers.asked[key]} HTTP "
                         f"request{'s' if answers.asked[key] != 1 else ''})")
        elif key in answers.records:
            lines.append(f"{what}: {len(answers.records[key])} papers, stored {answers.fetched_at[key][:10]} (not asked)")
        else:
            lines.append(f"{what}: not asked (offline or the source is disabled), no stored answer")
    name = config.path.name if config.path else "config.toml"
    if not any(key in answers.records for key, _ in query_keys(config)):
        lines.append("No author query has an answer yet (offline, or every query failed): nothing is known about "
                     f"papers {name} does not list")
        return lines
    if not found:
        lines.append(f"Every paper of yours that the sources know is listed in {name}.")
        return lines
    lines.append(f"{len(found)} paper{'s' if len(found) != 1 else ''} of yours {'are' if len(found) != 1 else 'is'} "
                 f"not listed in {name}:")
    for n, paper in enumerate(found[:limit] if limit else found, 1):
        ids = ", ".join(f"{kind} {value}" for kind, value in paper.ids.items() if value)
        where = ", ".join(str(x) for x in (paper.venue, paper.year) if x)
        lines.append(f"  {n}. {paper.title}" + (f" ({where})" if where else ""))
        lines.append(f"     {', '.join(paper.authors)}" if paper.authors else "     (no authors given)")
        lines.append(f"     {ids}; found by {', '.join(paper.found_by)}")
    if limit and len(found) > limit:
        lines.append(f"  ... and {len(found) - limit} more")
    lines.append(f"Add them: python -m pipeline discover --add --config {config.path}")
    return lines
