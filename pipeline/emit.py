"""Emit: render publications as the homepage's Markdown section, a CSV for the CV, and JSON.

Pure functions from publications to text or bytes; :mod:`pipeline.writer` puts them on disk.

The Markdown follows the academicpages ``about.md`` layout::

    ### Conference Papers

    1. **Title** [[openreview]](https://openreview.net/forum?id=...) [[arxiv]](https://arxiv.org/abs/...)   
    **Owner Name**, Coauthor Name   
    *Full Venue Name (ABBR), 2024* <font color=red>(Spotlight)</font>   

Fetched text is data, never markup: Markdown specials, HTML and Jekyll Liquid in titles, names
and venues are escaped, and links are only http(s) URLs built from IDs or given in config.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote
from typing import Iterable

from .config import SectionStyle
from .merge import Publication

__all__ = ["SECTION_TITLES", "SectionStyle", "layout", "md_escape", "md_line_start", "safe_url", "render_section",
           "render_entry", "render_csv", "render_json", "ordered"]

#: Heading of each section, in page order.
SECTION_TITLES = {"conference": "Conference Papers", "journal": "Journal Papers", "book": "Books and Chapters",
                  "preprint": "Preprints"}

_SAFE_URL = re.compile(r"^https?://[^\s<>\"`(){}\[\]|\\^]+$")
_FORMULA_START = frozenset("=+-@\t\r")
JSON_HEAD, JSON_TAIL = '{"format": 1, "papers": [\n', "\n]}\n"  # around publications.json's paper lines
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one encoder for every paper of publications.json
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


def _cell(value: object) -> object:
    if type(value) is str and value[:1] in _FORMULA_START:
        return "'" + value  # spreadsheet formula injection: show the text, never run it
    return value


def csv_rows(publications: Iterable[Publication]) -> list[dict[str, object]]:
    """The rows of ``publications.csv`` as dicts (column -> str, int or None), in page order, built
    without pandas."""
    return _rows(publications)


def _rows(publications: Iterable[Publication]) -> list[dict[str, object]]:
    rows = []
    for name, pubs in ordered(publications).items():
        for pub in pubs:
            kinds = pub.link_kinds or tuple(label for label, _ in pub.links)
            links = {kind: url for (_, url), kind in zip(reversed(pub.links), reversed(kinds))}
            extra = "; ".join(f"{label}: {url}" for (label, url), kind in zip(pub.links, kinds)
                              if kind not in ("openreview", "link", "arxiv", "code"))
            rows.append({k: _cell(v) for k, v in {
                "key": pub.key, "section": name, "title": pub.title, "authors": "; ".join(pub.authors),
                "venue": _venue_name(pub.venue), "venue_abbr": pub.venue.abbr if pub.venue else "",
                "venue_kind": (pub.venue.kind or "undecided") if pub.venue else "preprint",
                "venue_track": pub.venue.track if pub.venue else "", "year": pub.year,
                "award": pub.award or "", "arxiv_id": pub.arxiv_id or "",
                "arxiv_version": pub.arxiv_version, "doi": pub.doi or "",
                "openreview_forum": pub.openreview_forum or "", "s2_paper_id": pub.s2_paper_id or "",
                "corpus_id": pub.corpus_id, "openreview_url": links.get("openreview", ""),
                "arxiv_url": links.get("arxiv", ""), "link": links.get("link", ""), "code": links.get("code", ""),
                "other_links": extra,
            }.items()})
    return rows


def _venue_name(venue) -> str:
    if venue is None:
        return ""
    name = venue.name + (f", {venue.track}" if venue.track else "")
    return name + (f" at {venue.host}" if venue.host else "")


def render_csv(publications: Iterable[Publication], *, bom: bool = False,
               rows: list[dict[str, object]] | None = None) -> bytes:
    """One CSV row per paper (pandas), UTF-8, ``\\n`` line ends, in page order.

    Columns: key, section, title, authors ("; "-separated), venue (its label with track and host),
    venue_abbr, venue_kind, venue_track, year,
    award, arxiv_id, arxiv_version, doi, openreview_forum, s2_paper_id, corpus_id, openreview_url,
    arxiv_url, link, code, other_links. IDs are written as text; cells that a spreadsheet
    would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab, CR) get a leading ``'``.
    ``bom`` prefixes a UTF-8 byte-order mark for Excel. ``rows``: :func:`csv_rows` of ``publications``,
    when the caller has them.
    """
    import pandas as pd

    frame = pd.DataFrame(rows if rows is not None else csv_rows(publications), columns=[
        "key", "section", "title", "authors", "venue", "venue_abbr", "venue_kind", "venue_track", "year", "award",
        "arxiv_id",
        "arxiv_version", "doi", "openreview_forum", "s2_paper_id", "corpus_id", "openreview_url", "arxiv_url",
        "link", "code", "other_links"])
    for column in ("year", "arxiv_version", "corpus_id"):
        frame[column] = frame[column].astype("Int64")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def json_papers(publications: Iterable[Publication]) -> list[dict]:
    """The paper objects of ``publications.json`` (see :func:`render_json`), in page order."""
    papers = []
    for name, pubs in ordered(publications).items():
        for pub in pubs:
            papers.append({
                "key": pub.key, "section": name, "title": pub.title, "authors": list(pub.authors),
                "owner_positions": list(pub.owner_positions),
                "venue": pub.venue.to_dict() if pub.venue else None,
                "year": pub.year, "award": pub.award, "status": pub.status,
                "ids": {"arxiv": pub.arxiv_id, "arxiv_version": pub.arxiv_version, "doi": pub.doi,
                        "openreview": pub.openreview_forum, "s2_paper_id": pub.s2_paper_id,
                        "corpus_id": pub.corpus_id},
                "links": [{"label": label, "url": url, "kind": kind}
                          for (label, url), kind in zip(pub.links, pub.link_kinds or [l for l, _ in pub.links])],
                "field_sources": dict(pub.field_sources),
            })
    return papers


def render_json(publications: Iterable[Publication], *, papers: list[dict] | None = None,
                lines: list[str] | None = None) -> str:
    """``publications.json``: every merged field of every paper, with ``field_sources`` naming the
    source of each field, in page order, one paper per line. Deterministic (sorted keys, no timestamps, no run state
    such as staleness, which the run summary reports), so an unchanged list gives unchanged bytes.
    ``papers``, ``lines``: the output of :func:`json_papers` and :func:`json_lines` for ``publications``,
    when the caller has them."""
    if lines is None:
        lines = json_lines(papers if papers is not None else json_papers(publications))
    # One paper per line: diffs stay per paper, and the C encoder (used only without indent) stays fast.
    return JSON_HEAD + ",\n".join(lines) + JSON_TAIL


def json_lines(papers: list[dict]) -> list[str]:
    """Each paper of :func:`json_papers` as its line of ``publications.json`` (no separator)."""
    return list(map(_JSON.encode, papers))
