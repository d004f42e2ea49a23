"""The homepage's section as it stands: its entries, which paper each one shows, what a run changes
in it, and a splice that rewrites only the entries that change.

Pure functions over the page text and the merged publications. A hand-kept page keeps its own
line breaks, spacing and numbering: when the run shows the same papers under the same headings in
the same order, every entry whose content is unchanged keeps its bytes, and only changed entries
are rewritten in the run's format (an entry's content is its title, authors, bold authors, venue
line, award and links; see :func:`pipeline.homepage.same_entry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .config import Config
from .homepage import ParsedEntry, parse_publications, replace_entries, same_entry
from .merge import Publication
from .text import fold_name

__all__ = ["Page", "read_page", "Change", "page_changes", "splice_keeping"]


@dataclass(frozen=True)
class Change:
    """One entry added, removed, changed or unchanged: ``kind``, ``key``, ``title``, and for a
    change the fields that differ as ``"venue: old -> new"`` lines."""

    kind: str
    key: str
    title: str
    details: tuple[str, ...] = ()


@dataclass
class Page:
    """The section between a homepage's markers.

    Attributes:
        text: the whole page; start, end: the section's offsets in it (inside the marker lines).
        entries: the section's entries, in page order.
        by_id: ``arxiv:...``/``openreview:...``/``doi:...``/``pii:...`` -> index into ``entries``.
        by_title: folded title -> index, for entries no ID names.
    """

    text: str
    start: int
    end: int
    entries: list[ParsedEntry] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    by_title: dict[str, int] = field(default_factory=dict)

    @property
    def inner(self) -> str:
        """The section's text."""
        return self.text[self.start:self.end]

    def entry_of(self, pub: Publication, config: Config) -> int | None:
        """The index of the page entry that shows ``pub`` (by any ID of its config entry or of the
        paper, else by its folded title), or None."""
        entry = config.papers[pub.index] if pub.index < len(config.papers) else None
        ids = set(entry.identifiers()) if entry else set()
        ids |= {f"arxiv:{pub.arxiv_id}", f"doi:{pub.doi}", f"openreview:{pub.openreview_forum}"}
        for ident in sorted(ids):
            if ident in self.by_id:
                return self.by_id[ident]
        return self.by_title.get(_fold(pub.title))


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold_name(text)).split())


def read_page(text: str, start: int, end: int) -> Page:
    """Index the entries of ``text[start:end]`` (the section between the markers)."""
    from .init import entry_from_links

    page = Page(text=text, start=start, end=end, entries=parse_publications(text[start:end]))
    for n, entry in enumerate(page.entries):
        table, _ = entry_from_links(entry.links, "page")
        for kind in ("arxiv", "openreview", "doi", "pii"):
            values = table.get(kind)
            for value in [values] if isinstance(values, str) else values or []:
                page.by_id.setdefault(f"{kind}:{value}", n)
        page.by_title.setdefault(_fold(entry.title), n)
    return page


def _view(pub: Publication) -> ParsedEntry:
    from .emit import render_entry

    return parse_publications(f"### x\n\n{render_entry(1, pub)}")[0]


def _differences(old: ParsedEntry, new: ParsedEntry) -> tuple[str, ...]:
    fields = (("title", old.title, new.title), ("authors", ", ".join(old.authors), ", ".join(new.authors)),
              ("venue", old.venue, new.venue), ("award", old.award or "none", new.award or "none"),
              ("links", " ".join(f"[{l}]({u})" for l, u in sorted(old.links)),
               " ".join(f"[{l}]({u})" for l, u in sorted(new.links))),
              ("bold", ", ".join(old.bold), ", ".join(new.bold)))
    return tuple(f"{name}: {a} -> {b}" for name, a, b in fields if " ".join(a.split()) != " ".join(b.split()))


def _heading_of(pub: Publication, config: Config) -> str | None:
    """The heading the run lists ``pub`` under ("" with ``group = "none"``)."""
    style = config.section_style
    if style.group == "none":
        return ""
    if style.group == "year":
        return str(pub.year) if pub.year else "Undated"
    if style.group == "member":
        return pub.members[0] if pub.members else "Others"
    return config.section_titles.get(pub.section, pub.section)


def page_changes(page: Page, publications: list[Publication], config: Config) -> list[Change]:
    """What a run changes on the page, entry by entry: "unchanged", "changed" (with each field's old
    and new value), "added" (a paper the page does not show), "removed" (a page entry no paper of
    the config shows). The page is what readers see, so this is the report whenever a homepage is
    set: a field someone edited by hand on the page shows as changed, old -> new."""
    changes: list[Change] = []
    matched: set[int] = set()
    for pub in publications:
        n = page.entry_of(pub, config)
        if n is None or n in matched:
            changes.append(Change("added", pub.key, pub.title))
            continue
        matched.add(n)
        old, new = page.entries[n], _view(pub)
        if pub.field_sources.get("title") == "page" or same_entry(old, new):
            details: tuple[str, ...] = ()  # the page's own entry stands, or says the same thing
        else:
            details = _differences(old, new)
        section = _heading_of(pub, config)
        if section is not None and old.section != section:
            details += (f"section: {old.section or '(none)'} -> {section or '(none)'}",)
        changes.append(Change("changed", pub.key, pub.title, details) if details else
                       Change("unchanged", pub.key, pub.title))
    changes.extend(Change("removed", f"page #{entry.number}", entry.title) for n, entry in enumerate(page.entries)
                   if n not in matched)
    return changes


def splice_keeping(page: Page, publications: list[Publication], config: Config, section: str) -> str | None:
    """The page with only its changed entries rewritten, or None when the run lays the section out
    otherwise (other headings, another order, a paper added or removed): then the caller splices the
    whole ``section``."""
    from .emit import layout as section_layout, render_entry

    layout = section_layout(publications, config.section_style)
    page_layout: list[tuple[str, list[int]]] = []
    for n, entry in enumerate(page.entries):
        if not page_layout or page_layout[-1][0] != entry.section:
            page_layout.append((entry.section, []))
        page_layout[-1][1].append(n)
    if [title for title, _ in layout] != [title for title, _ in page_layout]:
        return None
    replacements: dict[int, str] = {}
    for (_, pubs), (_, indexes) in zip(layout, page_layout):
        if len(pubs) != len(indexes):
            return None
        for pub, n in zip(pubs, indexes):
            if page.entry_of(pub, config) != n:
                return None
            if not same_entry(page.entries[n], _view(pub)) and pub.field_sources.get("title") != "page":
                replacements[n] = render_entry(page.entries[n].number, pub, page.entries[n].bullet)
    inner = replace_entries(page.inner, page.entries, replacements)
    return page.text[:page.start] + inner + page.text[page.end:]
