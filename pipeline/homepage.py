"""Read a Publications section written in the academicpages layout back into entries.

The layout (as :mod:`pipeline.emit` writes it, and as people write it by hand)::

    ### Conference Papers

    1. **Title** [[openreview]](url) [[arxiv]](url) [[code]](url)
    **Owner Name**, Coauthor   
    *Venue Long Name (ABBR), 2024* <font color=red>(Spotlight)</font>

Pure text parsing: headings start sections, a numbered line with a bold title starts an entry,
the next lines are the authors and the italic venue line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from harvest.sanitize import clean

__all__ = ["ParsedEntry", "parse_publications", "unescape_md", "same_entry", "replace_entries", "heading_text",
           "publications_region"]

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"^<h([1-6])[^>]*>(.*?)</h\1>\s*$", re.IGNORECASE)
_BOLD_LINE = re.compile(r"^(\*\*|__)([^*_]+?)\1:?\s*$")
_SECTION_WORD = re.compile(r"(?i)\b(papers?|publications?|preprints?|articles?|journals?|conferences?|proceedings|"
                           r"workshops?|books?|chapters?|theses|thesis|talks|manuscripts?|under review|submitted)\b")
_ITEM = re.compile(r"^\s*(\d+[.)]|[-*+])\s+(\*\*\*|\*\*|__)(.+?)\2(.*)$")
_PLAIN_ITEM = re.compile(r"^\s*(\d+[.)]|[-+*])\s+(.*)$")
# [[label]](url) or [label](url), not an image; the URL may hold one level of parentheses
# (Cell Press: /fulltext/S0896-6273(23)00001-2)
_LINK = re.compile(r"(?<!!)\[\[?([^\[\]]+?)\]\]?\(((?:[^()\s]|\([^()\s]*\))+)\)")
_AWARD = re.compile(r"<(font|span)[^>]*>\s*\(?(.*?)\)?\s*</\1>", re.IGNORECASE)


def heading_text(line: str, following: str = "") -> tuple[str, int] | None:
    """(text, level) when ``line`` is a heading: ``### Text``, ``<h3>Text</h3>``, a setext heading
    (``following`` is a line of ``=`` or ``-``), or a line that is only bold text naming a kind of
    papers (``**Conference Papers**``); ``{#id}`` attributes and a closing colon are dropped."""
    stripped = line.strip()
    found = None
    match = _HEADING.match(stripped)
    if match:
        found = match.group(1), len(stripped) - len(stripped.lstrip("#"))
    elif (match := _HTML_HEADING.match(stripped)):
        found = re.sub(r"<[^>]+>", "", match.group(2)), int(match.group(1))
    elif stripped and re.fullmatch(r"\s*(=+|-{2,})\s*", following or "") and not stripped.startswith(("-", "*", "|")):
        found = stripped, 1 if following.strip().startswith("=") else 2
    elif (match := _BOLD_LINE.match(stripped)) and _SECTION_WORD.search(match.group(2)):
        found = match.group(2), 3
    if not found:
        return None
    text = re.sub(r"\s*\{[#.:][^}]*\}\s*$", "", found[0]).strip().rstrip(":").strip()
    return (text, found[1]) if text else None


def publications_region(text: str) -> tuple[int, int] | None:
    """Character offsets of the page's Publications section: from the line after the first heading
    that says "publications" (any level or style: "Selected Publications", "📚 Publications",
    "**Publications**", "<h2>Publications</h2>", a setext heading) to the next heading of the same
    or a higher level; None when no heading says so."""
    lines = text.split("\n")
    offsets, at = [], 0
    for line in lines:
        offsets.append(at)
        at += len(line) + 1
    for n, line in enumerate(lines):
        found = heading_text(line, lines[n + 1] if n + 1 < len(lines) else "")
        if found and re.search(r"(?i)\bpublications?\b", found[0]):
            level = found[1]
            start = offsets[n + 2] if n + 2 < len(lines) and re.fullmatch(r"\s*(=+|-{2,})\s*",
                                                                          lines[n + 1].rstrip("\r")) else (
                offsets[n + 1] if n + 1 < len(lines) else len(text))
            for m in range(n + 1, len(lines)):
                other = heading_text(lines[m], lines[m + 1] if m + 1 < len(lines) else "")
                if other and other[1] <= level and not re.search(r"(?i)\bpublications?\b", other[0]):
                    return start, offsets[m]
            return start, len(text)
    return None


def _links(text: str) -> list[tuple[str, str]]:
    return [(label.strip(), url) for label, url in _LINK.findall(text)]


def _bold_name(name: str) -> tuple[str, bool]:
    """("José*", True) for ``**José\\***``: the name inside the bold markers, and whether it was bold
    (an escaped star, ``\\*``, is part of the name)."""
    name = name.strip()
    if name.startswith("**") and name.endswith("**") and not name.endswith("\\**") or \
            (name.startswith("**") and name.endswith("***")):
        return name[2:-2], True
    return name, False


@dataclass
class ParsedEntry:
    """One entry of a Publications section.

    Attributes:
        section: the heading above it ("Conference Papers"); number: its list number.
        title: the bold title; links: (label, URL) pairs in order.
        authors: names in order; bold: the names written in bold.
        venue: the italic venue line without the asterisks; award: the text inside ``<font>(...)</font>``.
        line: the line of the entry's number in the page; end_line: the last line that belongs to it
            (1-based, within the text parsed); notes: what did not parse as expected.
        bullet: the entry's list marker when it is a bullet (``-``, ``*``, ``+``), "" when numbered.
        heading_style: how its section's heading is written (``###``, ``##``, ``bold``, ...).
    """

    section: str
    number: int
    title: str
    links: list[tuple[str, str]] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    bold: list[str] = field(default_factory=list)
    venue: str = ""
    award: str | None = None
    line: int = 0
    end_line: int = 0
    bullet: str = ""
    heading_style: str = "###"
    notes: list[str] = field(default_factory=list)


def unescape_md(text: str) -> str:
    """Undo Markdown backslash escapes (of any ASCII punctuation, as Markdown allows) and HTML entities,
    as :func:`pipeline.emit.md_escape` writes them; the result is cleaned (harvest.sanitize)."""
    return clean(html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)))


def parse_publications(text: str) -> list[ParsedEntry]:
    """Entries of every list under a heading, in page order: numbered (``1.``, ``1)``) or bulleted
    (``-``, ``*``, ``+``) items with a bold title (``**T**``, ``***T***``, ``__T__``) or a plain one,
    each followed by its authors line and its italic venue line. Lines end at ``\\n`` only."""
    entries: list[ParsedEntry] = []
    section = ""
    current: ParsedEntry | None = None
    counts: dict[str, int] = {}
    lines = [line.rstrip("\r") for line in text.split("\n")]
    style = "###"
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        following = lines[number] if number < len(lines) else ""
        if re.fullmatch(r"(=+|-{2,})", stripped) and current is None:
            continue  # a setext underline
        complete = current is None or (current.authors and current.venue)
        heading = heading_text(line, following) if complete or not _BOLD_LINE.match(stripped) else None
        if heading and not _ITEM.match(line):
            section, current = heading[0], None
            style = "bold" if _BOLD_LINE.match(stripped) else "#" * min(max(heading[1], 1), 6)
            continue
        item = _ITEM.match(line)
        if item:
            title, rest = item.group(3).strip(), item.group(4)
            counts[section] = counts.get(section, 0) + 1
            current = ParsedEntry(section=section, number=counts[section], title=unescape_md(title.strip()),
                                  links=_links(rest), line=number, end_line=number,
                                  bullet="" if item.group(1)[0].isdigit() else item.group(1), heading_style=style)
            entries.append(current)
            continue
        plain = _PLAIN_ITEM.match(line)
        if plain and section:
            rest = plain.group(2)
            title = re.split(r"(?<!!)\[\[?[^\[\]]+\]\]?\(", rest, maxsplit=1)[0].strip(" |·-")
            counts[section] = counts.get(section, 0) + 1
            current = ParsedEntry(section=section, number=counts[section], title=unescape_md(title),
                                  links=_links(rest), line=number, end_line=number,
                                  bullet="" if plain.group(1)[0].isdigit() else plain.group(1), heading_style=style,
                                  notes=["no bold title; took the text before the links" if title else "no title"])
            entries.append(current)
            continue
        if current is not None and stripped and not line[:1].isspace() and not stripped.startswith("*") \
                and current.authors and current.venue:
            current = None  # a paragraph after a complete entry is not part of it
        if current is None or not stripped:
            continue
        current.end_line = number
        if stripped.startswith("*") and not stripped.startswith("**") or (stripped.startswith("_") and
                                                                          not stripped.startswith("__")):
            award = _AWARD.search(stripped)
            current.award = award.group(2).strip() if award else current.award
            venue = _AWARD.sub("", stripped).strip()
            after = re.fullmatch(r"([*_])(.+?)(?<!\\)\1\s*\(([^()]+)\)\s*", venue)
            if after and not award:  # "*NeurIPS 2022* (Spotlight)": the award after the italic venue
                venue, current.award = after.group(1) + after.group(2) + after.group(1), after.group(3).strip()
            rest_links = _links(venue)
            if rest_links:
                current.links.extend(rest_links)
                venue = _LINK.sub("", venue).strip()
            current.venue = unescape_md(venue.strip("*_").strip())
        elif not current.authors:
            extra = _links(stripped)
            if extra:  # links on the line after the title
                current.links.extend(extra)
                stripped = _LINK.sub("", stripped).strip(" |·")
                if not stripped:
                    continue
            names = [n.strip() for n in re.split(r",(?![^()]*\))", stripped) if n.strip()]
            for name in names:
                inner, bold = _bold_name(name)
                plain_name = unescape_md(inner.strip())
                current.authors.append(plain_name)
                if bold:
                    current.bold.append(plain_name)
        elif _links(stripped):
            current.links.extend(_links(stripped))
    return entries


def _venue_words(venue: str) -> str:
    """A venue line's words: "KDD 2023" and "KDD, 2023" read the same; so do the ways a page says
    "preprint" ("arXiv preprint", "Preprint", "arXiv")."""
    words = re.sub(r"[^\w]+", " ", venue.casefold()).split()
    if words and (set(words) <= {"arxiv", "preprint", "corr", "abs"} | {w for w in words if w.isdigit()}):
        return "preprint " + " ".join(w for w in words if w.isdigit())
    return " ".join(words)


def _link_key(url: str) -> str:
    """A link by what it points at: an arXiv ID (abs or pdf, any version), a DOI (any resolver, any
    case), an OpenReview forum (forum or pdf), else the URL itself."""
    arxiv = re.search(r"arxiv\.org/(?:abs|pdf|html)/([^?#]+?)(?:v\d+)?(?:\.pdf)?/?$", url, re.IGNORECASE)
    if arxiv:
        return "arxiv:" + arxiv.group(1).casefold()
    doi = re.search(r"(?:dx\.)?doi\.org/(10\.\S+)$", url, re.IGNORECASE)
    if doi:
        return "doi:" + doi.group(1).casefold()
    forum = re.search(r"openreview\.net/(?:forum|pdf)\?id=([\w-]+)", url)
    if forum:
        return "openreview:" + forum.group(1)
    return url


def _view(entry: ParsedEntry) -> tuple:
    return (" ".join(entry.title.split()), tuple(entry.authors), tuple(entry.bold), _venue_words(entry.venue),
            entry.award or "", tuple(sorted((label, _link_key(url)) for label, url in entry.links)))


def same_entry(a: ParsedEntry, b: ParsedEntry) -> bool:
    """True when two entries show the same thing: title, authors, bold authors, venue line (its words:
    punctuation and the ways of saying "preprint" do not count), award, and links to the same things
    under the same labels in any order (an arXiv pdf link is the abs link; a DOI in any case or
    resolver is the same DOI); spacing and line breaks do not count."""
    return _view(a) == _view(b)


def replace_entries(text: str, entries: list[ParsedEntry], new_texts: dict[int, str]) -> str:
    """``text`` with the lines of ``entries[i]`` (as :func:`parse_publications` found them in
    ``text``) replaced by ``new_texts[i]``; every other byte, line endings included, is kept."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    for index in sorted(new_texts, key=lambda i: -entries[i].line):
        entry = entries[index]
        last = lines[entry.end_line - 1]
        ending = last[len(last.rstrip("\r\n")):] or ""
        body = new_texts[index].rstrip("\n").replace("\n", newline) + (ending or "")
        lines[entry.line - 1:entry.end_line] = [body]
    return "".join(lines)
