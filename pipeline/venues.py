"""The venue table (``venues.toml``): canonical names, abbreviations and kinds of known venues.

Pure functions over strings; the table is data, so a venue is added without touching code. The
table names venues it knows; it does not decide what is a venue: a venue a source names that the
table lacks is still shown under its own name (see :mod:`pipeline.venue_text` and
:mod:`pipeline.venue_choice`).
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

from .venue_text import KINDS, is_preprint_server

__all__ = ["Venue", "VenueTable", "default_table", "normalize", "is_not_a_venue", "comment_award", "year_in",
           "VENUE_KINDS", "KIND_SECTION"]

#: Kinds a venue can have ("" on a Venue means nothing decided it).
VENUE_KINDS = KINDS
#: The section each kind of venue is listed under.
KIND_SECTION = {"conference": "conference", "workshop": "conference", "journal": "journal", "book": "book",
                "thesis": "book"}


@dataclass(frozen=True, kw_only=True)
class Venue:
    """A venue as shown on the page.

    Attributes:
        name: the long form ("International Conference on Learning Representations").
        abbr: the abbreviation ("ICLR"), "" for none.
        kind: one of :data:`VENUE_KINDS`, or "" when no evidence decided it.
        track: a track other than the main one ("Datasets and Benchmarks Track"), "" for none.
        host: the conference a workshop is held at ("ICLR"), "" for none.
    """

    name: str
    abbr: str = ""
    kind: str = "conference"
    track: str = ""
    host: str = ""

    def label(self) -> str:
        """``Name (ABBR)``, then ``, Track`` and `` at Host`` when set: "Advances in Neural Information
        Processing Systems (NeurIPS), Datasets and Benchmarks Track", "ICBINB Workshop at ICLR"."""
        text = f"{self.name} ({self.abbr})" if self.abbr and self.abbr != self.name else self.name
        if self.track:
            text += f", {self.track}"
        if self.host:
            text += f" at {self.host}"
        return text

    def to_dict(self) -> dict[str, str]:
        """``{"name", "abbr", "kind"}``, plus ``track`` and ``host`` when set (publications.json)."""
        data = {"name": self.name, "abbr": self.abbr, "kind": self.kind}
        if self.track:
            data["track"] = self.track
        if self.host:
            data["host"] = self.host
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Venue":
        """Inverse of :meth:`to_dict`."""
        return cls(name=data["name"], abbr=data.get("abbr", ""), kind=data.get("kind", "conference"),
                   track=data.get("track", ""), host=data.get("host", ""))


_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_ORDINAL = re.compile(r"\b\d+(st|nd|rd|th)\b")
_NOISE_WORDS = {"proceedings", "of", "the", "in", "on", "and", "annual", "ieee", "cvf", "acm", "vol", "volume"}
_ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                  "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                  "eighteenth", "nineteenth", "twentieth"}



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


def _name_key(name: str) -> str:
    """The index key of a name: :func:`normalize`, except that a name folding to a single common word
    ("Journal of the ACM" -> "journal", "IEEE Software" -> "software") is kept whole, so that a
    source's bare "Journal" or "Software" matches no venue."""
    key = normalize(name)
    if len(key.split()) <= 1 and len(re.findall(r"\w+", name)) > 1:
        return "=" + " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())
    return key


def is_not_a_venue(text: str) -> bool:
    """True for arXiv, CoRR and every other preprint server (see :func:`pipeline.venue_text.is_preprint_server`)."""
    return is_preprint_server(text)


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
        self._dblp_sorted = True
        for row in rows:
            self.add(row)

    def add(self, row: dict) -> Venue:
        """Add or replace (same abbr, or same name when there is no abbr) one venue from a table row;
        a replaced venue is no longer found by any of its old names, venueids or DBLP keys.

        Raises ValueError when ``name`` is missing or ``kind`` is not one of :data:`VENUE_KINDS`.
        """
        if not row.get("name"):
            raise ValueError("a venue needs a name")
        kind = row.get("kind", "conference")
        if kind not in VENUE_KINDS:
            raise ValueError(f"venue {row['name']!r}: kind {kind!r} is not one of {', '.join(VENUE_KINDS)}")
        venue = Venue(name=row["name"], abbr=row.get("abbr", ""), kind=kind)
        self._openreview_cache.clear()
        old = self._by_abbr.get(venue.abbr.casefold()) if venue.abbr else self._by_name.get(_name_key(venue.name))
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
            self._by_name[_name_key(name)] = venue
        for prefix in row.get("openreview", []):
            self._by_openreview[prefix.casefold()] = venue
        self._by_dblp.extend((prefix.casefold().rstrip("/") + "/", venue) for prefix in row.get("dblp", []))
        self._dblp_sorted = False
        return venue

    def by_name(self, text: str) -> Venue | None:
        """The venue whose name, alias or abbreviation ``text`` is (after :func:`normalize`), else None."""
        if not text or is_not_a_venue(text):
            return None
        return self._by_name.get(normalize(text)) or self._by_name.get(_name_key(text))

    def by_abbr(self, abbr: str) -> Venue | None:
        """The venue whose abbreviation is ``abbr`` (case-insensitive), else None."""
        return self._by_abbr.get(abbr.strip().casefold()) if abbr else None

    def by_openreview(self, venueid: str) -> Venue | None:
        """The venue of an OpenReview venueid such as ``ICLR.cc/2024/Conference`` (year left out), else None."""
        if venueid not in self._openreview_cache:
            self._openreview_cache[venueid] = self._by_openreview_uncached(venueid)
        return self._openreview_cache[venueid]

    def _by_openreview_uncached(self, venueid: str) -> Venue | None:
        parts = [p for p in venueid.split("/") if p]
        status_free = [p for p in parts if not re.fullmatch(
            r"(?i)(\d{4}|submission|(desk_)?rejected(_\w+)?|withdrawn_\w+|retracted_acceptance|submitted|"
            r"under_review|decision_pending|assign(ing|ed)_ae)", p)]
        for length in range(len(status_free), 0, -1):
            venue = self._by_openreview.get("/".join(status_free[:length]).casefold())
            if venue:
                return venue
        return None

    def by_dblp(self, key: str) -> Venue | None:
        """The venue of a DBLP key such as ``conf/nips/XiaoMZHL22``; ``journals/corr`` (arXiv) is None."""
        key = key.casefold()
        if not self._dblp_sorted:  # longest prefix first; sorted once, not on every add
            self._by_dblp.sort(key=lambda pair: -len(pair[0]))
            self._dblp_sorted = True
        for prefix, venue in self._by_dblp:
            if key.startswith(prefix):
                return venue
        return None

    def in_text(self, text: str) -> Venue | None:
        """A venue named by abbreviation in free text, e.g. ``Accepted at ICCV 2023`` -> ICCV, else None.

        Only abbreviations followed by a year count, so "CVPR" in a sentence about CVPR datasets does not.
        """
        for match in re.finditer(r"\b([A-Za-z][A-Za-z\-]{1,12})['’]?\s*(?:19|20)?\d{2}\b", text):
            word = match.group(1)
            venue = self._by_abbr.get(word.casefold())
            # written as the table writes it, or in capitals: "acc 95%" is no ACC, "neurips" is no venue
            if venue and (word == venue.abbr or (word.isupper() and len(word) > 1)):
                return venue
        return None


@lru_cache(maxsize=1)
def _packaged_rows() -> tuple[dict, ...]:
    data = tomllib.loads(resources.files("pipeline").joinpath("venues.toml").read_text(encoding="utf-8"))
    return tuple(data["venue"])


def default_table(extra: Iterable[dict] = ()) -> VenueTable:
    """The packaged venue table, plus ``extra`` rows (which replace venues with the same abbr or name).

    Built once per process for each set of ``extra`` rows (a config's ``[[venue]]``): building it
    takes 70 ms, a third of an offline run. Callers only read the table."""
    rows = tuple(extra)
    return _table(json.dumps(rows, sort_keys=True, default=str))


@lru_cache(maxsize=8)
def _table(extra_json: str) -> VenueTable:
    table = VenueTable(_packaged_rows())
    for row in json.loads(extra_json):
        table.add(row)
    return table


# ---- awards in free text -------------------------------------------------------------------

_AWARDS = (  # (pattern, award); checked in order, case-insensitive
    (r"notable[\s\-]*top[\s\-]*5\s*%", "Oral"),       # ICLR 2023's name for an oral
    (r"notable[\s\-]*top[\s\-]*25\s*%", "Spotlight"),  # ICLR 2023's name for a spotlight
    (r"\boral\b", "Oral"),
    (r"\bspotlight\b", "Spotlight"),
    (r"\b(best|outstanding|distinguished)[\s\-]+(student[\s\-]+)?paper(\s+(honorable mention|runner[\s\-]?up|award))?\b", None),
)


def comment_award(comment: str | None) -> str | None:
    """An award stated in an arXiv comment ("Best Paper Award at ...", "Oral presentation at ..."), else None."""
    if not comment:
        return None
    for pattern, award in _AWARDS:
        match = re.search(pattern, comment, re.IGNORECASE)
        if match:
            return award or match.group(0).strip().title()
    return None
