"""Merge: one Publication per config entry from the records the sources returned for it.

Each entry's records are the ones fetched by its own IDs: arXiv by its arXiv IDs, OpenReview by
its forum IDs, Semantic Scholar by :func:`s2_request_id`, Crossref by :func:`crossref_request_ids`.
Entries are joined only on an identifier that cannot be mistaken (:meth:`_Merger.same_paper_groups`);
look-alike titles are reported, never merged.

Field precedence is data: ``pipeline/precedence.toml`` lists, for the title, authors, venue, year
and award, the sources each comes from, first that has a value wins, with the conditions under
which a source counts ("OpenReview when accepted", "Crossref when published"); this module applies
it (:meth:`_Merger._first_by_rules`, :meth:`_Merger.venue`) and README's "How a field is chosen"
says it in words. What the table does not hold:

===========  ==========================================================================
field        how
===========  ==========================================================================
authors      after the table: when arXiv's list is chosen, the ``version_of_record`` rules'
             list replaces it if it names other people; abbreviated names ("D.K. He") are
             replaced by the full form another source gives at the same place
status       OpenReview: venueid stage first, venue text second (pipeline.openreview_venues);
             none when OpenReview has no record
venue        each source's chooser (pipeline.venue_choice) reads its record; preprint servers
             and Crossref ``posted-content`` are never venues; a venue OpenReview says did not
             accept the paper is not taken from another source
venue kind   venue table > OpenReview venueid > Crossref ``type`` > DBLP prefix > the name's
             wording > S2 ``publicationVenue.type`` > S2 ``publicationTypes``; a journal_ref is a
             journal unless its words say otherwise; else undecided (pipeline.venue_choice)
section      config > venue kind (conference and workshop: conference; journal: journal; book and
             thesis: book) > ``[sections] undecided`` for a venue of undecided kind > preprint
links        openreview (forum), link (config, else https://doi.org/<DOI> of config, Crossref,
             S2 or arXiv), arxiv, code (config), then config ``links`` in their order
===========  ==========================================================================

``field_sources`` records the source of each field, and for the venue also ``venue_name`` (which
string gave the shown name) and ``venue_kind`` (the evidence for the kind).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from dataclasses import dataclass, field

from harvest.ids import PII_PREFIX
from harvest.records import SOURCES, SourceRecord

from .config import Config, Entry
from .groups import group_by_keys
from .text import clean_name, clean_text, clean_title, fold_name, is_owner, people_differ, prefer_full_names
from .precedence import Rule, rules, version_of_record
from .venue_choice import CHOOSERS, Choice, crossref_published, from_openreview, openreview_award, openreview_reading
from .venue_text import acronym, kind_from_wording
from .venues import KIND_SECTION, Venue, VenueTable, comment_award, normalize

_YEAR_RE = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")

__all__ = ["Harvest", "Publication", "MergeResult", "merge", "s2_request_id", "crossref_request_ids"]

log = logging.getLogger(__name__)



@dataclass
class Harvest:
    """Records per source, keyed by the requested ID, and which of them are stale.

    Attributes:
        records: source name -> requested ID -> record.
        stale: (source, requested ID) pairs whose record comes from an earlier run.
    """

    records: dict[str, dict[str, SourceRecord]] = field(default_factory=lambda: {s: {} for s in SOURCES})
    stale: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True, kw_only=True)
class Publication:
    """One merged paper, ready to emit.

    Attributes:
        key, index: the config entry's key and position.
        title, authors: merged text (see the precedence table in this module's docstring).
        owner_positions: indexes into ``authors`` of the owner's name.
        venue: the venue, or None for a preprint.
        year: venue year (see precedence), or None when nothing gives one.
        award: e.g. "Spotlight" or "Oral, Top 2%", or None.
        section: "conference", "journal", "book" or "preprint".
        status: OpenReview's decision stage ("accepted", "under review", "rejected", "withdrawn",
            "desk rejected", "retracted", "archive"), or None when OpenReview says nothing.
        arxiv_id, arxiv_version, doi, openreview_forum, s2_paper_id, corpus_id: identifiers.
        links: (label, URL) pairs in display order; link_kinds: the kind of each ("openreview", "link",
            "arxiv", "code", or a named link's own name), so a link keeps its kind under any label.
        field_sources: field name -> "config", "arxiv", "openreview", "s2" or "doi".
        date: ``YYYY-MM-DD`` (or ``YYYY-MM``) publication date of the record that gave ``year``
            (S2 ``publicationDate``, Crossref ``issued``, arXiv v1 date), None when it gives none or
            when the year came from config or a venue.
        selected: config ``selected`` (al-folio's selected papers, Hugo Blox ``featured``).
        members: the names of the owners (a lab's ``[[owner]]`` members, in config order) among the authors.
        citations: S2 ``citationCount``, None without an S2 record; citations_read: the date (UTC,
            ``YYYY-MM-DD``) that S2 record was fetched.
        stale: "source (fetched YYYY-MM-DD)" for each record that came from an earlier run.
    """

    key: str
    index: int
    title: str
    authors: tuple[str, ...]
    owner_positions: tuple[int, ...]
    venue: Venue | None
    year: int | None
    award: str | None
    section: str
    status: str | None = None
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    doi: str | None = None
    openreview_forum: str | None = None
    s2_paper_id: str | None = None
    corpus_id: int | None = None
    links: tuple[tuple[str, str], ...] = ()
    link_kinds: tuple[str, ...] = ()
    field_sources: dict[str, str] = field(default_factory=dict)
    stale: tuple[str, ...] = ()
    date: str | None = None
    selected: bool = False
    citations: int | None = None
    citations_read: str | None = None
    members: tuple[str, ...] = ()

    def link_of(self, kind: str) -> str | None:
        """The URL of the link of ``kind`` ("openreview", "link", "arxiv", "code", or a named link),
        whatever its label; None when there is none."""
        kinds = self.link_kinds or tuple(label for label, _ in self.links)
        return next((url for (_, url), k in zip(self.links, kinds) if k == kind), None)

    def venue_line(self) -> str:
        """``Full Name (ABBR), YEAR``; ``Preprint, YEAR`` without a venue; the year is left out when unknown."""
        label = self.venue.label() if self.venue else "Preprint"
        return f"{label}, {self.year}" if self.year else label


@dataclass
class MergeResult:
    """Publications in config order, warnings a user should act on, and notes (news such as the
    authors of an accepted version replacing a preprint's)."""

    publications: list[Publication]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)


def s2_request_id(entry: Entry) -> str | None:
    """The ID sent to S2's batch for ``entry``: its S2 ID, else ``DOI:<doi>``, else ``ARXIV:<id>``, else None."""
    if entry.s2:
        return entry.s2[0]
    if entry.doi:
        return f"DOI:{entry.doi[0]}"
    if entry.arxiv:
        return f"ARXIV:{entry.arxiv[0]}"
    return None


def crossref_request_ids(entry: Entry, records: dict[str, dict[str, SourceRecord]]) -> list[str]:
    """The IDs Crossref is asked for ``entry``, best first: its first DOI; else its PIIs as ``PII:<pii>``;
    and the DOI its arXiv or S2 record names (``records``: per source, by requested ID), when the
    config gives none. arXiv's own DataCite DOIs are never among them (not in Crossref)."""
    if entry.doi:
        return [entry.doi[0]]
    ids = [PII_PREFIX + pii for pii in entry.pii]
    s2_id = s2_request_id(entry)
    named = [records.get("arxiv", {}).get(i) for i in entry.arxiv] + [records.get("s2", {}).get(s2_id or "")]
    ids += [r.doi for r in named if r is not None and r.doi]
    return list(dict.fromkeys(ids))


def _entry_records(entries: Entry | list[Entry], harvest: Harvest) -> dict[str, SourceRecord]:
    """Each source's record for the entries (one paper listed once or more): the first found, in order."""
    found: dict[str, SourceRecord] = {}
    for entry in [entries] if isinstance(entries, Entry) else entries:
        for source, ids in (("arxiv", entry.arxiv), ("openreview", entry.openreview)):
            for ident in ids:
                record = harvest.records.get(source, {}).get(ident)
                if record and source not in found:
                    found[source] = record
        s2_id = s2_request_id(entry)
        if s2_id and s2_id in harvest.records.get("s2", {}) and "s2" not in found:
            found["s2"] = harvest.records["s2"][s2_id]
    for entry in [entries] if isinstance(entries, Entry) else entries:
        crossref = harvest.records.get("crossref", {})
        record = next((crossref[i] for i in crossref_request_ids(entry, harvest.records) if i in crossref), None)
        if record and "crossref" not in found:
            found["crossref"] = record
    return found


def _unite(entries: list[Entry]) -> Entry:
    """One entry for a paper listed several times: the first entry's key, place and overrides, then the
    others' IDs, links and any override the first lacks."""
    first, rest = entries[0], entries[1:]
    values = {}
    for name in ("arxiv", "openreview", "doi", "s2"):
        values[name] = tuple(dict.fromkeys(i for e in entries for i in getattr(e, name)))
    for name in ("title", "authors", "venue", "year", "award", "section", "code", "link"):
        values[name] = next((getattr(e, name) for e in entries if getattr(e, name) is not None), None)
    values["links"] = tuple(dict.fromkeys(link for e in entries for link in e.links))
    extra = {}
    for e in rest:
        extra.update({k: v for k, v in getattr(e, "labels", {}).items() if k not in getattr(first, "labels", {})})
    if hasattr(first, "labels"):
        values["labels"] = {**extra, **first.labels}
    return dataclasses.replace(first, **values)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: How the run's notes name a later version whose author list replaced arXiv's.
_VERSION_NAMES = {"openreview": "the accepted version (OpenReview)", "s2": "the published version (Semantic Scholar)",
                  "crossref": "the published version (Crossref)"}


def _first(*candidates: tuple[str, object]) -> tuple[str | None, object]:
    for source, value in candidates:
        if value not in (None, (), ""):
            return source, value
    return None, None


class _Merger:
    def __init__(self, config: Config, table: VenueTable):
        self.config = config
        self.table = table
        self.members = config.owners or (config.owner,)
        self.owner_names = tuple(name for member in self.members for name in member.names())
        self.venue_names = {k.casefold(): v for k, v in config.venue_names.items()}
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.records: dict[str, dict[str, SourceRecord]] = {}  # entry key -> its records

    def warn(self, entry: Entry, message: str) -> None:
        self.warnings.append(f"paper #{entry.index + 1} ({entry.key}): {message}")

    # -- venue ----------------------------------------------------------------------------
    def _venue_from_config(self, entry: Entry) -> Choice:
        """The owner's ``venue``: shown as written ("Frontiers in Neuroscience (section Neuromorphic
        Engineering)", "International Conference on Computer Vision (ICCV)"), with the kind (and an
        abbreviation) from the table venue it names; a bare abbreviation or table name gives the table's
        venue ("TPAMI")."""
        text = entry.venue
        named = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", text)  # "Long Name (ABBR)" as pages write it
        abbr = named.group(2).strip() if named and acronym(named.group(2).strip()) else ""
        name = named.group(1).strip() if abbr else text
        venue = self.table.by_name(text)
        if venue is None and named:
            venue = self.table.by_name(named.group(1)) or (self.table.by_abbr(abbr) if abbr else None)
        venue = venue or self.table.in_text(text)
        if venue:
            bare = _YEAR_RE.sub("", text).strip(" ,'’") in (venue.abbr, venue.name) or \
                normalize(text) in (normalize(venue.name), normalize(venue.label()))
            if bare:
                return Choice(venue, None, "config", "venue table", "venue table")
            return Choice(dataclasses.replace(venue, name=name, abbr=abbr), None, "config", "venue table", "config")
        kind = kind_from_wording(entry.venue) or {"conference": "conference", "journal": "journal",
                                                  "book": "book"}.get(entry.section or "", "")
        return Choice(Venue(name=entry.venue, abbr="", kind=kind), None, "config",
                      "name wording" if kind_from_wording(entry.venue) else ("config section" if kind else "undecided"),
                      "config")

    def venue(self, entry: Entry, recs: dict[str, SourceRecord]) -> Choice | None:
        """The venue of the first rule of the venue precedence (pipeline/precedence.toml) that gives
        one: the owner's, OpenReview's when accepted, then each source's chooser
        (:data:`~pipeline.venue_choice.CHOOSERS`). A venue OpenReview says did not accept the paper
        is taken from no other source."""
        declined: Venue | None = None  # the venue OpenReview says did not accept the paper
        for rule in rules("venue"):
            if rule.source == "config":
                if entry.venue:
                    return self._venue_from_config(entry)
                continue
            record = recs.get(rule.source)
            if record is None:
                continue
            if rule.source == "openreview":
                choice, read = from_openreview(record, self.table)  # a Choice only for an accepted paper
                if choice:
                    return choice
                declined = self._declined(entry, record, read) or declined
                continue
            if not self._holds(rule, recs, None):
                continue
            choice = CHOOSERS[rule.source](record, self.table)
            if choice is None or not choice.accepted:
                continue
            if declined is not None and choice.venue == declined:
                self.warn(entry, f"{rule.source} names {declined.label()}, but OpenReview says the paper was not "
                                 "accepted there; not shown")
                continue
            return choice
        return None

    def _declined(self, entry: Entry, orv: SourceRecord, read) -> Venue | None:
        """The venue an OpenReview record says did not accept the paper (rejected, withdrawn, under
        review), or None; warns when OpenReview's status cannot be read."""
        if read.status == "unknown" and (orv.venueid or orv.venue_strings or orv.openreview_group):
            self.warn(entry, f"OpenReview's status of this paper is unknown ({read.why}); not shown as a "
                             "venue. Set venue = \"...\" in config if it was accepted")
        elif read.status not in ("unknown", "archive"):
            log.info("%s: OpenReview status is %s (%s); not shown as a venue", entry.key, read.status, read.why)
            host = read.host_id and (self.table.by_openreview(f"{read.host_id}/Conference")
                                     or self.table.by_openreview(read.host_id))
            return host or (self.table.by_abbr(read.host) if read.host else None)
        return None

    @staticmethod
    def _holds(rule: Rule, recs: dict[str, SourceRecord], venue_source: str | None) -> bool:
        """Whether ``rule``'s condition holds for this entry (see pipeline/precedence.toml)."""
        record = recs.get(rule.source)
        if rule.condition is None:
            return True
        if rule.condition == "accepted":
            return record is not None and rule.source == "openreview" and \
                openreview_reading(record).status == "accepted"
        if rule.condition == "published":
            return record is not None and crossref_published(record)
        if rule.condition == "gave_venue":
            return venue_source == rule.source
        raise AssertionError(f"unknown condition {rule.condition!r}")

    def _first_by_rules(self, field: str, entry: Entry, recs: dict[str, SourceRecord], venue_source: str | None,
                        value) -> tuple[str | None, object]:
        """(source, value) of the first rule of ``field`` whose source has a value; ``value(record)``
        reads it from a record; the config's is the entry's attribute ``field``."""
        candidates = []
        for rule in rules(field):
            if rule.source == "config":
                candidates.append(("config", getattr(entry, field)))
            elif rule.source in recs and self._holds(rule, recs, venue_source):
                candidates.append((rule.source, value(recs[rule.source])))
        return _first(*candidates)

    # -- one entry --------------------------------------------------------------------------
    def publication(self, entries: Entry | list[Entry], harvest: Harvest) -> Publication:
        """The Publication of one paper: one config entry, or several that are certainly the same paper."""
        group = [entries] if isinstance(entries, Entry) else entries
        entry = _unite(group) if len(group) > 1 else group[0]
        recs = self.records[entry.key] = _entry_records(group, harvest)
        ax, orv, s2 = recs.get("arxiv"), recs.get("openreview"), recs.get("s2")
        sources: dict[str, str] = {}

        choice = self.venue(entry, recs)
        venue, venue_year, venue_source = (choice.venue, choice.year, choice.source) if choice else (None, None, None)
        if venue is not None and venue_source != "config":
            own = self.venue_names.get((venue.abbr or venue.name).casefold()) or \
                self.venue_names.get(venue.name.casefold())
            if own:
                venue = dataclasses.replace(venue, name=own)
        reading = openreview_reading(orv) if orv else None
        or_accepted = reading is not None and reading.status == "accepted"

        source, title = self._first_by_rules("title", entry, recs, venue_source, lambda r: r.title)
        if title is None:
            ident = next((f"{k}:{v[0]}" for k, v in (("arXiv", entry.arxiv), ("doi", entry.doi),
                                                       ("openreview", entry.openreview), ("s2", entry.s2)) if v), entry.key)
            title = ident
            source = "placeholder"
            self.warn(entry, "no source has returned this paper yet and config gives no title; "
                             f"shown as {ident!r} until one does (or add title = \"...\")")
        sources["title"] = source

        source, authors = self._first_by_rules("authors", entry, recs, venue_source, lambda r: r.authors)
        if source == "arxiv":
            source, authors = self._version_of_record_authors(entry, ax, tuple(
                (_VERSION_NAMES[rule.source], rule.source,
                 recs[rule.source].authors if rule.source in recs and self._holds(rule, recs, venue_source) else ())
                for rule in version_of_record()))
        authors = tuple(clean_text(a) if source == "config" else clean_name(a, latex=source == "arxiv")
                        for a in (authors or ()))
        if source and source != "config":
            others = [r.authors for name, r in recs.items() if name != source and r.authors]
            authors, replaced = prefer_full_names(authors, others)
            if replaced:
                log.debug("%s: full names preferred: %s", entry.key, "; ".join(replaced))
            for name, rec in recs.items() if log.isEnabledFor(logging.INFO) else ():
                if name != source and rec.authors and len(rec.authors) == len(authors) and tuple(rec.authors) != authors:
                    log.info("%s: %s spells the authors differently (%s); using %s",
                             entry.key, name, ", ".join(rec.authors), source)
        sources["authors"] = source or "none"
        owner_positions = tuple(i for i, a in enumerate(authors) if is_owner(a, self.owner_names))
        members = tuple(m.name for m in self.members if any(is_owner(authors[i], m.names()) for i in owner_positions))
        if authors and not owner_positions:
            if len(self.members) == 1:
                self.warn(entry, f"{self.config.owner.name!r} is not among the authors ({', '.join(authors)}); "
                                 "add the spelling used there to owner.variants")
            else:
                self.warn(entry, f"no member ({', '.join(repr(m.name) for m in self.members)}) is among the authors "
                                 f"({', '.join(authors)}); add the spelling used there to that member's variants")

        candidates = []
        for rule in rules("year"):
            if rule.source == "config":
                candidates.append(("config", entry.year))
            elif rule.source == "venue":
                candidates.append((venue_source, venue_year))
            elif rule.source in recs and self._holds(rule, recs, venue_source):
                candidates.append((rule.source, recs[rule.source].year))
        source, year = _first(*candidates)
        sources["year"] = source or "none"
        dated = recs.get(source) if source in recs else None
        date = dated.publication_date if dated and year and (dated.publication_date or "").startswith(f"{year}-") \
            else None
        if choice:
            sources["venue"] = venue_source
            sources["venue_name"] = choice.name_from if venue.name == choice.venue.name else "config [venue_names]"
            sources["venue_kind"] = choice.kind_from
        status = None
        if reading is not None:
            status, sources["status"] = reading.status, f"openreview: {reading.why}"

        award = None
        for rule in rules("award"):
            if rule.source == "config":
                award = entry.award
            elif rule.source == "openreview" and or_accepted and self._holds(rule, recs, venue_source):
                award, unclear = openreview_award(choice)
                if unclear and award:
                    self.warn(entry, f"OpenReview decision {unclear!r} is not a known award; shown as written. "
                                     "Set award = \"...\" in config to change it")
                elif unclear:
                    self.warn(entry, f"OpenReview decision {unclear!r} is not a known award; not shown. "
                                     f"Set award = \"{unclear}\" in config to show it")
            elif rule.source == "arxiv" and ax:
                award = comment_award(ax.comment)
            if award:
                sources["award"] = rule.source
                break

        if entry.section:
            section, sources["section"] = entry.section, "config"
        elif venue and venue.kind:
            section, sources["section"] = KIND_SECTION[venue.kind], f"venue kind ({venue.kind})"
        elif venue:
            section = self.config.undecided_section
            sources["section"] = "config [sections] undecided"
            self.warn(entry, f"nothing says what kind of venue {venue.label()!r} is (from {choice.name_from}); "
                             f"listed under {self.config.section_titles[section]}. To settle it, add to "
                             f"{self.config.path.name if self.config.path else 'config.toml'}:\n"
                             f"    [[venue]]\n    name = {_toml_string(venue.name)}\n    kind = \"journal\"   "
                             "# or conference, workshop, book")
        else:
            section, sources["section"] = "preprint", "none"

        arxiv_id = (entry.arxiv[0] if entry.arxiv else None) or (s2 and s2.arxiv_id) or None
        cr = recs.get("crossref")
        doi = (entry.doi[0] if entry.doi else None) or (cr and cr.doi) or (s2 and s2.doi) or (ax and ax.doi) or None
        forum = entry.openreview[0] if entry.openreview else None
        links: list[tuple[str, str]] = []
        kinds: list[str] = []
        label = entry.labels.get

        def add(kind: str, url: str) -> None:
            links.append((label(kind, kind), url))
            kinds.append(kind)

        if forum:
            add("openreview", f"https://openreview.net/forum?id={forum}")
            sources["link:openreview"] = "config"
        if entry.link:
            add("link", entry.link)
            sources["link:link"] = "config"
        elif doi:
            add("link", f"https://doi.org/{doi}")
            sources["link:link"] = "config" if entry.doi else next(
                name for name, rec in (("crossref", cr), ("s2", s2), ("arxiv", ax)) if rec and rec.doi == doi)
        if arxiv_id:
            add("arxiv", f"https://arxiv.org/abs/{arxiv_id}")
            sources["link:arxiv"] = "config" if entry.arxiv else "s2"
        if entry.code:
            add("code", entry.code)
            sources["link:code"] = "config"
        links.extend(entry.links)
        kinds.extend(name for name, _ in entry.links)

        stale = tuple(sorted(f"{src} (fetched {rec.fetched_at[:10]})" for src, rec in recs.items()
                             if (src, rec.requested_id) in harvest.stale))
        return Publication(
            key=entry.key, index=entry.index,
            title=clean_text(title) if sources["title"] in ("config", "placeholder")
            else clean_title(title, latex=sources["title"] == "arxiv"),
            authors=authors,
            owner_positions=owner_positions, venue=venue, year=year, award=award, section=section, status=status,
            arxiv_id=arxiv_id, arxiv_version=ax.arxiv_version if ax else None, doi=doi,
            openreview_forum=forum, s2_paper_id=s2.s2_paper_id if s2 else None,
            corpus_id=s2.corpus_id if s2 else None, links=tuple(links), link_kinds=tuple(kinds),
            field_sources=sources, stale=stale, date=date, selected=entry.selected, members=members,
            citations=s2.citation_count if s2 else None,
            citations_read=s2.fetched_at[:10] if s2 and s2.citation_count is not None else None,
        )

    def _version_of_record_authors(self, entry: Entry, ax: SourceRecord,
                                   versions: tuple[tuple[str, str, tuple[str, ...]], ...]) -> tuple[str, tuple[str, ...]]:
        """arXiv's author list, unless an accepted or published version names another set of people:
        then that version's list, with a note naming who it adds and drops. OpenReview's camera-ready
        counts on any difference; Semantic Scholar's only when it adds or drops people (its spellings
        are noisy: "Zhimin Luo" for "Zhi-Quan Luo")."""
        for what, source, authors in versions:
            if not authors:
                continue
            added, dropped = people_differ(ax.authors, authors)
            if not (added or dropped) or (source == "s2" and len(authors) == len(ax.authors)):
                continue
            change = "; ".join(part for part in (f"adds {', '.join(added)}" if added else "",
                                                 f"drops {', '.join(dropped)}" if dropped else "") if part)
            self.notes.append(f"{entry.key}: authors from {what}, which {change} against arXiv "
                              f"{ax.source_id} ({len(ax.authors)} authors)")
            return source, authors
        return "arxiv", ax.authors

    def same_paper_groups(self, harvest: Harvest) -> list[list[Entry]]:
        """Config entries grouped by paper: entries whose records share an identifier that cannot be
        mistaken (S2 paperId or CorpusId, DOI, arXiv ID, OpenReview forum, as the sources return them)
        are one paper. Groups keep config order; each merge is reported with the edit that makes it."""
        papers = list(self.config.papers)
        keys = []
        for entry in papers:
            idents = set(entry.identifiers())
            for record in _entry_records(entry, harvest).values():
                idents |= record.identifiers()
            keys.append(idents)
        indexes, shared = group_by_keys(keys)
        groups = [[papers[i] for i in group] for group in indexes]
        for (a, b), ident in shared.items():
            first, other = papers[a], papers[b]
            moved = [f'{kind} = "{value}"' for kind in ("arxiv", "openreview", "doi", "s2")
                     for value in getattr(other, kind) if value not in getattr(first, kind)]
            self.warnings.append(
                f"papers #{first.index + 1} ({first.key}) and #{other.index + 1} ({other.key}) are one paper (both "
                f"have {ident}); listed once, at #{first.index + 1}. To merge them in config.toml, "
                + (f"add {', '.join(moved)} to paper #{first.index + 1} and " if moved else "")
                + f"remove paper #{other.index + 1}" + (f" (line {other.line})" if other.line else ""))
        return sorted(groups, key=lambda g: g[0].index)

    def look_alikes(self, publications: list[Publication]) -> None:
        """Report pairs of entries whose titles, authors and years agree: the same paper listed twice?

        Never merges: title similarity alone is no proof (a conference paper and its journal
        extension share authors and often words). Titles are compared as sets of folded words
        (Jaccard 0.8 or more), or, when the words mostly agree, character by character (0.9 or
        more); entries are blocked by the first three words of their folded title,
        so the cost grows with the number of entries, not its square.
        """
        blocks: dict[str, list[Publication]] = {}
        for pub in publications:
            words = fold_name(pub.title).split()
            blocks.setdefault(" ".join(words[:3]), []).append(pub)
        for group in blocks.values():
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    ta, tb = fold_name(a.title), fold_name(b.title)
                    wa, wb = set(ta.split()), set(tb.split())
                    ratio = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
                    if 0.5 <= ratio < 0.8:  # words differ a little ("l1" / "ell 1"): compare characters
                        ratio = difflib.SequenceMatcher(None, ta, tb).ratio() - 0.1
                    shared = {fold_name(x) for x in a.authors} & {fold_name(x) for x in b.authors}
                    near = a.year is None or b.year is None or abs(a.year - b.year) <= 1
                    if ratio >= 0.8 and near and len(shared) * 2 >= min(len(a.authors), len(b.authors)):
                        self.warnings.append(
                            f"papers #{a.index + 1} ({a.key}) and #{b.index + 1} ({b.key}) have nearly the same "
                            "title, authors and year; not merged. If they are one paper, list it once")


def merge(config: Config, harvest: Harvest, table: VenueTable) -> MergeResult:
    """Merge each config entry's records into a Publication (see the precedence table above).

    Returns publications in config order (a paper listed twice once, at its first place), the
    warnings a user should act on, and notes on choices the owner may want to know about.
    """
    merger = _Merger(config, table)
    publications = [merger.publication(group, harvest) for group in merger.same_paper_groups(harvest)]
    merger.look_alikes(publications)
    return MergeResult(publications=publications, warnings=merger.warnings, notes=merger.notes)
