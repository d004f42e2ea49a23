"""Onboarding: build config.toml from the publication list a researcher already has.

Two inputs are read:

* an academicpages page (``_pages/about.md``) whose Publications section is numbered lists under
  headings (see :mod:`pipeline.homepage`);
* academicpages' ``_publications/`` collection: one Markdown file per paper whose front matter has
  ``title``, ``venue``, ``date``, ``paperurl`` and ``citation``.

Every ID the links give is kept (arXiv abs/pdf, OpenReview forum, doi.org, and DOIs inside
publisher URLs such as Springer and Frontiers); code and publisher links are kept as ``code`` and
``link``; other links as named ``links``; the red award text as ``award``. An entry without any ID
becomes a manual entry with its title, authors, venue and year as written. Nothing is dropped:
what could not be mapped is reported.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import tomli_w

from harvest.ids import IdError, normalize_arxiv, normalize_doi, normalize_openreview, normalize_s2

from .homepage import ParsedEntry, heading_text, parse_publications, publications_region

__all__ = ["InitResult", "entry_from_links", "from_homepage", "from_collection", "render_config", "insert_markers"]

_SECTION_OF_HEADING = (("conference", "conference"), ("workshop", "conference"), ("proceedings", "conference"),
                       ("symposi", "conference"), ("journal", "journal"), ("article", "journal"),
                       ("preprint", "preprint"), ("submission", "preprint"), ("submitted", "preprint"),
                       ("under review", "preprint"), ("working paper", "preprint"), ("manuscript", "preprint"),
                       ("book", "book"), ("chapter", "book"), ("thes", "book"), ("dissertation", "book"))
_DOI_IN_URL = re.compile(r"(10\.\d{4,9}/[^\s?#]+)")
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co", "codeberg.org")
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


@dataclass
class InitResult:
    """What init made of a page.

    Attributes:
        papers: the ``[[paper]]`` tables, in page order; a key ``_comments`` (key -> text) holds the
            comment written beside a key, e.g. the sources' version of a value kept as the owner wrote it.
        entries: the page entry each table was made from (same order).
        owner: the owner's name (the bold author).
        unmapped: what could not be mapped, one line each.
        venue_names: the owner's own names for venues (``[venue_names]``), with the sources' names.
        account: the closing account lines (entries read, IDs found, kept as written, news).
        sections: the page's own layout, written as ``[sections]`` (titles, order, group, list, heading).
    """

    papers: list[dict] = field(default_factory=list)
    entries: list[ParsedEntry] = field(default_factory=list)
    owner: str | None = None
    unmapped: list[str] = field(default_factory=list)
    venue_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    account: list[str] = field(default_factory=list)
    sections: dict = field(default_factory=dict)


_DOI_TAILS = re.compile(r"/(full|abstract|pdf|epdf|html|meta|fulltext|summary|references|figures|epub|view|"
                        r"suppl_file|supplemental|citedby|issuetoc)$", re.I)
_NATURE = re.compile(r"^/articles/([a-z]+[\w.\-]*\d[\w.\-]*?)(?:\.pdf)?/?$", re.I)
_OUP = re.compile(r"^/([a-z]+)/article(?:-abstract|-pdf)?/\d+/[\w\-]+/([a-z]{2,6}\d{2,7})(?:/|$)", re.I)
_PII = re.compile(r"/pii/(S?[0-9X()\-]{15,24})", re.I)
_CELL_PII = re.compile(r"/fulltext/(S[0-9]{4}-[0-9]{3}[0-9X]\([0-9]{2}\)[0-9]{5}-[0-9X])", re.I)


def _doi_in_url(url: str) -> str | None:
    """The DOI a publisher URL carries: in its path (Springer, Wiley, ACM, Taylor & Francis, Science,
    Frontiers, ``/doi/...``), in its query (PLOS ``?id=10.1371/...``), or by the publisher's rule
    (nature.com ``/articles/s41467-...`` is ``10.1038/s41467-...``; OUP ``/bioinformatics/article/39/1/btac760``
    is ``10.1093/bioinformatics/btac760``); None when it carries none."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    path = unquote(parsed.path)
    candidates = [path] + [unquote(v) for v in re.split(r"[&;]", parsed.query) for v in [v.partition("=")[2]]]
    for text in candidates:
        match = _DOI_IN_URL.search(text)
        if not match:
            continue
        doi = _DOI_TAILS.sub("", match.group(1).rstrip("/"))
        doi = re.sub(r"\.pdf$", "", doi, flags=re.I)
        try:
            return normalize_doi(doi)
        except IdError:
            continue
    nature = _NATURE.match(path) if host.endswith("nature.com") else None
    if nature:
        return normalize_doi(f"10.1038/{nature.group(1)}")
    oup = _OUP.match(path) if host.endswith("academic.oup.com") else None
    if oup:
        return normalize_doi(f"10.1093/{oup.group(1).lower()}/{oup.group(2).lower()}")
    return None


def pii_in_url(url: str) -> str | None:
    """The Elsevier PII of a ScienceDirect (``/science/article/pii/S0893608024000352``) or Cell Press
    (``/fulltext/S0092-8674(23)00123-4``) link, in its compact form (``S0893608024000352``); else None."""
    path = unquote(urlparse(url).path)
    match = _PII.search(path) or _CELL_PII.search(path)
    if not match:
        return None
    return re.sub(r"[()\-]", "", match.group(1)).upper()


def entry_from_links(links: list[tuple[str, str]], where: str) -> tuple[dict, list[str]]:
    """IDs and links of one entry from its ``[[label]](url)`` pairs.

    Returns (table keys, notes). arXiv abs/pdf URLs give ``arxiv``; openreview.net forum/pdf URLs
    ``openreview``; doi.org URLs and DOIs inside publisher URLs ``doi``; a code host or a "code"
    label gives ``code``; the first other link ``link``; the rest go to ``links`` under their label.
    """
    table: dict = {}
    notes: list[str] = []
    extra: dict[str, str] = {}

    def add(kind: str, value: str) -> None:
        table.setdefault(kind, [])
        if value not in table[kind]:
            table[kind].append(value)

    for label, url in links:
        host = urlparse(url).netloc.lower()
        low = label.strip().lower()
        if not url.lower().startswith(("http://", "https://")):
            notes.append(f"{where}: link [{label}]({url}) is not an http(s) URL; left out")
            continue
        if "arxiv.org" in host:
            try:
                add("arxiv", normalize_arxiv(url))
                continue
            except IdError:
                pass
        if "openreview.net" in host:
            try:
                add("openreview", normalize_openreview(url))
                continue
            except IdError:
                pass
        if "semanticscholar.org" in host and "/paper/" in url:
            try:
                add("s2", normalize_s2(url))
                continue
            except IdError:
                pass
        doi = _doi_in_url(url)
        if host.endswith("doi.org") and doi:
            add("doi", doi)
            continue
        if doi:
            add("doi", doi)
        pii = None if doi else pii_in_url(url)
        if pii:
            add("pii", pii)
        if low == "code" or any(host == h or host.endswith("." + h) for h in _CODE_HOSTS):
            if "code" in table:
                extra[low or "code"] = url
            else:
                table["code"] = url
            continue
        if "link" not in table and low in ("link", "paper", "pdf", "publisher", "proceedings", "doi", "html"):
            table["link"] = url
            continue
        if "link" not in table and not doi and not pii and low not in ("slides", "poster", "video", "talk", "blog", "website",
                                                            "project", "demo", "data", "dataset", "bibtex"):
            table["link"] = url
            notes.append(f"{where}: link [{label}]({url}) is not a known kind; kept as the [[link]]")
            continue
        if "link" not in table and (doi or pii):
            table["link"] = url
            continue
        key = re.sub(r"[^a-z0-9_-]+", "-", low).strip("-") or "link"
        extra[key] = url
        notes.append(f"{where}: link [{label}]({url}) kept as a named link '{key}'")
    if extra:
        table["links"] = extra
    labels = {}
    for label, url in links:
        kind = _link_kind(label, url, table)
        if kind and label != kind:
            labels[kind] = label
    if labels:
        table["labels"] = labels
    for kind in ("arxiv", "openreview", "doi", "pii", "s2"):
        if kind in table and len(table[kind]) == 1:
            table[kind] = table[kind][0]
    return table, notes


def _link_kind(label: str, url: str, table: dict) -> str | None:
    """Which of the run's link kinds (openreview, link, arxiv, code) shows ``url``, given ``table``."""
    host = urlparse(url).netloc.lower()
    if "openreview.net" in host and table.get("openreview"):
        return "openreview"
    if "arxiv.org" in host and table.get("arxiv"):
        return "arxiv"
    if table.get("code") == url:
        return "code"
    if table.get("link") == url or (table.get("doi") and "doi.org" in host and "link" not in table):
        return "link"
    return None


def _section(heading: str) -> str | None:
    folded = heading.casefold()
    return next((section for word, section in _SECTION_OF_HEADING if word in folded), None)


def _venue_and_year(venue_line: str) -> tuple[str, int | None]:
    year = None
    matches = list(_YEAR.finditer(venue_line))
    if matches:
        last = matches[-1]
        year = int(last.group(0))
        venue_line = (venue_line[:last.start()] + venue_line[last.end():]).strip()
    return venue_line.strip(" ,;.-"), year


def _paper(entry: ParsedEntry, where: str, result: InitResult) -> dict:
    table, notes = entry_from_links(entry.links, where)
    result.unmapped.extend(notes)
    result.unmapped.extend(f"{where}: {note}" for note in entry.notes)
    has_id = any(k in table for k in ("arxiv", "openreview", "doi", "s2"))
    paper: dict = {}
    if not has_id:
        venue, year = _venue_and_year(entry.venue)
        if not entry.title:
            result.unmapped.append(f"{where}: no title and no ID; kept with a placeholder title, fix it by hand")
        paper["title"] = entry.title or f"Untitled entry {entry.number} of {entry.section or 'the list'}"
        if entry.authors:
            paper["authors"] = entry.authors
        if venue:
            paper["venue"] = venue
        if year:
            paper["year"] = year
        section = _section(entry.section)
        if section:
            paper["section"] = section
        result.unmapped.append(f"{where}: no arXiv, OpenReview or DOI link; written as a manual entry "
                               f"({paper['title'][:60]!r})")
    paper.update(table)
    if entry.award:
        paper["award"] = entry.award
    if isinstance(paper.get("doi"), str) and paper.get("link") == f"https://doi.org/{paper['doi']}":
        del paper["link"]  # the link a DOI gives anyway
    return paper


def _ids_of(paper: dict) -> set[str]:
    out = set()
    for kind in ("arxiv", "openreview", "doi", "pii", "s2"):
        value = paper.get(kind)
        for item in ([value] if isinstance(value, str) else value or []):
            out.add(f"{kind}:{item}")
    return out


def from_homepage(text: str, *, name: str = "page") -> InitResult:
    """Config tables for every entry of the page's Publications section, in page order.

    Only the section under the heading that says "publications" is read (the page's News or
    Teaching lists are not papers); a page without such a heading is read whole. An entry whose IDs
    repeat an earlier entry's is listed once, and the repeat is reported. ``result.sections`` holds
    the page's own layout (``[sections]``: headings, order, list style)."""
    result = InitResult()
    bold = collections.Counter()
    seen: dict[str, str] = {}
    region = publications_region(text)
    start, end = region if region else (0, len(text))
    offset = text[:start].count("\n")
    unmapped_headings: dict[str, str] = {}
    for entry in parse_publications(text[start:end]):
        where = f"{name}:{entry.line + offset}"
        if _section(entry.section) is None and entry.section not in unmapped_headings:
            unmapped_headings[entry.section] = where
        paper = _paper(entry, where, result)
        repeated = sorted(i for i in _ids_of(paper) if i in seen)
        if repeated:
            result.unmapped.append(f"{where}: {repeated[0]} is also the ID of the entry at {seen[repeated[0]]}; "
                                   "listed once")
            continue
        seen.update({i: where for i in _ids_of(paper)})
        result.papers.append(paper)
        result.entries.append(entry)
        bold.update(entry.bold)
    result.owner = bold.most_common(1)[0][0] if bold else None
    result.sections, notes = _page_layout(result.entries)
    result.unmapped.extend(notes)
    if result.sections.get("group", "kind") == "kind":
        for heading, where in unmapped_headings.items():
            result.unmapped.append(f"{where}: heading {heading!r} names no kind of paper (conference, journal, book, "
                                   "preprint); its papers go where their venues' kinds put them")
    _give_keys(result)
    return result


def _page_layout(entries: list[ParsedEntry]) -> tuple[dict, list[str]]:
    """The page's own ``[sections]``: its headings as the titles and order of the kinds' sections (or
    ``group = "year"``/``"none"``), its list style and heading style; and notes on what cannot be kept."""
    sections: dict = {}
    notes: list[str] = []
    if not entries:
        return sections, notes
    headings: list[tuple[str, str]] = []
    for entry in entries:
        if not headings or headings[-1][0] != entry.section:
            headings.append((entry.section, entry.heading_style))
    bullets = {entry.bullet for entry in entries}
    if len(bullets) == 1 and next(iter(bullets)):
        sections["list"] = next(iter(bullets))
    styles = {style for _, style in headings if _}
    if len(styles) == 1 and next(iter(styles)) != "###":
        sections["heading"] = next(iter(styles))
    names = [h for h, _ in headings]
    if all(not h for h in names):
        sections["group"] = "none"
    elif all(re.fullmatch(r"(19|20)\d\d", h) for h in names if h):
        sections["group"] = "year"
    else:
        kinds = [_section(h) for h in names]
        order = list(dict.fromkeys(k for k in kinds if k))
        default = {"conference": "Conference Papers", "journal": "Journal Papers", "book": "Books and Chapters",
                   "preprint": "Preprints"}
        for heading, kind in zip(names, kinds):
            if kind and kind in sections:
                notes.append(f"headings {sections[kind]!r} and {heading!r} are both {kind} sections; the run shows "
                             f"one, {sections[kind]!r}")
            elif kind and heading != default[kind]:
                sections[kind] = heading
        if order and order != [k for k in ("conference", "journal", "book", "preprint") if k in order]:
            sections["order"] = order
    return sections, notes


_KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "via", "at", "by", "from"}


_TRANSLITERATE = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                                 "ß": "ss", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "ı": "i", "'": "",
                                 "’": ""})


def _key_words(entry: ParsedEntry) -> tuple[str, list[str]]:
    from .text import fold_name

    names = [fold_name(a.translate(_TRANSLITERATE)) for a in entry.authors[:1]]
    first = names[0].split()[-1] if names and names[0] else "anon"
    _, year = _venue_and_year(entry.venue)
    every = re.sub(r"[^a-z0-9 ]", " ", fold_name(entry.title.translate(_TRANSLITERATE))).split()
    words = [w for w in every if w not in _KEY_STOPWORDS] or every
    return f"{re.sub(r'[^a-z0-9]', '', first) or 'anon'}{year or ''}", words or ["untitled"]


def _give_keys(result: InitResult) -> None:
    """A stable key per paper, as BibTeX keys are made: the first author's last name, the year, the
    first word of the title that is not an article or preposition ("xiao2024hebbian"); a key that
    would repeat takes the title's next words until it does not."""
    used: set[str] = set()
    for paper, entry in zip(result.papers, result.entries):
        if "key" in paper:
            used.add(paper["key"])
            continue
        stem, words = _key_words(entry)
        key, n = stem + words[0], 1
        while key in used:
            if n < len(words):
                key += words[n]
            else:
                key += "x"
            n += 1
        used.add(key[:100])
        paper["key"] = key[:100]


def _front_matter(text: str) -> dict[str, str]:
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    values: dict[str, str] = {}
    for line in (match.group(1).splitlines() if match else []):
        key, sep, value = line.partition(":")
        if not sep or line.startswith((" ", "\t", "-")):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].replace("''", "'") if value[0] == "'" else value[1:-1].replace('\\"', '"')
        values[key.strip()] = value
    return values


_GIVEN = re.compile(r"^(?:[A-Z][a-z]{0,2}\.?[\s\-]*){1,4}$")  # "M.", "M. K.", "J.-P", "Th."


def _last_first(last: str, first: str) -> str:
    """ "Xiao", "M." -> "M. Xiao"; "Your Name", "You." -> "You Your Name" (a citation's closing period
    belongs to the citation, not to a given name that is no initial)."""
    first = first.strip()
    if first.endswith(".") and not re.search(r"(?:^|[\s.\-])[A-Z]\.$", first):
        first = first[:-1]
    return f"{first} {last.strip()}"


def _citation_authors(text: str) -> list[str]:
    """Author names from the part of a citation before its year, in "Last, First" or "First Last" form:
    "Xiao, M. and Zheng, S." -> ["M. Xiao", "S. Zheng"]; "Xiao, Mingqing and Lin, Zhouchen" ->
    ["Mingqing Xiao", "Zhouchen Lin"]; "Ada Lovelace, Alan Turing" -> both; "Your Name, You." ->
    ["You Your Name"]."""
    names: list[str] = []
    chunks = [c for c in re.split(r"\s*;\s*|,?\s+and\s+|\s*&\s*", text.strip().rstrip(",")) if c.strip(" .,")]
    for chunk in chunks:
        parts = [p.strip() for p in chunk.split(",") if p.strip(" .")]
        if len(parts) == 1:
            names.append(parts[0].strip().rstrip(",") if not parts[0].endswith(".") or
                         re.search(r"\b[A-Z]\.$", parts[0]) else parts[0][:-1])
            continue
        if len(parts) == 2 and (_GIVEN.match(parts[1]) or not all(len(p.split()) >= 2 for p in parts)):
            # "Xiao, Mingqing", "Xiao, M.", "Your Name, You.": one name written surname first
            names.append(_last_first(*parts))
            continue
        pairs = len(parts) % 2 == 0 and all(_GIVEN.match(p) or len(p.split()) == 1 for p in parts[1::2]) \
            and not all(len(p.split()) >= 2 for p in parts)
        if pairs:
            names.extend(_last_first(last, first) for last, first in zip(parts[0::2], parts[1::2]))
        else:
            names.extend(p.rstrip(".") if not re.search(r"\b[A-Z]\.$", p) else p for p in parts)
    return names


def from_collection(folder: Path, *, owner: str | None = None) -> InitResult:
    """Config tables for academicpages ``_publications/*.md`` files, newest date first.

    ``paperurl`` gives IDs and the link; ``citation`` gives the authors (the text before the
    ``(year)``); ``venue`` and ``date`` the venue and year.
    """
    import html

    result = InitResult()
    files = sorted(folder.glob("*.md"))
    items = []
    for path in files:
        meta = _front_matter(path.read_text(encoding="utf-8"))
        if not meta.get("title"):
            result.unmapped.append(f"{path}: no title in the front matter; kept with the file name as title")
        citation = html.unescape(re.sub(r"<[^>]+>", "", meta.get("citation", "")))
        authors_text = re.split(r"\(\s*(?:19|20)\d{2}\s*\)", citation)[0] if citation else ""
        authors = _citation_authors(authors_text)
        links = [(label, meta[key]) for key, label in (("paperurl", "link"), ("slidesurl", "slides"))
                 if meta.get(key)]
        entry = ParsedEntry(section="", number=0, title=meta.get("title") or path.stem, links=links,
                            authors=authors, venue=f"{meta.get('venue', '')}, {meta.get('date', '')[:4]}".strip(", "))
        paper = _paper(entry, str(path), result)
        paper.pop("labels", None)  # a collection file labels no link; the run's own labels apply
        items.append((meta.get("date", ""), paper, entry))
    items.sort(key=lambda item: item[0], reverse=True)
    result.papers = [paper for _, paper, _ in items]
    result.entries = [entry for _, _, entry in items]
    _give_keys(result)
    result.owner = owner
    return result


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()  # the library's quoting of one value


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


_KEY_ORDER = {k: n for n, k in enumerate(("key", "arxiv", "openreview", "doi", "s2", "pii", "title", "authors", "venue",
                                           "year", "section", "award", "link", "code", "links", "labels"))}


def _comment_text(text: str) -> str:
    return " ".join(str(text).split())[:300]


def render_config(result: InitResult, *, owner: str, homepage: str | None, venue_names: dict | None = None,
                  sources: dict | None = None, identities: dict | None = None) -> str:
    """The text of config.toml for ``result``: ``[owner]``, ``[output]``, ``[venue_names]`` when the
    owner names venues their own way, then one ``[[paper]]`` table per entry (so that a paper added by
    hand later is one more ``[[paper]]``). A value kept as the page wrote it carries the sources'
    version as a comment, so switching is one edit.

    ``venue_names``: abbreviation -> the owner's name, or (the owner's name, the sources' name);
    default ``result.venue_names``. ``sources``: ``[sources.*]`` tables to include (for a config used
    internally, e.g. pointed at a replay server; ``init`` writes none). ``identities``: the owner's
    ``s2_author_id`` / ``openreview_id`` proposed from the page's papers (``{key: (id, papers)}``),
    written under ``[owner]`` with the count as a comment."""
    out = ["# Made by `python -m pipeline init`; every key is documented in README.md, 'Configuration'.",
           "# Entries with a title are manual: no ID was found in their links. Add arxiv/doi/openreview when known.",
           "# A value followed by '# sources: ...' is your page's wording, kept; the comment is what the sources say.",
           "", "[owner]", f"name = {_toml(owner)}", "variants = []"]
    where = {"s2_author_id": "Semantic Scholar author", "openreview_id": "OpenReview profile"}
    for key, (ident, count) in (identities or {}).items():
        out.append(f"{key} = {_toml(ident)}  # proposed by init: {count} of your papers name this {where[key]}; "
                   "python -m pipeline discover finds the papers this config does not list")
    out += ["", "[output]", 'dir = "output"']
    if homepage:
        out.append(f"homepage = {_toml(homepage)}")
    if result.sections:
        out += ["", "[sections]  # the page's own headings and layout"]
        out += [f"{_key(k)} = {_toml(v)}" for k, v in result.sections.items()]
    names = result.venue_names if venue_names is None else venue_names
    if names:
        out += ["", "[venue_names]  # your name for a venue, shown for every paper there"]
        for abbr, value in names.items():
            own, theirs = value if isinstance(value, tuple) else (value, None)
            out.append(f"{_key(abbr)} = {_toml(own)}" + (f"  # sources: {_comment_text(theirs)}" if theirs else ""))
    for name, table in (sources or {}).items():
        out += ["", f"[sources.{name}]"] + [f"{_key(k)} = {_toml(v)}" for k, v in table.items()]
    for paper in result.papers:
        comments = paper.get("_comments", {})
        out += ["", "[[paper]]"]
        for key, value in sorted(paper.items(), key=lambda kv: _KEY_ORDER.get(kv[0], len(_KEY_ORDER))):
            if key == "_comments":
                continue
            line = f"{_key(key)} = {_toml(value)}"
            out.append(line + (f"  # {_comment_text(comments[key])}" if key in comments else ""))
    return "\n".join(out) + "\n"


def insert_markers(text: str, start: str, end: str) -> str:
    """``text`` with ``start`` before the first list heading (or entry) of the Publications section and
    ``end`` after its last entry, in the file's own line ending.

    The section is the one under the first heading that says "publications" (any level or style;
    see :func:`pipeline.homepage.publications_region`). The markers must enclose only what a run
    writes (headings and entries), so a paragraph, a picture or any other line between the lists
    stops it. Raises ValueError naming the line when there is no Publications heading, no entry
    under it, other text between its entries, or when the section lies in the page's front matter.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    region = publications_region(text)
    if region is None:
        raise ValueError("no heading that says 'Publications' found; add the markers by hand (see README)")
    head = text[:region[0]]
    first_line = head.count("\n")  # 0-based line where the section's text starts
    lines = text.split("\n")
    body = text[region[0]:region[1]]
    body_lines = body.split("\n")
    entries = parse_publications(body)
    if not entries:
        raise ValueError("no list of papers under the Publications heading; add the markers by hand")
    front = re.match(r"^---\s*\n.*?\n---\s*(\n|$)", text, re.DOTALL)
    if front and region[0] < front.end():
        raise ValueError("the Publications heading is inside the page's front matter; add the markers by hand")
    allowed = set()
    for entry in entries:
        allowed.update(range(entry.line, entry.end_line + 1))
    headings = {n for n, line in enumerate(body_lines, 1)
                if heading_text(line, body_lines[n] if n < len(body_lines) else "")}
    underlines = {n + 1 for n in headings if n < len(body_lines) and re.fullmatch(r"\s*(=+|-{2,})\s*", body_lines[n].rstrip("\r"))}
    first = min(min(headings, default=entries[0].line), entries[0].line)
    first = min((n for n in headings if n < entries[0].line), default=entries[0].line)
    last = entries[-1].end_line
    for n in range(first, last + 1):
        line = body_lines[n - 1]
        if line.strip() and n not in allowed and n not in headings and n not in underlines:
            raise ValueError(f"line {first_line + n}: {line.strip()[:60]!r} stands between the lists of papers; "
                             "move it out of the Publications lists, or add the markers by hand")
    at_first, at_last = first_line + first - 1, first_line + last - 1
    ending = "\r" if newline == "\r\n" else ""
    lines = [line.rstrip("\r") for line in lines]
    out = lines[:at_first] + [start] + lines[at_first:at_last + 1] + ["", end] + lines[at_last + 1:]
    return "\n".join(line + ending if n < len(out) - 1 else line for n, line in enumerate(out))
