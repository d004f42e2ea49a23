"""The venue table (``venues.toml``) and the rules that read venues, status and awards.

Pure functions over strings; the table is data, so a venue is added without touching code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

__all__ = ["Venue", "VenueTable", "default_table", "normalize", "is_not_a_venue",
           "openreview_status", "openreview_award", "comment_award", "year_in", "VENUE_KINDS"]

VENUE_KINDS = ("conference", "journal", "workshop")


@dataclass(frozen=True, kw_only=True)
class Venue:
    """A venue as shown on the page: ``name`` (long form), ``abbr`` ("" for none), ``kind``."""

    name: str
    abbr: str = ""
    kind: str = "conference"

    def label(self) -> str:
        """``Name (ABBR)``, or ``Name`` when there is no abbreviation."""
        return f"{self.name} ({self.abbr})" if self.abbr else self.name


_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_ORDINAL = re.compile(r"\b\d+(st|nd|rd|th)\b")
_NOISE_WORDS = {"proceedings", "of", "the", "in", "on", "and", "annual", "ieee", "cvf", "acm", "vol", "volume"}
_ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                  "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                  "eighteenth", "nineteenth", "twentieth"}

#: Strings that name a preprint server or an archive, never a venue.
_NOT_VENUES = {"arxiv", "arxivorg", "corr", "biorxiv", "medrxiv", "ssrn", "openreview archive direct upload",
               "research square", "preprints", "techrxiv", "chemrxiv", "psyarxiv", "osf preprints"}


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Fold a venue string for matching: no accents, case, punctuation, years, ordinals or filler words."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("&", " and ")
    text = _YEAR.sub(" ", text)
    text = _ORDINAL.sub(" ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    words = [w for w in text.split() if w not in _NOISE_WORDS and w not in _ORDINAL_WORDS and not w.isdigit()]
    return " ".join(words)


@lru_cache(maxsize=65536)
def is_not_a_venue(text: str) -> bool:
    """True for arXiv, CoRR and other preprint servers (S2 ``venue: "arXiv.org"``, ``journal.name: "ArXiv"``)."""
    folded = re.sub(r"[^\w\s]", "", text.casefold()).strip()
    return folded in _NOT_VENUES or folded.startswith("arxiv")


def year_in(text: str | None) -> int | None:
    """The first plausible year (1950-2099) in ``text``, or None."""
    match = _YEAR.search(text or "")
    return int(match.group(0)) if match else None


class VenueTable:
    """Venues indexed by folded name/alias/abbr, OpenReview venueid prefix and DBLP key prefix."""

    def __init__(self, rows: Iterable[dict]):
        self.venues: list[Venue] = []
        self._by_name: dict[str, Venue] = {}
        self._by_abbr: dict[str, Venue] = {}
        self._by_openreview: dict[str, Venue] = {}
        self._by_dblp: list[tuple[str, Venue]] = []
        self._openreview_cache: dict[str, Venue | None] = {}
        for row in rows:
            self.add(row)

    def add(self, row: dict) -> Venue:
        """Add or replace (same abbr, or same name when there is no abbr) one venue from a table row;
        a replaced venue is no longer found by any of its old names, venueids or DBLP keys.

        Raises ValueError when ``name`` is missing or ``kind`` is not conference, journal or workshop.
        """
        if not row.get("name"):
            raise ValueError("a venue needs a name")
        kind = row.get("kind", "conference")
        if kind not in VENUE_KINDS:
            raise ValueError(f"venue {row['name']!r}: kind {kind!r} is not one of {', '.join(VENUE_KINDS)}")
        venue = Venue(name=row["name"], abbr=row.get("abbr", ""), kind=kind)
        self._openreview_cache.clear()
        old = self._by_abbr.get(venue.abbr.casefold()) if venue.abbr else self._by_name.get(normalize(venue.name))
        if old is not None:  # a replacement: forget every way the old row was found
            self.venues = [v for v in self.venues if v is not old]
            self._by_name = {k: v for k, v in self._by_name.items() if v is not old}
            self._by_abbr = {k: v for k, v in self._by_abbr.items() if v is not old}
            self._by_openreview = {k: v for k, v in self._by_openreview.items() if v is not old}
            self._by_dblp = [(p, v) for p, v in self._by_dblp if v is not old]
        self.venues.append(venue)
        names = [venue.name, *row.get("aliases", [])]
        if venue.abbr:
            self._by_abbr[venue.abbr.casefold()] = venue
            names.append(venue.abbr)
        for name in names:
            self._by_name[normalize(name)] = venue
        for prefix in row.get("openreview", []):
            self._by_openreview[prefix.casefold()] = venue
        self._by_dblp.extend((prefix.casefold().rstrip("/") + "/", venue) for prefix in row.get("dblp", []))
        self._by_dblp.sort(key=lambda pair: -len(pair[0]))
        return venue

    def by_name(self, text: str) -> Venue | None:
        """The venue whose name, alias or abbreviation ``text`` is (after :func:`normalize`), else None."""
        if not text or is_not_a_venue(text):
            return None
        return self._by_name.get(normalize(text))

    def by_openreview(self, venueid: str) -> Venue | None:
        """The venue of an OpenReview venueid such as ``ICLR.cc/2024/Conference`` (year left out), else None."""
        if venueid not in self._openreview_cache:
            self._openreview_cache[venueid] = self._by_openreview_uncached(venueid)
        return self._openreview_cache[venueid]

    def _by_openreview_uncached(self, venueid: str) -> Venue | None:
        parts = [p for p in venueid.split("/") if p]
        status_free = [p for p in parts if not re.fullmatch(r"(?i)(\d{4}|submission|rejected_submission|"
                                                              r"withdrawn_submission|desk_rejected_submission)", p)]
        for length in range(len(status_free), 0, -1):
            venue = self._by_openreview.get("/".join(status_free[:length]).casefold())
            if venue:
                return venue
        return None

    def by_dblp(self, key: str) -> Venue | None:
        """The venue of a DBLP key such as ``conf/nips/XiaoMZHL22``; ``journals/corr`` (arXiv) is None."""
        key = key.casefold()
        for prefix, venue in self._by_dblp:
            if key.startswith(prefix):
                return venue
        return None

    def in_text(self, text: str) -> Venue | None:
        """A venue named by abbreviation in free text, e.g. ``Accepted at ICCV 2023`` -> ICCV, else None.

        Only abbreviations followed by a year count, so "CVPR" in a sentence about CVPR datasets does not.
        """
        for match in re.finditer(r"\b([A-Za-z][A-Za-z\-]{1,12})['’]?\s*(?:19|20)?\d{2}\b", text):
            venue = self._by_abbr.get(match.group(1).casefold())
            if venue:
                return venue
        return None


@lru_cache(maxsize=1)
def _packaged_rows() -> tuple[dict, ...]:
    data = tomllib.loads(resources.files("pipeline").joinpath("venues.toml").read_text(encoding="utf-8"))
    return tuple(data["venue"])


def default_table(extra: Iterable[dict] = ()) -> VenueTable:
    """The packaged venue table, plus ``extra`` rows (which replace venues with the same abbr or name)."""
    table = VenueTable(_packaged_rows())
    for row in extra:
        table.add(row)
    return table


# ---- OpenReview status and awards ----------------------------------------------------------

@lru_cache(maxsize=65536)
def openreview_status(venueid: str | None, venue: str | None) -> str:
    """Status of an OpenReview submission: ``accepted``, ``under review``, ``rejected``, ``withdrawn``,
    ``desk rejected`` or ``unknown``.

    From ``content.venueid``: ``<VenueId>`` is accepted; ``/Submission`` under review;
    ``/Rejected_Submission``, ``/Withdrawn_Submission``, ``/Desk_Rejected_Submission``. Without a
    venueid, ``content.venue`` "Submitted to ..." means rejected, "... Withdrawn ..." withdrawn,
    and any other venue text is taken as accepted.
    """
    last = (venueid or "").rstrip("/").rsplit("/", 1)[-1].casefold()
    if last == "submission" or last.endswith("_submission"):
        return {"submission": "under review", "rejected_submission": "rejected",
                "withdrawn_submission": "withdrawn",
                "desk_rejected_submission": "desk rejected"}.get(last, "under review")
    text = (venue or "").casefold()
    if text.startswith("submitted to"):
        return "rejected"
    if "withdrawn" in text:
        return "withdrawn"
    if "desk rejected" in text or "desk_rejected" in text:
        return "desk rejected"
    if "conference submission" in text or text.endswith(" submission"):
        return "under review"
    if venueid or venue:
        return "accepted"
    return "unknown"


_AWARDS = (  # (pattern, award); checked in order, case-insensitive
    (r"notable[\s\-]*top[\s\-]*5\s*%", "Oral"),       # ICLR 2023's name for an oral
    (r"notable[\s\-]*top[\s\-]*25\s*%", "Spotlight"),  # ICLR 2023's name for a spotlight
    (r"\boral\b", "Oral"),
    (r"\bspotlight\b", "Spotlight"),
    (r"\bbest[\s\-]+(student[\s\-]+)?paper(\s+(honorable mention|runner[\s\-]?up|award))?\b", None),
)
_PLAIN = re.compile(r"\b(poster|accept(ed)?|main|conference|track|findings|publication|published)\b", re.IGNORECASE)


@lru_cache(maxsize=65536)
def openreview_award(venue: str | None) -> tuple[str | None, str | None]:
    """The award in an OpenReview venue string such as ``ICLR 2024 spotlight``.

    The decision is what follows the year (``<short name> <year> <decision>``); without a year,
    only an award word counts. Returns (award, unknown decision): ``Oral``, ``Spotlight``,
    ``Best Paper ...`` or None; and the decision verbatim when it is neither an award nor a plain
    acceptance ("poster", "Accept"), e.g. ``"Top 1%"``, for the caller to report.
    """
    if not venue:
        return None, None
    for pattern, award in _AWARDS:
        match = re.search(pattern, venue, re.IGNORECASE)
        if match:
            return award or match.group(0).strip().title(), None
    match = _YEAR.search(venue)
    decision = venue[match.end():].strip(" ()-,:") if match else ""
    if not decision or _PLAIN.search(decision):
        return None, None
    return None, decision


def comment_award(comment: str | None) -> str | None:
    """An award stated in an arXiv comment ("Best Paper Award at ...", "Oral presentation at ..."), else None."""
    if not comment:
        return None
    for pattern, award in _AWARDS:
        match = re.search(pattern, comment, re.IGNORECASE)
        if match:
            return award or match.group(0).strip().title()
    return None
