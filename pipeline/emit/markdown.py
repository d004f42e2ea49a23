"""The homepage's Markdown section (academicpages ``about.md``): pure functions from publications to text.

The Markdown follows the academicpages ``about.md`` layout::

    ### Conference Papers

    1. **Title** [[openreview]](https://openreview.net/forum?id=...) [[arxiv]](https://arxiv.org/abs/...)   
    **Owner Name**, Coauthor Name   
    *Full Venue Name (ABBR), 2024* <font color=red>(Spotlight)</font>   

Fetched text is data, never markup: Markdown specials, HTML and Jekyll Liquid in titles, names
and venues are escaped, and links are only http(s) URLs built from IDs or given in config.
"""

from __future__ import annotations

import re
from urllib.parse import quote
from typing import Iterable

from ..config import SectionStyle
from ..merge import Publication

__all__ = ["SECTION_TITLES", "SectionStyle", "layout", "md_escape", "md_line_start", "safe_url", "render_section",
           "render_entry", "ordered", "heading_line"]

#: Heading of each section, in page order.
SECTION_TITLES = {"conference": "Conference Papers", "journal": "Journal Papers", "book": "Books and Chapters",
                  "preprint": "Preprints"}

_SAFE_URL = re.compile(r"^https?://[^\s<>\"`(){}\[\]|\\^]+$")
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"  # RFC 3986 reserved and unreserved characters, and % of an escape

# Markdown (kramdown with GFM input, as academicpages configures it), HTML and Liquid specials:
# entities for what HTML and Liquid read (< > & { }), a backslash for what kramdown reads
# (emphasis, code, links, tables, strikethrough, math, smart quotes), runs of - and . spelled out
# so that kramdown's typographic symbols (--, ---, ...) do not turn them into dashes and ellipses.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;",
            **{c: "\\" + c for c in "\\`*_[]|~$\"'"}}
_TO_ESCAPE = re.compile(r"[\x00-\x1f\x7f]|[&<>{}\\`*_\[\]|~$\"']|-{2,}|\.{3,}")
# What makes a line start a list, heading, quote, rule or definition: "1. ", "1) ", "- ", "+ ", "# ", ": ", "---"
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+#:=])")


def _escape_one(match: re.Match) -> str:
    text = match.group()
    if len(text) > 1:  # a run of hyphens or dots
        return "".join("\\" + c for c in text)
    return _ESCAPES.get(text, " ")


def md_escape(text: str) -> str:
    """Make text inert in Markdown (kramdown, GFM input), HTML and Jekyll Liquid, shown as written.

    ``&``, ``<``, ``>``, ``{`` and ``}`` become entities (Liquid's ``{{``/``{%`` and kramdown's
    ``{:``/``{::`` never form); backslash, backtick, ``*``, ``_``, ``[``, ``]``, ``|``, ``~``
    (strikethrough), ``$`` (math), ``"`` and ``'`` (smart quotes) get a backslash, as do runs of
    ``-`` and ``.`` (typographic dashes and ellipses); control characters become spaces. One pass.
    Use :func:`md_line_start` for text that begins a line.
    """
    return _TO_ESCAPE.sub(_escape_one, text)


def md_line_start(escaped: str) -> str:
    """``escaped`` (the output of :func:`md_escape`) made safe to begin a line: a leading "1. " or
    "1) " (an ordered list), "-", "+", "#", ":" or "=" (a list, heading, definition or setext rule) is
    backslash-escaped."""
    match = _LINE_START.match(escaped)
    if not match:
        return escaped
    if match.group(2):
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}{escaped[match.end():]}"
    return f"{match.group(4)}\\{match.group(5)}{escaped[match.end():]}"


def safe_url(url: str) -> str:
    """``url`` with every character a URL may not hold percent-encoded (space, ``<``, ``>``, ``"``,
    backtick, ``{``, ``}``, ``|``, backslash, ``^``, ``(``, ``)``, ``[``, ``]``, non-ASCII), so that it
    is inert in Markdown, HTML and Liquid. Raises ValueError for anything but an http(s) URL (config
    checks and the link builders prevent that)."""
    if url.isascii() and "%" not in url and _SAFE_URL.match(url):
        return url  # nothing to encode: every printable ASCII character _SAFE_URL allows is in _URL_SAFE
    encoded = quote(re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url), safe=_URL_SAFE)  # a lone % is text
    if not _SAFE_URL.match(encoded):
        raise ValueError(f"refusing to emit a link that is not an http(s) URL: {url!r}")
    return encoded


def _link(label: str, url: str) -> str:
    return f"[[{md_escape(label)}]]({safe_url(url)})"


def ordered(publications: Iterable[Publication], order: Iterable[str] = tuple(SECTION_TITLES)) -> dict[str, list[Publication]]:
    """Publications per section in ``order``; within a section, newest year first, then config order."""
    sections: dict[str, list[Publication]] = {name: [] for name in order}
    for pub in publications:
        sections.setdefault(pub.section, []).append(pub)
    for pubs in sections.values():
        pubs.sort(key=lambda p: (-(p.year or 0), p.index))
    return sections


def layout(publications: Iterable[Publication], style: SectionStyle = SectionStyle()) -> list[tuple[str, list[Publication]]]:
    """(heading, publications) in page order, empty groups left out; the heading is "" for ``group = "none"``.
    Within a group: newest year first, then config order."""
    pubs = list(publications)
    if style.group == "none":
        return [("", sorted(pubs, key=lambda p: (-(p.year or 0), p.index)))] if pubs else []
    if style.group == "member":  # a lab's page: each paper once, under the first member among its authors
        groups: dict[str, list[Publication]] = {name: [] for name in style.members}
        for pub in sorted(pubs, key=lambda p: (-(p.year or 0), p.index)):
            groups.setdefault(pub.members[0] if pub.members else "Others", []).append(pub)
        return [(name, items) for name, items in groups.items() if items]
    if style.group == "year":
        years: dict[int | None, list[Publication]] = {}
        for pub in sorted(pubs, key=lambda p: p.index):
            years.setdefault(pub.year, []).append(pub)
        return [(str(year) if year else "Undated", items)
                for year, items in sorted(years.items(), key=lambda kv: -(kv[0] or 0))]
    titles = {**SECTION_TITLES, **style.titles}
    return [(titles[name], items) for name, items in ordered(pubs, style.order).items() if items]


def heading_line(style: SectionStyle, title: str) -> str:
    """A section heading as the page writes it: ``### Title`` or ``**Title**``."""
    return f"**{md_escape(title)}**" if style.heading == "bold" else f"{style.heading} {md_escape(title)}"


def render_entry(number: int, pub: Publication, bullet: str = "") -> str:
    """One entry of the section (title and links, authors, venue line), numbered ``number.`` or
    after ``bullet``; each line ends in three spaces and a newline (academicpages' line break)."""
    return _entry(number, pub, bullet)


def _entry(number: int, pub: Publication, bullet: str = "") -> str:
    head = f"{bullet or f'{number}.'} **{md_escape(pub.title)}**"
    links = " ".join(_link(label, url) for label, url in pub.links)
    authors = md_line_start(", ".join(f"**{md_escape(a)}**" if i in pub.owner_positions else md_escape(a)
                                      for i, a in enumerate(pub.authors)))
    venue = f"*{md_escape(pub.venue_line())}*"
    if pub.award:
        venue += f" <font color=red>({md_escape(pub.award)})</font>"
    lines = [f"{head} {links}" if links else head]
    if authors:
        lines.append(authors)
    lines.append(venue)
    return "".join(line + "   \n" for line in lines)


def render_section(publications: Iterable[Publication], *, order: Iterable[str] = tuple(SECTION_TITLES),
                   titles: dict[str, str] | None = None, style: SectionStyle | None = None) -> str:
    """The Markdown of all sections (``### Conference Papers``, ``### Journal Papers``, ``### Books and
    Chapters``, ``### Preprints`` by default; ``style``, or ``order`` and ``titles``, change that),
    each numbered from 1; a section without papers is left out. Ends with a newline.

    Raises ValueError when a link is not an http(s) URL (config checks prevent this).
    """
    style = style or SectionStyle(order=tuple(order), titles={**SECTION_TITLES, **(titles or {})})
    blocks = []
    for title, pubs in layout(publications, style):
        entries = "\n".join(_entry(i, pub, style.bullet) for i, pub in enumerate(pubs, 1))
        blocks.append(f"{heading_line(style, title)}\n\n{entries}" if title else entries)
    return "\n".join(blocks)


