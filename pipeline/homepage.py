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

__all__ = ["ParsedEntry", "parse_publications", "unescape_md", "same_entry", "replace_entries"]

_HEADING = re.compile(r"^#{2,4}\s+(.+?)\s*$")
_ITEM = re.compile(r"^\s*(\d+\.|[-*+])\s+\*\*(.+?)\*\*(.*)$")
_PLAIN_ITEM = re.compile(r"^\s*(\d+\.|[-+])\s+(.*)$")
_LINK = re.compile(r"\[\[([^\]]+)\]\]\(([^)\s]+)\)")
_AWARD = re.compile(r"<(font|span)[^>]*>\s*\(?(.*?)\)?\s*</\1>", re.IGNORECASE)


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
    notes: list[str] = field(default_factory=list)


def unescape_md(text: str) -> str:
    """Undo Markdown backslash escapes (of any ASCII punctuation, as Markdown allows) and HTML entities,
    as :func:`pipeline.emit.md_escape` writes them; the result is cleaned (harvest.sanitize)."""
    return clean(html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)))


def parse_publications(text: str) -> list[ParsedEntry]:
    """Entries of every numbered list under a heading, in page order."""
    entries: list[ParsedEntry] = []
    section = ""
    current: ParsedEntry | None = None
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        if heading:
            section, current = heading.group(1), None
            continue
        item = _ITEM.match(line)
        if item:
            title, rest = item.group(2).strip(), item.group(3)
            if title.startswith("*") and rest.startswith("*"):  # ***bold italic***
                title, rest = title[1:], rest[1:]
            counts[section] = counts.get(section, 0) + 1
            current = ParsedEntry(section=section, number=counts[section], title=unescape_md(title.strip()),
                                  links=[(label, url) for label, url in _LINK.findall(rest)], line=number,
                                  end_line=number)
            entries.append(current)
            continue
        plain = _PLAIN_ITEM.match(line)
        if plain and section:
            rest = plain.group(2)
            title = rest.split("[[", 1)[0].strip()
            counts[section] = counts.get(section, 0) + 1
            current = ParsedEntry(section=section, number=counts[section], title=unescape_md(title),
                                  links=[(label, url) for label, url in _LINK.findall(rest)], line=number,
                                  end_line=number,
                                  notes=["no bold title; took the text before the links" if title else "no title"])
            entries.append(current)
            continue
        if current is not None and stripped and not line[:1].isspace() and not stripped.startswith("*") \
                and current.authors and current.venue:
            current = None  # a paragraph after a complete entry is not part of it
        if current is None or not stripped:
            continue
        current.end_line = number
        if stripped.startswith("*") and not stripped.startswith("**"):
            award = _AWARD.search(stripped)
            current.award = award.group(2).strip() if award else None
            venue = _AWARD.sub("", stripped).strip()
            current.venue = unescape_md(venue.strip("*").strip())
        elif not current.authors:
            names = [n.strip() for n in stripped.split(",") if n.strip()]
            for name in names:
                plain = unescape_md(name.strip("*").strip())
                current.authors.append(plain)
                if name.startswith("**") and name.endswith("**"):
                    current.bold.append(plain)
    return entries


def _view(entry: ParsedEntry) -> tuple:
    return (" ".join(entry.title.split()), tuple(entry.authors), tuple(entry.bold), " ".join(entry.venue.split()),
            entry.award or "", tuple(sorted((label, url) for label, url in entry.links)))


def same_entry(a: ParsedEntry, b: ParsedEntry) -> bool:
    """True when two entries show the same thing: title, authors, bold authors, venue line, award and
    the same links under the same labels (in any order); spacing and line breaks do not count."""
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
