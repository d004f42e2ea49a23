"""Load and check config.toml into frozen dataclasses.

Every problem becomes a :class:`ConfigError` whose message names the file, the line where one
is known, the key, what was found and what is expected, e.g.::

    config.toml:41: paper #3, key 'arxiv': 2005.0565 is a number; quote arXiv IDs: arxiv = "2005.05650"

Relative paths in the file are relative to the file's own folder.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from harvest.ids import IdError, normalize_arxiv, normalize_doi, normalize_openreview, normalize_pii, normalize_s2
from harvest.settings import ArxivSettings, CrossrefSettings, OpenReviewSettings, S2Settings, SourceSettings

from harvest.sanitize import clean

from .venue_text import KINDS as VENUE_KINDS

__all__ = ["ConfigError", "Owner", "OutputConfig", "Entry", "Config", "SectionStyle", "load", "loads", "load_sources",
           "SECTIONS", "Formats", "FORMAT_PATHS", "Discover"]

#: Section names a paper can be placed in, in their default order on the page.
SECTIONS = ("conference", "journal", "book", "preprint")

_ID_KEYS = ("arxiv", "openreview", "doi", "s2", "pii")
_PAPER_KEYS = (*_ID_KEYS, "key", "title", "authors", "venue", "year", "award", "section", "code", "link", "links",
               "labels", "selected")
_TOP_KEYS = ("owner", "output", "sources", "paper", "run", "venue", "sections", "venue_names", "formats", "discover")
#: ``[formats]`` keys naming a file or folder the run writes, with what each holds.
FORMAT_PATHS = {"bibtex": "BibTeX (al-folio's _bibliography/papers.bib)",
                "csl_json": "CSL-JSON", "rendercv": "RenderCV publication entries (YAML)",
                "academicpages": "the academicpages _publications/ collection folder",
                "hugo": "the Hugo Blox content/publication/ folder"}
_FORMAT_KEYS = (*FORMAT_PATHS, "hugo_author")
_LINK_KINDS = ("openreview", "link", "arxiv", "code")
_RUN_KEYS = ("deadline_s", "max_age_h")
_VENUE_KEYS = ("abbr", "name", "kind", "aliases", "openreview", "dblp")
_SECTION_KEYS = ("order", "conference", "journal", "book", "preprint", "undecided", "group", "list", "heading")
DEFAULT_SECTION_TITLES = {"conference": "Conference Papers", "journal": "Journal Papers", "book": "Books and Chapters",
                          "preprint": "Preprints"}
_OWNER_KEYS = ("name", "variants", "s2_author_id", "openreview_id")
_OUTPUT_KEYS = ("dir", "homepage", "csv_bom", "start_marker", "end_marker")
_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


class ConfigError(Exception):
    """config.toml is unusable; the message says where and what to do."""


@dataclass(frozen=True, kw_only=True)
class Owner:
    """The homepage owner, or one member of a lab (``[[owner]]``): ``name`` is bolded in author lists,
    as is any of ``variants``. ``s2_author_id`` (Semantic Scholar authorId, digits) and
    ``openreview_id`` (profile ID, ``~First_Last1``) let ``discover`` find papers config does not list."""

    name: str
    variants: tuple[str, ...] = ()
    s2_author_id: str | None = None
    openreview_id: str | None = None

    def names(self) -> tuple[str, ...]:
        """``name`` and ``variants``."""
        return (self.name, *self.variants)


@dataclass(frozen=True, kw_only=True)
class OutputConfig:
    """Where results go.

    Attributes:
        dir: folder for publications.md/.csv/.json and the stored harvest (default ``output``).
        homepage: Markdown page whose text between the markers is replaced, or None.
        csv_bom: write the CSV with a UTF-8 byte-order mark (for Excel).
        start_marker, end_marker: the two comment lines that enclose the section.
    """

    dir: Path
    homepage: Path | None = None
    csv_bom: bool = False
    start_marker: str = "<!-- pubharvest:start -->"
    end_marker: str = "<!-- pubharvest:end -->"


@dataclass(frozen=True)
class Discover:
    """``[discover]``: finding the owners' papers that config does not list (``python -m pipeline discover``).

    Attributes:
        add: a run appends the papers it finds to config.toml (the scheduled job then commits it);
            default false: the run only says how many there are.
        arxiv: also ask arXiv by each owner's name (``au:`` queries); a match counts only when it shares
            a co-author with the owner's listed papers (default true).
        arxiv_max_results: entries asked per name query (default 100).
        ignore: papers that are not the owner's, or not for the list, as namespaced IDs
            (``"arxiv:2405.10001"``, ``"doi:10...."``, ``"openreview:<forum>"``, ``"s2:<paperId>"``):
            never reported or added.
    """

    add: bool = False
    arxiv: bool = True
    arxiv_max_results: int = 100
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Formats:
    """``[formats]``: the homepage and CV formats written besides the section, CSV and JSON.

    Each path is resolved against the config file's folder; None means the format is not written.

    Attributes:
        bibtex: a BibTeX file (al-folio reads ``_bibliography/papers.bib``); an existing file is merged.
        csl_json: a CSL-JSON file (citeproc, Pandoc, Zotero).
        rendercv: a RenderCV YAML file holding ``cv.sections.Publications``.
        academicpages: the ``_publications`` collection folder of an academicpages site.
        hugo: the ``content/publication`` folder of a Hugo Blox site (one bundle per paper).
        hugo_author: the Hugo Blox author slug written for the owner (``me``: the theme links and bolds
            ``content/authors/me``), or None to write the owner's name.
    """

    bibtex: Path | None = None
    csl_json: Path | None = None
    rendercv: Path | None = None
    academicpages: Path | None = None
    hugo: Path | None = None
    hugo_author: str | None = "me"

    def paths(self) -> list[tuple[str, Path]]:
        """(format, path) for every format written, in :data:`FORMAT_PATHS` order."""
        return [(name, getattr(self, name)) for name in FORMAT_PATHS if getattr(self, name) is not None]


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One ``[[paper]]`` of config.toml: the IDs to fetch and the owner's overrides.

    Attributes:
        key: stable name (config ``key``, else derived from the first ID or the title).
        index: position in config, 0-based; ties in sorting keep this order.
        line: line of the ``[[paper]]`` header in the file, for messages.
        arxiv, openreview, doi, s2: canonical IDs (see harvest.ids), duplicates removed.
        pii: Elsevier PIIs (ScienceDirect, Cell Press links), compact upper case (``S0893608024000352``).
        title, authors, venue, year, award, section: overrides; they win over every source.
        code: code repository URL; link: publisher page URL; links: other named links.
        labels: the label shown for a link kind ("openreview", "link", "arxiv", "code") when it is
            not the kind's own name, as the owner's page writes it (``{"arxiv": "arXiv"}``).
    """

    key: str
    index: int
    line: int | None = None
    arxiv: tuple[str, ...] = ()
    openreview: tuple[str, ...] = ()
    doi: tuple[str, ...] = ()
    s2: tuple[str, ...] = ()
    pii: tuple[str, ...] = ()
    title: str | None = None
    authors: tuple[str, ...] | None = None
    venue: str | None = None
    year: int | None = None
    award: str | None = None
    section: str | None = None
    code: str | None = None
    link: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    selected: bool = False

    def identifiers(self) -> set[str]:
        """Namespaced identifier keys (``arxiv:...``, ``doi:...``, ``openreview:...``, ``s2:...``)."""
        return {f"{kind}:{value}" for kind in _ID_KEYS for value in getattr(self, kind)}


@dataclass(frozen=True)
class SectionStyle:
    """How the section is laid out (``[sections]`` in config; ``init`` copies the page's own).

    Attributes:
        order: the kinds' sections in page order (``conference``, ``journal``, ``book``, ``preprint``).
        titles: the heading of each kind's section.
        group: ``kind`` (a heading per kind of venue), ``year`` (a heading per year, newest first),
            ``member`` (a heading per lab member, each paper under the first member among its authors)
            or ``none`` (one list without headings).
        bullet: ``""`` for numbered entries (``1.``), else the bullet (``-``, ``*``, ``+``).
        heading: ``"###"`` (any of ``#`` to ``######``) or ``"bold"`` (a line ``**Title**``).
        members: the owners' names in config order (the headings of ``group = "member"``).
    """

    order: tuple[str, ...] = ("conference", "journal", "book", "preprint")
    titles: dict = field(default_factory=lambda: dict(DEFAULT_SECTION_TITLES))
    group: str = "kind"
    bullet: str = ""
    heading: str = "###"
    members: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole config file, checked.

    Attributes:
        deadline_s: ``[run] deadline_s``: seconds after which the run sends no more requests and
            emits with what it has (default 120).
        max_age_h: ``[run] max_age_h``: a paper a source answered for less than this many hours
            ago is not asked again (default 72; ``--refresh`` asks anyway).
        venues: ``[[venue]]`` rows that add to or replace rows of the venue table (same keys).
        venue_names: ``[venue_names]``: the owner's own name for a venue, by its abbreviation or
            table name (``{"ICCV": "International Conference on Computer Vision"}``), shown instead of
            the table's name for every paper there.
        section_order, section_titles: ``[sections]``: the order of the sections on the page and
            their headings.
        undecided_section: ``[sections] undecided``: where a paper goes whose venue's kind no
            evidence decides (default "journal"; the run names each such venue).
    """

    path: Path
    owner: Owner
    output: OutputConfig
    owners: tuple[Owner, ...] = ()
    sources: SourceSettings = field(default_factory=SourceSettings)
    papers: tuple[Entry, ...] = ()
    warnings: tuple[str, ...] = ()
    deadline_s: float = 120.0
    max_age_h: float = 72.0
    venues: tuple[dict, ...] = ()
    venue_names: dict[str, str] = field(default_factory=dict)
    section_order: tuple[str, ...] = SECTIONS
    section_titles: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SECTION_TITLES))
    undecided_section: str = "journal"
    section_group: str = "kind"
    section_bullet: str = ""
    section_heading: str = "###"
    formats: Formats = field(default_factory=Formats)
    discover: Discover = field(default_factory=Discover)

    @property
    def section_style(self) -> SectionStyle:
        """The ``[sections]`` layout as one value (see :class:`SectionStyle`)."""
        return SectionStyle(order=self.section_order, titles=dict(self.section_titles), group=self.section_group,
                            bullet=self.section_bullet, heading=self.section_heading,
                            members=tuple(m.name for m in self.owners))


@dataclass(frozen=True)
class _LineIndex:
    """Where each table header and key of a config text is, found in one pass (so that a config of
    any size is checked in linear time). ``headers``: header name -> line numbers (1-based, in
    order; ``paper`` for each ``[[paper]]``); ``keys``: header line (0 for the top level) -> key ->
    line."""

    headers: dict[str, list[int]]
    keys: dict[int, dict[str, int]]


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=")


@lru_cache(maxsize=4)
def _index(text: str) -> _LineIndex:
    headers: dict[str, list[int]] = {}
    keys: dict[int, dict[str, int]] = {0: {}}
    current = 0
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            name = re.sub(r"\s*\.\s*", ".", header.group(1))
            headers.setdefault(name, []).append(number)
            current = number
            keys[current] = {}
            continue
        key = _KEY.match(line)
        if key:
            keys[current].setdefault(key.group(1).strip("\"'"), number)
    return _LineIndex(headers=headers, keys=keys)


def _paper_lines(text: str) -> list[int]:
    return _index(text).headers.get("paper", [])


def _table_line(text: str, table: str) -> int | None:
    """The line of the ``[table]`` header (``[output]``, ``[sources.arxiv]``), or None."""
    lines = _index(text).headers.get(table)
    return lines[0] if lines else None


def _key_line(text: str, start: int | None, key: str) -> int | None:
    """The line of ``key = ...`` in the table whose header is on line ``start`` (1-based; 0 for the
    top level), or None."""
    if start is None:
        return None
    return _index(text).keys.get(start, {}).get(key)


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text
        self.warnings: list[str] = []

    def fail(self, where: str, message: str, line: int | None = None) -> ConfigError:
        loc = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{loc}: {where}: {message}")

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], where: str, line: int | None = None) -> None:
        if line is None and where in ("owner", "output", "run", "sections") or where.startswith("sources."):
            line = _table_line(self.text, where)
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else f"; valid keys: {', '.join(allowed)}"
                key_line = _key_line(self.text, line, key) if line else None
                if where == "top level":
                    key_line = next((n for n, text in enumerate(self.text.splitlines(), 1)
                                     if re.match(rf"^\s*\[*\s*{re.escape(key)}\s*[=\]]", text)), None)
                raise self.fail(where, f"unknown key '{key}'{hint}", key_line or line)

    def string(self, value: Any, where: str, line: int | None) -> str:
        if isinstance(value, str):
            value = clean(value)  # control characters and bidi controls never pass (harvest.sanitize)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected a non-empty string, got {value!r}", line)
        return value.strip()

    def url(self, value: Any, where: str, line: int | None) -> str:
        text = self.string(value, where, line)
        if not _URL.match(text):
            raise self.fail(where, f"{text!r} is not an http(s) URL", line)
        bad = sorted(set(re.findall(r"[{}|\\^\[\]]", text)))
        if bad:
            raise self.fail(where, f"{text!r} holds {' '.join(bad)}, which a URL may not; percent-encode them "
                                   f"(e.g. %7B for {{, %7D for }})", line)
        return text


def _ids(check: _Checker, kind: str, value: Any, where: str, line: int | None) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise check.fail(where, "an empty list; give at least one ID, or remove the key", line)
    normalize = {"arxiv": normalize_arxiv, "openreview": normalize_openreview, "doi": normalize_doi,
                 "s2": normalize_s2, "pii": normalize_pii}[kind]
    out: list[str] = []
    for item in values:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            if kind == "arxiv":
                raise check.fail(where, f"{item!r} is a number; quote arXiv IDs as written on arXiv, e.g. "
                                        "arxiv = \"2005.05650\": as a number TOML drops trailing zeros "
                                        f"(this one may have lost digits: it reads {item!r})", line)
            raise check.fail(where, f"{item!r} is a number; quote the ID as a string", line)
        if not isinstance(item, str):
            raise check.fail(where, f"expected a string or a list of strings, got {item!r}", line)
        try:
            canonical = normalize(item)
        except IdError as exc:
            raise check.fail(where, str(exc), line) from None
        if canonical in out:
            check.warnings.append(f"{check.path}:{line}: {where}: {item!r} repeats an ID of the same paper; "
                                  "listed once")
            continue
        out.append(canonical)
    return tuple(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _entry(check: _Checker, raw: Any, index: int, line: int | None) -> Entry:
    where = f"paper #{index + 1}"
    if not isinstance(raw, dict):
        raise check.fail(where, "expected a [[paper]] table", line)
    check.unknown_keys(raw, _PAPER_KEYS, where, line)

    def kline(key: str) -> int | None:
        return _key_line(check.text, line, key) or line

    values: dict[str, Any] = {}
    for kind in _ID_KEYS:
        if kind in raw:
            values[kind] = _ids(check, kind, raw[kind], f"{where}, key '{kind}'", kline(kind))
    for key in ("title", "venue", "award"):
        if key in raw:
            values[key] = check.string(raw[key], f"{where}, key '{key}'", kline(key))
    if "authors" in raw:
        authors = raw["authors"]
        if not isinstance(authors, list) or not authors or not all(isinstance(a, str) and a.strip() for a in authors):
            raise check.fail(f"{where}, key 'authors'", "expected a list of names, e.g. authors = [\"Ada Lovelace\"]",
                             kline("authors"))
        values["authors"] = tuple(clean(a).strip() for a in authors)
    if "year" in raw:
        year = raw["year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100:
            raise check.fail(f"{where}, key 'year'", f"expected a year such as 2024, got {year!r}", kline("year"))
        values["year"] = year
    if "section" in raw:
        section = check.string(raw["section"], f"{where}, key 'section'", kline("section")).lower()
        if section not in SECTIONS:
            raise check.fail(f"{where}, key 'section'", f"{raw['section']!r} is not one of {', '.join(SECTIONS)}",
                             kline("section"))
        values["section"] = section
    for key in ("code", "link"):
        if key in raw:
            values[key] = check.url(raw[key], f"{where}, key '{key}'", kline(key))
    if "links" in raw:
        links = raw["links"]
        if not isinstance(links, dict):
            raise check.fail(f"{where}, key 'links'", "expected a table of label = URL, "
                                                      "e.g. links = { slides = \"https://...\" }", kline("links"))
        if any(not str(label).strip() or "]" in str(label) for label in links):
            raise check.fail(f"{where}, key 'links'", "a link needs a label of its own (no empty label, no ']'), "
                                                      "e.g. links = { slides = \"https://...\" }", kline("links"))
        values["links"] = tuple((clean(str(label)).strip(), check.url(url, f"{where}, links.{label}", kline("links")))
                                for label, url in links.items())
    if "labels" in raw:
        labels = raw["labels"]
        if not isinstance(labels, dict) or not all(k in _LINK_KINDS and isinstance(v, str) and v.strip()
                                                   and "]" not in v and "\n" not in v for k, v in labels.items()):
            raise check.fail(f"{where}, key 'labels'", "expected a table of link kind = label, the kinds being "
                                                       f"{', '.join(_LINK_KINDS)}, e.g. labels = {{ arxiv = \"arXiv\" }}",
                             kline("labels"))
        values["labels"] = {k: clean(v).strip() for k, v in labels.items()}
    if "selected" in raw:
        if not isinstance(raw["selected"], bool):
            raise check.fail(f"{where}, key 'selected'", f"expected true or false, got {raw['selected']!r}",
                             kline("selected"))
        values["selected"] = raw["selected"]
    if not any(values.get(kind) for kind in _ID_KEYS) and not values.get("title"):
        raise check.fail(where, "a paper needs an ID (arxiv, openreview, doi, s2 or pii) or, for a paper no API "
                                "knows, a title, authors, venue and year", line)
    if "key" in raw:
        key = check.string(raw["key"], f"{where}, key 'key'", kline("key"))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,99}", key):
            raise check.fail(f"{where}, key 'key'", f"{key!r} must be letters, digits, '.', '_' or '-' "
                                                    "(at most 100), e.g. key = \"ide-neurips2021\"", kline("key"))
    else:
        first = next(((kind, values[kind][0]) for kind in _ID_KEYS if values.get(kind)), None)
        key = f"{first[0]}-{_slug(first[1])}" if first else _slug(values["title"])
    return Entry(key=key, index=index, line=line, **values)


_MAILTO = re.compile(r"[^@\s()<>;\x00-\x1f\x7f]+@[^@\s()<>;\x00-\x1f\x7f]+\.[^@\s()<>;\x00-\x1f\x7f]+")

# Upper bounds of numeric source settings: what each API takes in one request, and sane waits.
_LIMITS = {("s2", "batch_size"): 500, ("arxiv", "batch_size"): 2000, ("openreview", "batch_size"): 1000,
           ("crossref", "batch_size"): 100,
           ("*", "max_tries"): 20, ("*", "timeout_s"): 600, ("*", "delay_s"): 600, ("*", "max_wait_s"): 3600,
           ("*", "backoff_s"): 600}


def _sources(check: _Checker, raw: Any) -> SourceSettings:
    if raw is None:
        return SourceSettings()
    if not isinstance(raw, dict):
        raise check.fail("sources", "expected tables [sources.arxiv], [sources.openreview], [sources.s2], "
                                    "[sources.crossref]")
    classes = {"arxiv": ArxivSettings, "openreview": OpenReviewSettings, "s2": S2Settings,
               "crossref": CrossrefSettings}
    check.unknown_keys(raw, tuple(classes), "sources")
    built = {}
    for name, cls in classes.items():
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise check.fail(f"sources.{name}", "expected a table")
        allowed = tuple(f.name for f in fields(cls))
        check.unknown_keys(table, allowed, f"sources.{name}")
        defaults = cls()
        header = _table_line(check.text, f"sources.{name}")
        for key, value in table.items():
            line = _key_line(check.text, header, key) or header
            expected = type(getattr(defaults, key))
            ok = isinstance(value, expected) or (expected is float and isinstance(value, int))
            if not ok or isinstance(value, bool) != (expected is bool):
                want = {bool: "true or false", str: "a string", int: "a whole number", float: "a number"}[expected]
                raise check.fail(f"sources.{name}.{key}", f"expected {want} (default {getattr(defaults, key)!r}), "
                                                          f"got {value!r}", line)
            if expected in (int, float):
                low = 0 if key in ("delay_s", "max_wait_s", "backoff_s") else None
                limit = _LIMITS.get((name, key), _LIMITS.get(("*", key)))
                if not math.isfinite(value) or (value < 0 if low == 0 else value <= 0) or (limit and value > limit):
                    bound = f"at most {limit:g}" if limit else "a finite number"
                    raise check.fail(f"sources.{name}.{key}", f"expected a {'' if low == 0 else 'positive '}number, "
                                                              f"{bound}, got {value!r}", line)
        if table.get("mailto") and not _MAILTO.fullmatch(table["mailto"]):
            raise check.fail(f"sources.{name}.mailto", f"{table['mailto']!r} is not an e-mail address; Crossref's "
                                                       "polite pool wants one it can write to, e.g. you@example.org",
                             _key_line(check.text, header, "mailto") or header)
        for key, value in table.items():
            if key.endswith("_url") and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
                raise check.fail(f"sources.{name}.{key}", f"{value!r} is not an http(s) URL such as "
                                                          f"{getattr(defaults, key)!r}",
                                 _key_line(check.text, header, key) or header)
        built[name] = cls(**table)
    return SourceSettings(**built)


def load(path: str | Path) -> Config:
    """Read and check a config file.

    Raises:
        ConfigError: the file is missing, is not TOML, or breaks a rule; the message names the
            file, the line where known, the key, and what is expected.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Windows editors) is fine
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; create one (see README, 'Configuration')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return loads(text, path)


def load_sources(path: str | Path) -> dict:
    """The ``[sources.*]`` tables of the TOML file ``path`` (a config, or a file of those tables
    only), checked as a config's would be.

    Raises ConfigError naming ``path``, the line and the key when the file or a table is wrong.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tables = raw.get("sources")
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: no [sources.arxiv], [sources.openreview], [sources.s2] or [sources.crossref] "
                          "tables in it")
    _sources(_Checker(path, text), tables)
    return tables


def require_inside(config: Config, root: str | Path) -> None:
    """Check that every file a run writes lies inside ``root`` (the repository a scheduled job
    commits to): the output folder (``[output] dir``), the homepage (``[output] homepage``) and the
    ``[formats]`` files and folders.
    Symbolic links are followed, so a link out of the repository counts as outside.

    Raises ConfigError naming the config file, the key's line and the path when one is outside.
    """
    root = Path(root).resolve()
    try:
        text = config.path.read_text(encoding="utf-8-sig")
    except OSError:
        text = ""
    check = _Checker(config.path, text)
    table = _table_line(text, "output")
    targets = [("output.dir", "dir", config.output.dir)]
    if config.output.homepage:
        targets.append(("output.homepage", "homepage", config.output.homepage))
    lines = {"output.dir": _key_line(text, table, "dir") or table,
             "output.homepage": _key_line(text, table, "homepage") or table}
    if config.discover.add and config.path is not None:  # the job commits the papers it adds
        targets.append(("discover.add", "add", config.path))
        lines["discover.add"] = _key_line(text, _table_line(text, "discover"), "add") or _table_line(text, "discover")
    formats_table = _table_line(text, "formats")
    for name, target in config.formats.paths():
        targets.append((f"formats.{name}", name, target))
        lines[f"formats.{name}"] = _key_line(text, formats_table, name) or formats_table
    for where, key, target in targets:
        resolved = target.resolve()
        if resolved != root and root not in resolved.parents:
            raise check.fail(where, f"{target} is outside the repository {root}, so the job cannot commit it; "
                                    "point it at a file inside the repository", lines[where])


def loads(text: str, path: str | Path) -> Config:
    """Check config text as if it were the file ``path`` (relative paths resolve from its folder).

    Raises ConfigError as :func:`load` does.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    check = _Checker(path, text)
    check.unknown_keys(raw, _TOP_KEYS, "top level")

    owner_raw = raw.get("owner")
    def at(table: str, key: str | None = None) -> int | None:
        header = _table_line(text, table)
        return (_key_line(text, header, key) if key else None) or header

    if owner_raw is None:
        raise check.fail("owner", "missing; add\n[owner]\nname = \"Your Name\"\nvariants = [\"Y. Name\"]")
    owner_tables = owner_raw if isinstance(owner_raw, list) else [owner_raw]
    if not owner_tables or not all(isinstance(t, dict) for t in owner_tables):
        raise check.fail("owner", f"expected a table [owner] with name = \"Your Name\" (or, for a lab, one [[owner]] "
                                  f"table per member), got {owner_raw!r}", _key_line(text, 0, "owner"))
    headers = _index(text).headers.get("owner") or [None]
    owners = tuple(_owner(check, table, "owner" if len(owner_tables) == 1 else f"owner #{n}",
                          headers[n - 1] if n - 1 < len(headers) else headers[-1])
                   for n, table in enumerate(owner_tables, 1))
    seen_names: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for n, member in enumerate(owners, 1):
        header = headers[min(n, len(headers)) - 1]
        if member.name.casefold() in seen_names:
            raise check.fail(f"owner #{n}", f"{member.name!r} is owner #{seen_names[member.name.casefold()]} too; list "
                                            "each member once", header)
        seen_names[member.name.casefold()] = n
        for ident in filter(None, (member.s2_author_id, member.openreview_id)):
            if ident in seen_ids:
                raise check.fail(f"owner #{n}", f"{ident} is owner #{seen_ids[ident]}'s too; each member's IDs are "
                                                "their own", header)
            seen_ids[ident] = n
    for n, member in enumerate(owners, 1):
        for variant in member.variants:
            other = seen_names.get(variant.casefold())
            if other is not None and other != n:
                raise check.fail(f"owner #{n}.variants", f"{variant!r} is owner #{other}'s name; a variant names "
                                                         "only this member", headers[min(n, len(headers)) - 1])
    owner = owners[0]

    out_raw = raw.get("output", {})
    if not isinstance(out_raw, dict):
        raise check.fail("output", "expected a table [output]", _key_line(text, 0, "output"))
    check.unknown_keys(out_raw, _OUTPUT_KEYS, "output")
    base = path.parent
    out_dir = base / check.string(out_raw.get("dir", "output"), "output.dir", at("output", "dir"))
    for parent in (out_dir, *out_dir.parents):
        if parent.exists():
            if not parent.is_dir():
                raise check.fail("output.dir", f"{out_dir} cannot be the output folder: {parent} is a file; choose "
                                               "another folder", at("output", "dir"))
            break
    homepage = None
    if "homepage" in out_raw:
        line = at("output", "homepage")
        homepage = base / check.string(out_raw["homepage"], "output.homepage", line)
        if homepage.is_dir():
            raise check.fail("output.homepage", f"{homepage} is a folder; name the page itself, e.g. _pages/about.md",
                             line)
        if not homepage.is_file():
            raise check.fail("output.homepage", f"{homepage} does not exist; fix the path or remove the key", line)
    csv_bom = out_raw.get("csv_bom", False)
    if not isinstance(csv_bom, bool):
        raise check.fail("output.csv_bom", f"expected true or false, got {csv_bom!r}", at("output", "csv_bom"))
    for key in ("start_marker", "end_marker"):
        if isinstance(out_raw.get(key), str) and ("\n" in out_raw[key] or "\r" in out_raw[key]):
            raise check.fail(f"output.{key}", "a marker is one line; remove the line break", at("output", key))
    markers = {k: check.string(out_raw[k], f"output.{k}", at("output", k)) for k in ("start_marker", "end_marker")
               if k in out_raw}
    for key, marker in markers.items():
        if not re.fullmatch(r"<!--.*-->", marker):
            raise check.fail(f"output.{key}", f"{marker!r} is not an HTML comment such as \"<!-- pubharvest:start -->\"; "
                                              "a marker must be invisible on the page and unlike any content",
                             at("output", key))
    output = OutputConfig(dir=out_dir, homepage=homepage, csv_bom=csv_bom, **markers)
    if output.start_marker == output.end_marker:
        raise check.fail("output.end_marker", "must differ from start_marker", at("output", "end_marker"))

    papers_raw = raw.get("paper", [])
    if not isinstance(papers_raw, list):
        raise check.fail("paper", "expected [[paper]] tables")
    lines = _paper_lines(text)
    papers: list[Entry] = []
    seen_ids: dict[str, Entry] = {}
    seen_keys: dict[str, Entry] = {}
    for index, item in enumerate(papers_raw):
        line = lines[index] if index < len(lines) else None
        entry = _entry(check, item, index, line)
        for ident in sorted(entry.identifiers()):
            if ident in seen_ids:
                other = seen_ids[ident]
                raise check.fail(f"paper #{index + 1}", f"{ident} is listed by paper #{other.index + 1} "
                                                        f"(line {other.line}) too; merge the two entries", line)
            seen_ids[ident] = entry
        if entry.key.casefold() in seen_keys:
            other = seen_keys[entry.key.casefold()]
            raise check.fail(f"paper #{index + 1}", f"key {entry.key!r} is used by paper #{other.index + 1} "
                                                    + (f"(as {other.key!r}: keys differ only in case, which BibTeX and "
                                                       "some file systems ignore) " if other.key != entry.key else "")
                                                    + "too; give one of them another key", line)
        seen_keys[entry.key.casefold()] = entry
        papers.append(entry)
    run_raw = raw.get("run", {})
    if not isinstance(run_raw, dict):
        raise check.fail("run", "expected a table [run]", _key_line(text, 0, "run"))
    check.unknown_keys(run_raw, _RUN_KEYS, "run")
    deadline = run_raw.get("deadline_s", 120.0)
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not math.isfinite(deadline) \
            or not 0 < deadline <= 604800:
        raise check.fail("run.deadline_s", f"expected a number of seconds above 0 and at most 604800 (a week), "
                                           f"got {deadline!r}", at("run", "deadline_s"))
    max_age = run_raw.get("max_age_h", 72.0)
    if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or not math.isfinite(max_age) \
            or not 0 <= max_age <= 24 * 366:
        raise check.fail("run.max_age_h", f"expected a number of hours from 0 to 8784 (a year), got {max_age!r}",
                         at("run", "max_age_h"))
    config = Config(path=path, owner=owner, owners=owners, output=output, discover=_discover(check, raw.get("discover", {})), sources=_sources(check, raw.get("sources")),
                    papers=tuple(papers), warnings=tuple(check.warnings), deadline_s=float(deadline),
                    max_age_h=float(max_age),
                    venues=_venues(check, raw.get("venue", [])),
                    venue_names=_venue_names(check, raw.get("venue_names", {}), _venues(check, raw.get("venue", []))),
                    formats=_formats(check, raw.get("formats", {}), base, output),
                    **_sections(check, raw.get("sections", {})))
    if not papers:
        raise check.fail("paper", "no [[paper]] listed; add one per paper (see README, 'Configuration'). "
                                  "A run with none would empty the publication list")
    return config


def _discover(check: _Checker, raw: Any) -> Discover:
    if not isinstance(raw, dict):
        raise check.fail("discover", "expected a table [discover]", _table_line(check.text, "discover"))
    check.unknown_keys(raw, ("add", "arxiv", "arxiv_max_results", "ignore"), "discover",
                       _table_line(check.text, "discover"))
    where = _table_line(check.text, "discover")
    ignore: list[str] = []
    values = raw.get("ignore", [])
    line = _key_line(check.text, where, "ignore")
    if not isinstance(values, list):
        raise check.fail("discover.ignore", "expected a list such as ignore = [\"arxiv:2405.10001\", "
                                            "\"doi:10.1234/x\"]", line)
    for value in values:
        kind, _, ident = str(value).partition(":") if isinstance(value, str) else ("", "", "")
        if kind not in ("arxiv", "doi", "openreview", "s2") or not ident.strip():
            raise check.fail("discover.ignore", f"{value!r} is not a namespaced ID; write \"arxiv:<id>\", "
                                                "\"doi:<doi>\", \"openreview:<forum>\" or \"s2:<paperId>\"", line)
        ignore += [f"{kind}:{i}" for i in _ids(check, kind, ident.strip(), "discover.ignore", line)]
    for key in ("add", "arxiv"):
        if key in raw and not isinstance(raw[key], bool):
            raise check.fail(f"discover.{key}", f"expected true or false, got {raw[key]!r}",
                             _key_line(check.text, where, key))
    most = raw.get("arxiv_max_results", 100)
    if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= 2000:
        raise check.fail("discover.arxiv_max_results", f"expected a whole number from 1 to 2000, got {most!r}",
                         _key_line(check.text, where, "arxiv_max_results"))
    return Discover(add=raw.get("add", False), arxiv=raw.get("arxiv", True), arxiv_max_results=most,
                    ignore=tuple(dict.fromkeys(ignore)))


def _formats(check: _Checker, raw: Any, base: Path, output: OutputConfig) -> Formats:
    if not isinstance(raw, dict):
        raise check.fail("formats", "expected a table [formats]", _table_line(check.text, "formats"))
    where = _table_line(check.text, "formats")
    check.unknown_keys(raw, _FORMAT_KEYS, "formats", where)
    values: dict[str, Any] = {}
    def real(path: Path) -> Path:  # absolute, symbolic links followed: two names of one file are one path
        return Path(os.path.realpath(path))

    taken = {real(output.dir / name): "[output] dir"
             for name in ("publications.md", "publications.csv", "publications.json", "harvest.json", "owned.json",
                          "discovered.json")}
    taken[real(check.path)] = "the config file itself"
    if output.homepage:
        taken[real(output.homepage)] = "[output] homepage"
    for name, what in FORMAT_PATHS.items():
        if name not in raw:
            continue
        line = _key_line(check.text, where, name)
        target = Path(os.path.normpath(os.path.abspath(base / check.string(raw[name], f"formats.{name}", line))))
        folder = name in ("academicpages", "hugo")
        if folder and target.exists() and not target.is_dir():
            raise check.fail(f"formats.{name}", f"{target} is a file; {name} names a folder ({what})", line)
        if not folder and target.is_dir():
            raise check.fail(f"formats.{name}", f"{target} is a folder; name the file itself ({what})", line)
        key = real(target)
        if key in taken or any(key == p or key in p.parents or p in key.parents for p in taken if folder):
            what_else = taken.get(key, "another output")
            raise check.fail(f"formats.{name}", (f"{target} is the config file itself" if what_else.startswith("the config")
                                                 else f"{target} is also written by {what_else}")
                             + "; give each output its own path", line)
        taken[key] = f"formats.{name}"
        values[name] = target
    if "hugo_author" in raw:
        slug = raw["hugo_author"]
        if slug is not False and not (isinstance(slug, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", slug)):
            raise check.fail("formats.hugo_author", f"expected an author slug such as \"me\" (the folder name under "
                                                    f"content/authors/), or false for the owner's name, got {slug!r}",
                             _key_line(check.text, where, "hugo_author"))
        values["hugo_author"] = slug or None
    return Formats(**values)


#: The owner's identities: the form each takes (a bare ID or its page's URL) and what to write instead.
_OWNER_IDS = {
    "s2_author_id": (re.compile(r"(?:https?://(?:www\.)?semanticscholar\.org/author/(?:[^/]+/)?)?(\d{1,12})/?"),
                     "the digits of a Semantic Scholar authorId (the number in semanticscholar.org/author/<name>/<id>)"),
    "openreview_id": (re.compile(r"(?:https?://openreview\.net/profile\?id=)?(~[^\W\d_][\w.\-]*\d+)"),
                      "an OpenReview profile ID such as \"~Mingqing_Xiao1\" (openreview.net/profile?id=...)"),
}


def _owner(check: _Checker, raw: dict, where: str, header: int | None) -> Owner:
    def at(key: str) -> int | None:
        return _key_line(check.text, header, key) or header

    if "name" not in raw:
        raise check.fail(f"{where}.name", f"missing; add name = \"Your Name\" under [{where.split(' ')[0]}]", header)
    check.unknown_keys(raw, _OWNER_KEYS, where, header)
    variants = raw.get("variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
        raise check.fail(f"{where}.variants", "expected a list of names, e.g. variants = [\"M. Xiao\"]", at("variants"))
    ids: dict[str, str] = {}
    for key, (pattern, expected) in _OWNER_IDS.items():
        if key not in raw:
            continue
        value = raw[key]
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        match = pattern.fullmatch(text)
        if not match:
            raise check.fail(f"{where}.{key}", f"expected {expected}, got {value!r}", at(key))
        ids[key] = match.group(1)
    return Owner(name=check.string(raw["name"], f"{where}.name", at("name")),
                 variants=tuple(clean(v).strip() for v in variants), **ids)


def _venues(check: _Checker, rows: Any) -> tuple[dict, ...]:
    if not isinstance(rows, list):
        raise check.fail("venue", "expected [[venue]] tables")
    out = []
    for n, row in enumerate(rows, 1):
        where = f"venue #{n}"
        if not isinstance(row, dict):
            raise check.fail(where, "expected a [[venue]] table")
        check.unknown_keys(row, _VENUE_KEYS, where)
        name = check.string(row.get("name"), f"{where}, key 'name'", None)
        kind = row.get("kind", "conference")
        if kind not in VENUE_KINDS:
            raise check.fail(f"{where}, key 'kind'", f"{kind!r} is not one of {', '.join(VENUE_KINDS)}")
        for key in ("aliases", "openreview", "dblp"):
            value = row.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise check.fail(f"{where}, key '{key}'", "expected a list of strings")
        abbr = row.get("abbr", "")
        if not isinstance(abbr, str):
            raise check.fail(f"{where}, key 'abbr'", f"expected a string, got {abbr!r}")
        out.append({**row, "name": name, "kind": kind, "abbr": abbr.strip()})
    return tuple(out)


def _venue_names(check: _Checker, raw: Any, venues: tuple[dict, ...] = ()) -> dict[str, str]:
    line = _table_line(check.text, "venue_names")
    if not isinstance(raw, dict):
        raise check.fail("venue_names", "expected a table [venue_names] of venue = \"your name for it\"", line)
    out = {}
    known = None
    for key, value in raw.items():
        where = f"venue_names.{key}"
        out[str(key)] = check.string(value, where, _key_line(check.text, line, key) or line)
        if known is None:
            from .venues import default_table
            known = default_table(venues)
        if known.by_abbr(str(key)) is None and known.by_name(str(key)) is None:
            check.warnings.append(f"{check.path}:{_key_line(check.text, line, key) or line}: {where}: no venue of the "
                                  f"table has the abbreviation or name {key!r}; the name is used only for a venue "
                                  "that a source names so")
    return out


def _sections(check: _Checker, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise check.fail("sections", "expected a table [sections]")
    check.unknown_keys(raw, _SECTION_KEYS, "sections")
    order = raw.get("order", list(SECTIONS))
    if (not isinstance(order, list) or not all(isinstance(o, str) for o in order)
            or len(set(order)) != len(order) or not set(order) <= set(SECTIONS)):
        raise check.fail("sections.order", f"expected sections from {list(SECTIONS)} in the order you want, each "
                                           f"once (those left out follow in that order), got {order!r}",
                         _key_line(check.text, _table_line(check.text, "sections"), "order"))
    order = [*order, *(name for name in SECTIONS if name not in order)]
    titles = dict(DEFAULT_SECTION_TITLES)
    for name in SECTIONS:
        if name in raw:
            titles[name] = check.string(raw[name], f"sections.{name}",
                                        _key_line(check.text, _table_line(check.text, "sections"), name))
    undecided = raw.get("undecided", "journal")
    if undecided not in ("conference", "journal", "book"):
        raise check.fail("sections.undecided", f"expected \"conference\", \"journal\" or \"book\" (where a paper "
                                               f"goes when nothing says its venue's kind), got {undecided!r}",
                         _key_line(check.text, _table_line(check.text, "sections"), "undecided"))
    where = _table_line(check.text, "sections")
    group = raw.get("group", "kind")
    if group not in ("kind", "year", "none", "member"):
        raise check.fail("sections.group", f"expected \"kind\", \"year\", \"member\" (a lab's [[owner]] tables) or "
                                           f"\"none\", got {group!r}",
                         _key_line(check.text, where, "group"))
    bullet = raw.get("list", "numbered")
    if bullet not in ("numbered", "-", "*", "+"):
        raise check.fail("sections.list", f"expected \"numbered\", \"-\", \"*\" or \"+\", got {bullet!r}",
                         _key_line(check.text, where, "list"))
    heading = raw.get("heading", "###")
    if not (isinstance(heading, str) and (heading == "bold" or re.fullmatch(r"#{1,6}", heading))):
        raise check.fail("sections.heading", f"expected \"#\" to \"######\" or \"bold\", got {heading!r}",
                         _key_line(check.text, where, "heading"))
    return {"section_order": tuple(order), "section_titles": titles, "undecided_section": undecided,
            "section_group": group, "section_bullet": "" if bullet == "numbered" else bullet,
            "section_heading": heading}
