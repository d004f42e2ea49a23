"""What every file format needs from a publication: its kind, its venue's name, the owner's names,
names split into given and family parts, a date.

Name splitting is hand-written: the sources give one display string per author ("Mingqing Xiao",
"Ludwig van Beethoven", "Xiao, Mingqing"), and BibTeX and CSL only need family and given parts with
the lower-case particles (van, von, de, ...) on the family side, which BibTeX itself applies to a
"First von Last" string. A library (nameparser) would guess titles and nicknames we never get.
"""

from __future__ import annotations

import re

from ..merge import Publication

__all__ = ["kind", "venue_name", "split_name", "is_owner", "date_parts", "PARTICLES"]

#: Lower-case name particles kept with the family name ("van der Waals", "de la Cruz").
PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le",
                       "ter", "ten", "zu", "bin", "al", "el"})
_SUFFIX = re.compile(r"^(Jr\.?|Sr\.?|II|III|IV)$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def kind(pub: Publication) -> str:
    """The paper's kind: the venue's ("conference", "workshop", "journal", "book", "thesis"), else the
    section it is listed under ("conference", "journal", "book"), or "preprint" without a venue."""
    if pub.venue is None:
        return "preprint"
    return pub.venue.kind or (pub.section if pub.section in ("conference", "journal", "book") else "journal")


def venue_name(pub: Publication) -> str:
    """The venue's long name with its track and host ("Advances in Neural Information Processing
    Systems, Datasets and Benchmarks Track"); "" for a preprint."""
    if pub.venue is None:
        return ""
    venue = pub.venue
    return venue.name + (f", {venue.track}" if venue.track else "") + (f" at {venue.host}" if venue.host else "")


def split_name(name: str) -> tuple[str, str, str]:
    """(given, family, suffix) of one display name. "Family, Given" is read as written; otherwise the
    last word is the family name, with the lower-case particles before it and a suffix (Jr., III)
    after it. A one-word name (a mononym, a consortium) is all family: ("", name, "")."""
    name = " ".join(name.split())
    if "," in name:
        family, _, rest = name.partition(",")
        given, _, suffix = rest.strip().partition(",")
        return given.strip(), family.strip(), suffix.strip()
    words = name.split(" ")
    suffix = ""
    if len(words) > 2 and _SUFFIX.match(words[-1]):
        suffix = words.pop()
    if len(words) == 1:
        return "", words[0], suffix
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:]), suffix


def is_owner(pub: Publication, position: int) -> bool:
    """True when author ``position`` of ``pub`` is the owner (config ``[owner]`` name or a variant)."""
    return position in pub.owner_positions


def date_parts(pub: Publication) -> list[int]:
    """``[year, month, day]`` as far as known: the publication date when it is of the paper's year,
    else ``[year]``; ``[]`` without a year."""
    if pub.date and pub.year:
        match = _DATE.match(pub.date)
        if match and int(match.group(1)) == pub.year:
            return [int(part) for part in match.groups() if part]
    return [pub.year] if pub.year else []
