"""Which venue each source's record names, with its kind and the evidence for both.

One function per source, each pure: it reads the record's venue fields, asks the venue table for the
canonical form, and otherwise builds the venue from the source's own strings (the open world). The
merge (:mod:`pipeline.merge`) takes the first source that names an accepted venue.

Evidence for a venue's kind, strongest first:

* the venue table's row (``venues.toml`` or ``[[venue]]`` in config);
* OpenReview's venueid (``/Conference``, a journal id, ``Workshop/<name>``, a track);
* Crossref's ``type`` (journal-article, proceedings-article, a book-chapter with an ``event``, book);
* the DBLP key prefix S2 gives (``conf/``, ``journals/``, ``books/``, ``phd/``);
* the name's own wording (Journal, Transactions, Letters / Conference, Symposium, Proceedings /
  Workshop / Lecture Notes, Handbook);
* S2 ``publicationVenue.type``; S2 ``publicationTypes`` (Book, BookSection, Conference, JournalArticle);
* an arXiv ``journal_ref`` is a journal unless its words say otherwise.

When none decides, the kind is "" and the paper goes to ``[sections] undecided``; the run says so.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from harvest.records import SourceRecord

from .openreview_venues import ReadVenue, decision_award, read_openreview
from .venue_text import (acronym, clean_venue_name, is_preprint_server, kind_from_wording, parse_venue_text,
                         venue_in_comment)
from .venues import Venue, VenueTable, normalize, year_in

__all__ = ["Choice", "from_openreview", "from_crossref", "from_s2", "from_arxiv", "from_text", "openreview_reading",
           "crossref_published", "CHOOSERS"]


@dataclass(frozen=True)
class Choice:
    """A venue a source names.

    Attributes:
        venue: the venue (``kind`` "" when nothing decided it).
        year: the venue's year from the same source, or None.
        source: "openreview", "crossref", "s2", "arxiv" or "config".
        kind_from: the evidence for the kind ("venue table", "DBLP conf/", "name wording", ...).
        name_from: where the shown name comes from ("venue table", "S2 venue", "S2 journal.name", ...).
        accepted: False when the source names the venue but says the paper is not (yet) in it
            (an arXiv comment "submitted to X"); such a choice is never shown.
        decision: OpenReview's decision words left for the award ("Oral", "spotlightposter"), or None.
    """

    venue: Venue
    year: int | None
    source: str
    kind_from: str
    name_from: str
    accepted: bool = True
    decision: str | None = None


def _dblp_kind(key: str | None) -> tuple[str | None, str | None]:
    """(kind, evidence) from a DBLP key: conf/ conference, journals/ journal (journals/corr is arXiv),
    books/ book, phd/ thesis."""
    if not key:
        return None, None
    prefix = key.split("/", 1)[0].casefold()
    if key.casefold().startswith("journals/corr/"):
        return None, None
    kind = {"conf": "conference", "journals": "journal", "books": "book", "phd": "thesis"}.get(prefix)
    return kind, (f"DBLP {prefix}/" if kind else None)


def _compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return {a, b} == {"conference", "workshop"}


def _abbr_from(names: list[str], alternates: list[str]) -> str:
    for text in [*alternates, *names]:
        if acronym(text):
            return text.strip()
    for text in names:
        parsed = parse_venue_text(text)
        if parsed and parsed.abbr:
            return parsed.abbr
    return ""


def _table_by_text(table: VenueTable, text: str) -> Venue | None:
    """The table's venue for a free-text venue phrase: by the whole text, by its cleaned name, or by
    its acronym when the name (if any) does not contradict the table's name."""
    venue = table.by_name(text)
    if venue:
        return venue
    parsed = parse_venue_text(text)
    if parsed is None:
        return table.in_text(text)
    venue = table.by_name(parsed.name)
    named = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", parsed.name)
    if venue is None and named:
        venue = table.by_name(named.group(1))
    if venue is None and parsed.abbr:
        candidate = table.by_abbr(parsed.abbr)
        if candidate and _names_agree(parsed.name, candidate):
            venue = candidate
    venue = venue or (table.in_text(text) if parsed.abbr or len(parsed.name.split()) < 3 else None)
    if venue is not None and parsed.kind == "workshop" and venue.kind != "workshop":
        return None  # "INTUITESTBEDS 2022, part of ICST", "ICALP 2011 Group Testing Workshop": not the host
    return venue


def _names_agree(name: str, venue: Venue) -> bool:
    """True when a parsed name is the table venue's abbreviation or shares most of its words."""
    if not name or name == venue.abbr:
        return True
    words = set(normalize(name).split())
    theirs = set(normalize(venue.name).split())
    return bool(words) and len(words & theirs) >= 0.6 * min(len(words), len(theirs))


# ---- OpenReview ---------------------------------------------------------------------------------

def openreview_reading(record: SourceRecord) -> ReadVenue:
    """Status, track and decision of an OpenReview record: venueid first, venue text second; for an
    old API 1 note with neither, the invitation's group names the venue and a Decision reply (when the
    note carries its replies) the status, else the status is unknown."""
    if record.venueid or record.venue_strings or not record.openreview_group:
        return read_openreview(record.venueid, record.venue_strings[0] if record.venue_strings else None)
    read = read_openreview(record.openreview_group, None)
    decision = record.decision or ""
    if re.search(r"(?i)\baccept", decision):
        words = re.sub(r"(?i)accept(ed)?", "", decision).strip(" ()-:,") or None
        return dataclasses.replace(read, status="accepted", decision=words,
                                   why=f"decision reply {decision!r} (an API 1 note without venueid)")
    if re.search(r"(?i)\breject", decision):
        return dataclasses.replace(read, status="rejected", decision=None,
                                   why=f"decision reply {decision!r} (an API 1 note without venueid)")
    return dataclasses.replace(read, status="unknown", decision=None,
                               why=f"an API 1 note without venueid or venue; only its invitation names "
                                   f"{record.openreview_group}")


def from_openreview(record: SourceRecord, table: VenueTable) -> tuple[Choice | None, ReadVenue]:
    """The venue of an accepted OpenReview note, and the reading it came from.

    Returns (None, reading) when the note is not accepted (under review, rejected, withdrawn,
    retracted, an Archive upload, unknown).
    """
    read = openreview_reading(record)
    if read.status != "accepted":
        return None, read
    year = read.year or record.year
    choice = _openreview_venue(read, year, table)
    return (_decided(choice, read) if choice else None), read


def _openreview_venue(read: ReadVenue, year: int | None, table: VenueTable) -> Choice | None:
    known = table.by_openreview(read.group) if read.group else None
    if known is not None and read.decision and re.search(r"(?i)\bfindings\b", read.decision):
        findings = table.by_name(f"Findings of {known.abbr or known.name}")  # "EMNLP 2023 Findings"
        if findings:
            return Choice(findings, year, "openreview", "venue table", "venue table (Findings)")
    if known is not None and (known.kind == "workshop" or not (read.track or read.workshop)):
        return Choice(known, year, "openreview", "venue table", "venue table")
    host = None
    if read.host_id:
        host = table.by_openreview(f"{read.host_id}/Conference") or table.by_openreview(read.host_id)
    if host is None and read.host:
        host = table.by_abbr(read.host) or table.by_name(read.host)
    if read.workshop:
        name = read.workshop if re.search(r"(?i)\bworkshop\b", read.workshop) else f"{read.workshop} Workshop"
        shown_host = (host.abbr or host.name) if host else (read.host or "")
        return Choice(Venue(name=name, kind="workshop", host=shown_host), year, "openreview",
                      "OpenReview venueid (Workshop)" if read.group and "/" in read.group else "OpenReview venue text",
                      "OpenReview workshop name")
    if read.track:
        base = host or Venue(name=read.host or read.group or "OpenReview venue", kind="conference")
        return Choice(Venue(name=base.name, abbr=base.abbr, kind=read.kind or "workshop", track=read.track), year,
                      "openreview", "OpenReview track", "venue table" if host else "OpenReview venue text")
    if host is not None:
        return Choice(host, year, "openreview", "venue table", "venue table")
    name = read.short_name or read.host or (read.group or "").split("/")[0]
    if not name:
        return None
    return Choice(Venue(name=name, kind=read.kind or "conference"), year, "openreview", "OpenReview venueid",
                  "OpenReview venue text")


def _decided(choice: Choice, read: ReadVenue) -> Choice:
    """``choice`` with the reading's decision words, unless the venue itself took them (Findings)."""
    if choice.name_from == "venue table (Findings)":
        return choice
    return dataclasses.replace(choice, decision=read.decision)


def openreview_award(choice: Choice) -> tuple[str | None, str | None]:
    """(award, unclear decision words) of OpenReview's venue choice; see :func:`decision_award`."""
    return decision_award(choice.decision)


# ---- Semantic Scholar -----------------------------------------------------------------------------

def from_s2(record: SourceRecord, table: VenueTable) -> Choice | None:
    """The venue of an S2 record: the table's venue by DBLP key or any of S2's names, else the venue
    S2 names (a journal in ``journal.name`` beating a preprint server in ``venue``), with its kind
    from DBLP, the name's wording, ``publicationVenue.type`` or ``publicationTypes``. None when S2
    names only preprint servers."""
    venue = table.by_dblp(record.dblp_key) if record.dblp_key else None
    if venue:
        return Choice(venue, record.year, "s2", "venue table", "venue table (DBLP key)")
    names = [s for s in record.venue_strings if not is_preprint_server(s) and sum(c.isalpha() for c in s) >= 2
             and not re.fullmatch(r"(?i)(vol(ume)?|pages?|no)\b.*", s)]
    alternates = list(record.venue_alternates)
    for text in names:
        venue = table.by_name(text) or table.by_name(clean_venue_name(text))
        if venue:
            return Choice(venue, record.year, "s2", "venue table", "venue table")
    for text in alternates:
        if acronym(text) and (venue := table.by_abbr(text)) and any(_names_agree(clean_venue_name(n), venue)
                                                                     for n in names):
            return Choice(venue, record.year, "s2", "venue table", "venue table")
    if not names:
        return None
    dblp_kind, dblp_why = _dblp_kind(record.dblp_key)
    def source_of(text: str) -> str:
        return "S2 journal.name" if text == record.journal_name else "S2 venue"

    name, name_from = _preferred_name(names, record.journal_name), ""
    name_from = source_of(name)
    if dblp_kind and not _compatible(kind_from_wording(name), dblp_kind):
        fitting = [n for n in names if _compatible(kind_from_wording(n), dblp_kind)]
        if fitting:
            name = fitting[0]
            name_from = f"{source_of(name)} (fits the {dblp_why} key)"
    if acronym(name):
        longer = next((n for n in names if not acronym(n) and len(n) > len(name)), None)
        if longer:
            name, name_from = longer, source_of(longer)
    shown = clean_venue_name(name)
    abbr = _abbr_from(names, alternates)
    trailing = re.search(r"\s*\(([^()]+)\)$", shown)
    if trailing and acronym(trailing.group(1)):  # "... (SPIN)", "... Association (JAMIA)": the acronym
        abbr = abbr or trailing.group(1)
        shown = shown[:trailing.start()].strip()
    if abbr and shown == abbr:
        abbr = ""
    wording = kind_from_wording(shown) or kind_from_wording(name)
    if not wording and acronym(name) and not dblp_kind and not record.venue_type:
        wording = "conference"  # S2 names conferences by their acronym alone ("SIGDIAL", "QPL")
    if dblp_kind:
        kind, why = (wording if wording == "workshop" and dblp_kind == "conference" else dblp_kind), dblp_why
    elif wording:
        kind, why = wording, "name wording"
    elif record.venue_type == "conference" and "JournalArticle" in record.publication_types \
            and "Conference" not in record.publication_types and record.journal_name \
            and not is_preprint_server(record.journal_name):
        kind, why = "journal", "S2 publicationTypes and journal.name (against publicationVenue.type)"
    elif record.venue_type in ("conference", "journal"):
        kind, why = record.venue_type, "S2 publicationVenue.type"
    else:
        kind, why = _kind_from_types(record.publication_types)
        if not kind:
            other = next((k for n in names[1:] if (k := kind_from_wording(n))), None)
            kind, why = (other, "wording of S2's other name") if other else ("", "undecided")
    return Choice(Venue(name=shown or name, abbr=abbr, kind=kind), record.year, "s2", why, name_from)


def fold_words(text: str) -> str:
    """Lower case, letters and digits, single spaces; for comparing two spellings of a name."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _abbreviated(name: str) -> bool:
    """True for a name written with abbreviated words ("Minds Mach.", "ACM Trans. Inf. Syst.")."""
    return bool(re.search(r"\b[A-Za-z]{1,7}\.(?=\s|,|$)", name))


def _preferred_name(names: list[str], journal_name: str | None) -> str:
    """S2's ``journal.name`` (the publisher's metadata) over its ``venue`` (S2's own linking, which
    sometimes names a look-alike venue), unless it is the more abbreviated or a bare acronym."""
    first = names[0]
    if not journal_name or journal_name not in names or journal_name == first:
        return first
    head, colon, subtitle = journal_name.partition(":")
    if colon and fold_words(head) == fold_words(first) and (
            acronym(subtitle.strip()) or re.match(r"(?i)\s*(an?\s+|the\s+)?(official|open access)\b", subtitle)):
        return first  # journal.name only adds a subtitle: "Animals : an Open Access Journal from MDPI"
    if _abbreviated(journal_name) and not _abbreviated(first):
        return first
    if acronym(journal_name) and not acronym(first):
        return first
    return journal_name


def _kind_from_types(types: tuple[str, ...]) -> tuple[str, str]:
    kinds = set(types)
    if kinds & {"Book", "BookSection"} and not kinds & {"Conference"}:
        return "book", "S2 publicationTypes"
    if "Conference" in kinds and "JournalArticle" not in kinds:
        return "conference", "S2 publicationTypes"
    if "JournalArticle" in kinds and "Conference" not in kinds:
        return "journal", "S2 publicationTypes"
    return "", ""


# ---- Crossref -------------------------------------------------------------------------------------

def crossref_published(record: SourceRecord) -> bool:
    """True when a Crossref record is a version of record: any type but ``posted-content`` (a
    preprint server's deposit) and ``peer-review``, ``dataset``, ``component``."""
    return not set(record.publication_types) & {"posted-content", "peer-review", "dataset", "component"}


def from_crossref(record: SourceRecord, table: VenueTable) -> Choice | None:
    """The venue of a Crossref work: its ``event.name`` (proceedings), else its ``container-title``,
    matched in the venue table (by name or by the short title / event acronym); else the work's own
    name, with its kind from ``type`` (a proceedings or event book chapter: conference, or workshop
    when the name says so). None for a ``posted-content`` record (a preprint is no venue) and for a
    preprint server's container."""
    if not crossref_published(record):
        return None
    names = [s for s in record.venue_strings if not is_preprint_server(s)]
    if not names:
        return None
    for text in names:
        venue = _table_by_text(table, text) or table.by_name(clean_venue_name(text))
        if venue:
            return Choice(venue, record.year, "crossref", "venue table", "venue table")
    for text in record.venue_alternates:
        venue = table.by_abbr(text) if acronym(text) else None
        if venue and any(_names_agree(clean_venue_name(n), venue) for n in names):
            return Choice(venue, record.year, "crossref", "venue table", "venue table")
    name = clean_venue_name(names[0]) or names[0]
    wording = kind_from_wording(name)
    kind = record.venue_type or ""
    why = f"Crossref type {record.publication_types[0]}" if record.publication_types and kind else "undecided"
    if kind == "conference" and wording == "workshop":
        kind, why = "workshop", "name wording"
    elif not kind and wording:
        kind, why = wording, "name wording"
    abbr = _abbr_from([name], list(record.venue_alternates))
    return Choice(Venue(name=name, abbr=abbr, kind=kind), record.year, "crossref", why,
                  "Crossref event.name" if record.venue_strings and names[0] == record.venue_strings[0]
                  and record.venue_type == "conference" else "Crossref container-title")


# ---- arXiv ---------------------------------------------------------------------------------------

def from_text(text: str, table: VenueTable, *, source: str, default_kind: str, what: str) -> Choice | None:
    """The venue a free-text venue phrase names: the table's, else the phrase's own name, acronym and
    kind (``default_kind`` when the wording says none; "" leaves it undecided)."""
    known = _table_by_text(table, text)
    parsed = parse_venue_text(text)
    year = (parsed.year if parsed else None) or year_in(text)
    if known:
        return Choice(known, year, source, "venue table", "venue table")
    if parsed is None or is_preprint_server(parsed.name):
        return None
    kind = parsed.kind or default_kind
    return Choice(Venue(name=parsed.name, abbr=parsed.abbr, kind=kind), year, source,
                  "name wording" if parsed.kind else (f"{what} (a journal unless it says otherwise)" if kind else
                                                      "undecided"), what)


def from_arxiv(record: SourceRecord, table: VenueTable) -> Choice | None:
    """The venue an arXiv entry names: its ``journal_ref`` (a journal unless its words say
    proceedings, conference, workshop or book), else a comment that says the paper is accepted or
    published somewhere ("Accepted at ...", "To appear in ...", a venue line). A comment that says
    "submitted to X" gives a Choice with ``accepted`` False."""
    if record.journal_ref and not is_preprint_server(record.journal_ref):
        choice = from_text(record.journal_ref, table, source="arxiv", default_kind="journal",
                           what="arXiv journal_ref")
        if choice:
            return Choice(choice.venue, choice.year or record.year, "arxiv", choice.kind_from, choice.name_from)
    found = venue_in_comment(record.comment)
    if found:
        phrase, accepted = found
        choice = from_text(phrase, table, source="arxiv", default_kind="", what="arXiv comment")
        if choice:
            return Choice(choice.venue, choice.year or record.year, "arxiv", choice.kind_from, choice.name_from,
                          accepted=accepted)
    return None


#: Each source's venue chooser, for the merge's precedence table (pipeline/precedence.toml).
CHOOSERS = {"crossref": from_crossref, "s2": from_s2, "arxiv": from_arxiv}
