"""Onboarding's second half: compare the page's entries with what the sources say, field by field.

``init`` reads the IDs a page's links give; this module asks the sources about them (the same fetch
stage as ``run``) and, for each entry, sorts every difference into one of two kinds:

* **the same thing in other words** -- the title in other capitalisation, the same people in another
  order or spelling, the venue under another name or with more detail ("Frontiers in Neuroscience
  (section Neuromorphic Engineering)"), the page's own section: the owner's words are kept, written
  into ``config.toml`` as the owner's choice with the sources' version beside it as a comment. A
  name the owner uses for a table venue goes to ``[venue_names]``, so it holds for later papers
  there too.
* **news** -- accepted somewhere the page does not say yet, a new award, a different set of people,
  another title: the sources win, and the first run reports the change with both values.

With ``prefer="sources"`` every difference is news. Pure functions over the init result, the
fetched records and the venue table; :func:`compare_with_sources` does the fetch.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from collections.abc import Iterable

from harvest.records import SOURCES, SourceRecord

from .config import Config, loads
from .homepage import ParsedEntry, parse_publications
from .init import InitResult, _section, _venue_and_year, render_config
from .merge import Publication, _entry_records, merge
from .text import fold_name, is_owner, people_differ
from .venue_text import acronym, is_preprint_server
from .venues import Venue, VenueTable, default_table, normalize

__all__ = ["Comparison", "compare_with_sources", "reconcile", "entry_view", "says_preprint"]

log = logging.getLogger(__name__)

_ID_KEYS = ("arxiv", "openreview", "doi", "s2", "pii")
_OWNER_ONLY = ("code", "link", "links", "labels", "award")


@dataclass
class Comparison:
    """What the comparison found.

    Attributes:
        compared: entries the sources answered for.
        kept: ``where: field`` for each value kept as the owner wrote it.
        news: ``where (key): field: page -> sources`` for each change the first run will make.
        unknown: entries no source knows yet (kept as the page shows them until one does).
        offline: why nothing was compared (``--offline``, no network, every source failed), or None.
        failed: the sources that failed while others answered, one line each.
        found: ``where: DOI ... (how)`` for each DOI found through Crossref for a link that holds none
            (a ScienceDirect PII, an IEEE Xplore document), and each link it could not resolve.
    """

    compared: int = 0
    kept: list[str] = field(default_factory=list)
    news: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    offline: str | None = None
    failed: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    identities: dict[str, tuple[str, int]] = field(default_factory=dict)
    identity_notes: list[str] = field(default_factory=list)


def propose_identities(records: "Iterable[SourceRecord]", owner: str) -> dict[str, tuple[str, int]]:
    """The owner's S2 authorId and OpenReview profile ID, when the page's papers point at one of each:
    ``{"s2_author_id": (id, papers), "openreview_id": (id, papers)}``. Each record of S2 or OpenReview
    gives the ID at the owner's position in its author list (``author_ids``); a source's ID is proposed
    when every paper naming the owner gives the same one (a profile ID, ``~...``, for OpenReview), and
    left out when two papers disagree (two S2 authors for one person: merge them on S2 first)."""
    return {key: value for key, value in _identities(records, owner).items() if not isinstance(value, list)}


def identity_notes(records: "Iterable[SourceRecord]", owner: str) -> list[str]:
    """What init says when the page's papers name several S2 authors or OpenReview profiles for the
    owner (so none is proposed): each ID with its number of papers, and what to do."""
    notes = []
    for key, value in _identities(records, owner).items():
        if isinstance(value, list):
            listed = ", ".join(f"{ident} ({n} papers)" for ident, n in value)
            notes.append(f"your papers name {len(value)} {'Semantic Scholar authors' if key == 's2_author_id' else 'OpenReview profiles'} "
                         f"for you: {listed}; none is proposed. Merge them on the site, or set {key} yourself")
    return notes


def _identities(records, owner: str) -> dict:
    seen: dict[str, dict[str, int]] = {"s2": {}, "openreview": {}}
    for record in records:
        if record.source not in seen or len(record.author_ids) != len(record.authors):
            continue
        for name, ident in zip(record.authors, record.author_ids):
            if ident and is_owner(name, (owner,)) and (record.source == "s2" or ident.startswith("~")):
                seen[record.source][ident] = seen[record.source].get(ident, 0) + 1
    out: dict = {}
    for source, key in (("s2", "s2_author_id"), ("openreview", "openreview_id")):
        if len(seen[source]) == 1:
            ident, count = next(iter(seen[source].items()))
            out[key] = (ident, count)
        elif seen[source]:
            out[key] = sorted(seen[source].items(), key=lambda kv: -kv[1])
    return out


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold_name(text)).split())


def entry_view(pub: Publication) -> ParsedEntry:
    """How ``pub`` reads on the page: its rendered entry parsed back (same parser as the page's)."""
    from .emit import render_entry

    return parse_publications(f"### x\n\n{render_entry(1, pub)}")[0]


def _ids_only(paper: dict) -> dict:
    if not any(k in paper for k in _ID_KEYS[:4]):
        return dict(paper)  # a manual entry: nothing to fetch, kept as written
    return {k: v for k, v in paper.items() if k in ("key", *_ID_KEYS, *_OWNER_ONLY)}


def _config(papers: list[dict], owner: str, venue_names: dict[str, str], sources: dict | None, path: Path) -> Config:
    result = InitResult(papers=[{k: v for k, v in p.items() if k != "_comments"} for p in papers])
    text = render_config(result, owner=owner, homepage=None, venue_names=venue_names, sources=sources)
    return loads(text, path)


def _same_venue(page_text: str, venue: Venue, table: VenueTable) -> bool:
    """True when the page's venue text names ``venue``: the same table venue, its abbreviation, or its
    name with or without more detail."""
    named = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", page_text)
    page_name = named.group(1) if named else page_text
    page_abbr = named.group(2).strip() if named and acronym(named.group(2).strip()) else ""
    if venue.abbr and (page_abbr == venue.abbr or page_text == venue.abbr):
        return True
    for text in (page_text, page_name):
        found = table.by_name(text)
        if found is not None and found.name == venue.name and found.abbr == venue.abbr:
            return True
    a, b = normalize(page_text), normalize(venue.name)
    return bool(a and b) and (a == b or a.startswith(b + " ") or b.startswith(a + " "))


def _page_name(page_text: str, venue: Venue) -> str:
    """The owner's name for a venue: the page text without its "(ABBR)" when that is the venue's."""
    named = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", page_text)
    if named and venue.abbr and named.group(2).strip() == venue.abbr:
        return named.group(1).strip()
    return page_text


def says_preprint(text: str) -> bool:
    """True for a page venue line that names no venue: "Preprint", "arXiv preprint arXiv:2402.11984",
    "bioRxiv", "Under review", "Submitted to ..."."""
    words = text.strip().casefold()
    return (not words or is_preprint_server(text) or "preprint" in words or words.startswith(("arxiv", "corr"))
            or words.startswith(("under review", "submitted", "in submission", "working paper", "manuscript")))


def _comment(paper: dict, key: str, text: str) -> None:
    paper.setdefault("_comments", {})[key] = text


def _decide(paper: dict, page: ParsedEntry, pub: Publication, table: VenueTable, venue_names: dict[str, tuple[str, str]],
            where: str, kept: list[str], years: set[int] = frozenset()) -> None:
    """Write into ``paper`` the owner's words where page and sources say the same thing differently.
    ``years``: every year the entry's records give (printed issue, first publication, arXiv, S2): a
    page year among them is the same publication dated otherwise (online first, printed later)."""
    if page.title and page.title != pub.title and _fold(page.title) == _fold(pub.title):
        paper["title"] = page.title
        _comment(paper, "title", f"sources: {pub.title}")
        kept.append(f"{where}: title")
    added, dropped = people_differ(tuple(page.authors), pub.authors)
    if page.authors and not added and not dropped and tuple(page.authors) != pub.authors:
        paper["authors"] = list(page.authors)
        _comment(paper, "authors", f"sources: {', '.join(pub.authors)}")
        kept.append(f"{where}: authors")
    page_text, page_year = _venue_and_year(page.venue)
    if not page_text or says_preprint(page_text) or pub.venue is None:
        if page_text and not says_preprint(page_text) and pub.venue is None:
            paper["venue"] = page_text  # the page knows a venue the sources do not name yet
            if page_year:
                paper["year"] = page_year
            _comment(paper, "venue", "sources name no venue yet")
            kept.append(f"{where}: venue (the sources name none yet)")
        return
    venue = pub.venue
    if not _same_venue(page_text, venue, table):
        return
    if page_year and pub.year and page_year != pub.year and page_year in years:
        paper["year"] = page_year
        _comment(paper, "year", f"sources: {pub.year}")
        kept.append(f"{where}: year")
    if page_text == venue.label():
        return
    name = _page_name(page_text, venue)
    more_detail = normalize(page_text).startswith(normalize(venue.name) + " ") and name == page_text
    if venue.abbr and not more_detail and not venue.track and not venue.host:
        venue_names.setdefault(venue.abbr, (name, venue.name))
        kept.append(f"{where}: venue name ({venue.abbr} as {name!r}, for every paper there)")
    else:
        paper["venue"] = page_text
        _comment(paper, "venue", f"sources: {venue.label()}")
        kept.append(f"{where}: venue")


def reconcile(result: InitResult, config: Config, pubs: list[Publication], table: VenueTable, *, owner: str,
              prefer: str, sources: dict | None, path: Path,
              rerun, years: dict[int, set[int]] | None = None) -> Comparison:
    """Compare every fetched entry with its page entry and keep the owner's words (see module docstring).

    Args:
        result: init's result; ``papers`` and ``venue_names`` are updated in place.
        config, pubs: the IDs-only config and what the merge made of the sources' records.
        table: the venue table.
        owner, sources, path: for the configs built in between (``sources``: ``[sources.*]`` tables).
        prefer: "page" (keep the owner's words) or "sources" (every difference is news).
        rerun: ``rerun(config) -> list[Publication]``, the merge of the same records for another config.
        years: paper index -> every year its records give (see :func:`_decide`).

    Returns the :class:`Comparison` (kept, news, unknown).
    """
    comparison = Comparison()
    by_index = {pub.index: pub for pub in pubs}
    decided: dict[int, Publication] = {}
    for i, (paper, page) in enumerate(zip(result.papers, result.entries)):
        pub = by_index.get(i)
        if pub is None or not any(k in paper for k in _ID_KEYS[:4]):
            continue
        where = f"{page.section or 'page'} #{page.number}"
        if pub.field_sources.get("title") == "placeholder":
            comparison.unknown.append(f"{where} ({pub.key})")
            continue
        comparison.compared += 1
        decided[i] = pub
        if prefer != "sources":
            _decide(paper, page, pub, table, result.venue_names, where, comparison.kept, (years or {}).get(i, set()))
    names = {abbr: name for abbr, (name, _) in result.venue_names.items()}
    if prefer != "sources":  # sections: the page's own, where the venue shown is the same
        second = {p.index: p for p in rerun(_config(result.papers, owner, names, sources, path))}
        for i in decided:
            paper, page, pub = result.papers[i], result.entries[i], second.get(i)
            wanted = _section(page.section)
            if pub is None or wanted is None or wanted == pub.section:
                continue
            view = entry_view(pub)
            if " ".join(view.venue.split()) == " ".join(page.venue.split()):
                paper["section"] = wanted
                _comment(paper, "section", f"sources: {pub.section}")
                comparison.kept.append(f"{page.section} #{page.number}: section")
    final = {p.index: p for p in rerun(_config(result.papers, owner, names, sources, path))}
    for i in decided:
        pub, page = final.get(i), result.entries[i]
        if pub is None:
            continue
        view = entry_view(pub)
        where = f"{page.section or 'page'} #{page.number} ({pub.key})"
        for name, old, new in (("title", page.title, view.title), ("authors", ", ".join(page.authors),
                                                                     ", ".join(view.authors)),
                               ("venue", page.venue, view.venue), ("award", page.award or "none", view.award or "none"),
                               ("links", _links(page), _links(view))):
            if " ".join(old.split()) != " ".join(new.split()):
                comparison.news.append(f"{where}: {name}: {old} -> {new}")
        if _section(page.section) not in (None, pub.section):
            comparison.news.append(f"{where}: section: {page.section} -> {config.section_titles[pub.section]}")
    return comparison


def _year_of(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def _short(text: str, limit: int) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with "..." when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;(") + " ..."


def _links(entry: ParsedEntry) -> str:
    return " ".join(f"[{label}]({url})" for label, url in sorted(entry.links))


def _now_sourced(paper: dict, doi: str, result: InitResult) -> None:
    """A manual entry that has just got its DOI: the page's words become what the comparison keeps
    (or not), as for any entry with an ID, and the note that called it manual goes."""
    manual = f"written as a manual entry ({paper.get('title', '')[:60]!r})"
    result.unmapped[:] = [note for note in result.unmapped if not note.endswith(manual)]
    paper["doi"] = doi
    for key in ("title", "authors", "venue", "year", "section"):
        paper.pop(key, None)


_IEEE_DOCUMENT = re.compile(r"^https?://(?:www\.)?ieeexplore\.ieee\.org/(?:abstract/)?document/(\d+)", re.I)


def _find_dois(result: InitResult, config: Config, comparison: Comparison) -> None:
    """Give a DOI to the entries whose page link holds none, through Crossref (written into the
    entries of ``result``, reported in ``comparison.found``): a ScienceDirect PII by Crossref's
    ``alternative-id`` filter (one request for all); an IEEE Xplore document by a bibliographic
    query, taken only when the folded title, the year and the first author all agree. A failed or
    unanswered look-up leaves the entry as it was, and says so."""
    from harvest import crossref_source
    from harvest.ids import PII_PREFIX

    settings = config.sources.crossref
    if not settings.enabled:
        return
    deadline = time.monotonic() + config.deadline_s
    by_pii = {PII_PREFIX + p["pii"]: n for n, p in enumerate(result.papers) if p.get("pii") and not p.get("doi")}

    def where(n: int) -> str:
        entry = result.entries[n] if n < len(result.entries) else None
        return f"{entry.section or 'page'} #{entry.number}" if entry else f"paper #{n + 1}"

    if by_pii:
        fetched = crossref_source.fetch(list(by_pii), settings, deadline=deadline)
        for ident, n in by_pii.items():
            record = fetched.records.get(ident)
            if record and record.doi:
                _now_sourced(result.papers[n], record.doi, result)
                comparison.found.append(f"{where(n)}: DOI {record.doi}, by its PII {ident[len(PII_PREFIX):]} "
                                        "(Crossref alternative-id)")
            elif fetched.error:
                comparison.found.append(f"{where(n)}: no DOI for PII {ident[len(PII_PREFIX):]}: Crossref could not "
                                        f"be asked ({fetched.error.reason})")
            else:
                comparison.found.append(f"{where(n)}: Crossref knows no work with PII {ident[len(PII_PREFIX):]}")
    for n, paper in enumerate(result.papers):
        links = [paper.get("link"), *(paper.get("links") or {}).values()]
        document = next((m for link in links if isinstance(link, str) and (m := _IEEE_DOCUMENT.match(link))), None)
        if document is None or any(paper.get(k) for k in ("arxiv", "openreview", "doi", "s2")) or \
                not paper.get("title") or not paper.get("authors"):
            continue
        record, why = crossref_source.search_bibliographic(paper["title"], paper["authors"][0], paper.get("year"),
                                                           settings, fold=_fold, deadline=deadline)
        if record is not None and record.doi:
            _now_sourced(paper, record.doi, result)
            comparison.found.append(f"{where(n)}: DOI {record.doi} for IEEE Xplore document {document.group(1)}, "
                                    f"by a Crossref query ({why}); check it, and remove the doi line if it is not "
                                    "this paper")
        else:
            comparison.found.append(f"{where(n)}: no DOI for IEEE Xplore document {document.group(1)}: {why}")


def compare_with_sources(result: InitResult, *, owner: str, path: Path, sources: dict | None = None,
                         prefer: str = "page", offline: bool = False) -> Comparison:
    """Ask the sources about the page's entries (as ``run`` would, with ``sources`` as the
    ``[sources.*]`` tables) and :func:`reconcile`. Without network (every source unreachable) or with
    ``offline`` nothing is compared, and the Comparison says why.

    Raises ConfigError when the page's IDs or ``sources`` make an invalid config.
    """
    from .fetch import fetch_sources

    comparison = Comparison()
    if offline:
        comparison.offline = "--offline: the entries were not compared with the sources"
        return comparison
    _find_dois(result, _config([_ids_only(p) for p in result.papers], owner, {}, sources, path), comparison)
    papers = [_ids_only(p) for p in result.papers]
    config = _config(papers, owner, {}, sources, path)
    fetched = fetch_sources(config, {s: {} for s in SOURCES}, {}, refresh=True,
                            deadline=time.monotonic() + config.deadline_s)
    asked = {name: r for name, r in fetched.reports.items() if r.requested and not r.skipped}
    failed = {name: r for name, r in asked.items() if r.error and not r.found}
    if asked and len(failed) == len(asked):
        reached = any(r.error_status is not None for r in failed.values())
        comparison.offline = (("every source failed" if reached else "no source could be reached") + " ("
                              + _short("; ".join(r.error for r in failed.values()), 400)
                              + "): the entries were not compared; run init again when the sources answer, to keep "
                                "your wording where they word it otherwise")
        return comparison
    table = default_table(config.venues)

    def rerun(other: Config) -> list[Publication]:
        return merge(other, fetched.harvest, default_table(other.venues)).publications

    pubs = merge(config, fetched.harvest, table).publications
    working = copy.deepcopy(result)
    working.papers = [dict(_ids_only(p)) for p in result.papers]
    years = {entry.index: {y for record in _entry_records(entry, fetched.harvest).values()
                           for y in (record.year, _year_of(record.publication_date)) if y}
             for entry in config.papers}
    found = comparison.found
    comparison = reconcile(working, config, pubs, table, owner=owner, prefer=prefer, sources=sources, path=path,
                           rerun=rerun, years=years)
    comparison.found = found
    both = [r for source in ("s2", "openreview") for r in fetched.harvest.records[source].values()]
    comparison.identities = propose_identities(both, owner)
    comparison.identity_notes = identity_notes(both, owner)
    comparison.failed = [f"{name}: {_short(r.error, 200)}" for name, r in failed.items()]
    for original, decided in zip(result.papers, working.papers):
        for key in ("title", "authors", "venue", "year", "section"):
            if key in decided and key not in original or (key in decided and decided[key] != original.get(key)):
                original[key] = decided[key]
        if decided.get("_comments"):
            original["_comments"] = {**original.get("_comments", {}), **decided["_comments"]}
    result.venue_names = working.venue_names
    return comparison
