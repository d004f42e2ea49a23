"""BibTeX for LaTeX CVs and al-folio (``_bibliography/papers.bib``, read by jekyll-scholar), merged into
the owner's own file.

Entry types by venue kind: ``@inproceedings`` (conference, workshop), ``@article`` (journal),
``@incollection`` (book), ``@phdthesis`` (thesis), ``@misc`` (a preprint, with ``eprint`` and
``archivePrefix = {arXiv}``). The key is the config ``key``. Besides the standard fields the entry
carries al-folio's: ``abbr`` (the venue badge), ``award`` and ``award_name``, ``selected``, ``arxiv``,
``code``, ``html`` (the publisher's page). Authors are plain ``Family, Given`` names: al-folio bolds the
owner itself, from ``scholar.last_name``/``first_name`` in its ``_config.yml``.

Text values are LaTeX-safe: the ten LaTeX specials are escaped (``\\&``, ``\\%``, ``\\_``, ...), words whose
case a style must keep are braced (``{BERT}``, ``{ImageNet}``), non-ASCII letters stay UTF-8 (LaTeX,
biber, pybtex and jekyll-scholar read it). URLs are written as URLs (percent-encoded where a
character may not stand in one), since ``url`` is read verbatim. The escaping is a table of ten characters rather than
pylatexenc's encoder, which also spells every non-ASCII letter as a macro that al-folio then shows raw.

**Merging.** An existing file is parsed with bibtexparser (v2) and written back by splicing: every
block the tool did not write (entries, ``@string``, comments, text it cannot parse) keeps its bytes,
and so does every field of a tool-written entry that the tool does not own (``preview``,
``abstract``, ``bibtex_show``, ``pdf``, an ``annotation`` ...). The tool's entries are the keys recorded
in ``owned.json``; an owner's entry with a config key is left alone and reported.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from ..merge import Publication
from .common import kind, split_name, venue_name
from .markdown import safe_url

__all__ = ["OWNED_FIELDS", "entry_type", "latex", "render_entry", "render", "merge", "BibMerge"]

#: The fields the tool writes and owns in its entries; every other field of an entry is the owner's.
OWNED_FIELDS = ("title", "author", "booktitle", "journal", "school", "howpublished", "year", "doi", "url",
                "eprint", "archiveprefix", "abbr", "award", "award_name", "selected", "arxiv", "code", "html")
_TYPES = {"conference": "inproceedings", "workshop": "inproceedings", "journal": "article", "book": "incollection",
          "thesis": "phdthesis", "preprint": "misc"}
_VENUE_FIELD = {"inproceedings": "booktitle", "incollection": "booktitle", "article": "journal", "phdthesis": "school"}
_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_DASHES = re.compile(r"-{2,}")
# A word a style would lowercase but must not: a capital after its first letter (BERT, ImageNet, SNNs, 3D-CNN).
_KEEP_CASE = re.compile(r"(?<![\w{])(\w*[A-Z]\w*[A-Z]\w*|\w+[A-Z]\w*|\d\w*[A-Z]\w*)(?![\w}])")

logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # it logs every block it cannot parse


def latex(text: str, *, protect_case: bool = False) -> str:
    """``text`` as a LaTeX-safe BibTeX value (without the enclosing braces): the ten specials escaped,
    runs of hyphens kept hyphens (``-{}-``, not LaTeX's en and em dashes);
    with ``protect_case``, words holding a capital after their first letter braced."""
    escaped = _SPECIAL.sub(lambda m: _SPECIALS[m.group()], text)
    escaped = _DASHES.sub(lambda m: "-{}" * (len(m.group()) - 1) + "-", escaped)  # not an en or em dash
    return _KEEP_CASE.sub(r"{\1}", escaped) if protect_case else escaped


def entry_type(pub: Publication) -> str:
    """The BibTeX entry type of ``pub`` by its venue kind (see the module docstring)."""
    return _TYPES[kind(pub)]


def _name(author: str) -> str:
    given, family, suffix = split_name(author)
    if not given:
        return "{" + latex(family) + "}"  # a one-word name: kept whole, never read as "von Last"
    parts = [latex(family)] + ([latex(suffix)] if suffix else []) + [latex(given)]
    return ", ".join(parts)


def fields(pub: Publication) -> list[tuple[str, str]]:
    """The owned fields of ``pub``'s entry as (name, value without braces), in writing order."""
    kind_type = entry_type(pub)
    out = [("title", latex(pub.title, protect_case=True))]
    if pub.authors:
        out.append(("author", " and ".join(_name(a) for a in pub.authors)))
    venue = venue_name(pub)
    if kind_type in _VENUE_FIELD and venue:
        out.append((_VENUE_FIELD[kind_type], latex(venue)))
    elif kind_type == "misc" and pub.arxiv_id:
        out.append(("howpublished", latex(f"arXiv preprint arXiv:{pub.arxiv_id}")))
    if pub.year:
        out.append(("year", str(pub.year)))
    if pub.doi:
        out.append(("doi", _verbatim(pub.doi)))
    link = pub.link_of("link")
    url = link or pub.link_of("openreview") or pub.link_of("arxiv")
    if url:
        out.append(("url", safe_url(url)))
    if pub.arxiv_id:
        out += [("eprint", pub.arxiv_id), ("archivePrefix", "arXiv")]
    if pub.venue and pub.venue.abbr:
        out.append(("abbr", latex(pub.venue.abbr)))
    if pub.award:
        out += [("award", latex(pub.award)), ("award_name", latex(pub.award))]
    if pub.selected:
        out.append(("selected", "true"))
    if pub.arxiv_id:
        out.append(("arxiv", pub.arxiv_id))
    if pub.link_of("code"):
        out.append(("code", safe_url(pub.link_of("code"))))
    if link:
        out.append(("html", safe_url(link)))
    return out


def _verbatim(text: str) -> str:
    """A DOI as a value that LaTeX's url handling reads as written: the characters that would end or
    nest a BibTeX value, or start a macro, percent-encoded (a DOI resolver reads them so too)."""
    return re.sub(r"[{}\\%]", lambda m: f"%{ord(m.group()):02X}", text)


def render_entry(pub: Publication, extra: Iterable[tuple[str, str]] = ()) -> str:
    """``pub`` as one BibTeX entry (bibtexparser's writer, two-space indent), followed by ``extra``
    fields (name, raw value with its own braces or quotes: the owner's fields, kept byte for byte)."""
    import bibtexparser
    from bibtexparser import model

    entry = model.Entry(entry_type(pub), pub.key, [model.Field(name, "{" + value + "}") for name, value in fields(pub)]
                        + [model.Field(name, raw) for name, raw in extra])
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    return bibtexparser.write_string(bibtexparser.Library([entry]), unparse_stack=[], bibtex_format=fmt).strip() + "\n"


def render(publications: Iterable[Publication]) -> str:
    """A whole BibTeX file of ``publications`` (no existing file), one entry per paper, blank-line separated."""
    return "\n".join(render_entry(pub) for pub in publications)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class BibMerge:
    """The result of :func:`merge`.

    Attributes:
        text: the new file.
        owned: key -> fingerprint of the owned fields as written, for ``owned.json``.
        added, updated, removed: keys of the tool's entries written new, rewritten, taken out.
        warnings: what the owner should know (their entry with a config key left alone, a tool entry
            edited by hand, a removed paper's entry kept for the owner's fields).
    """

    text: str
    owned: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def merge(existing: str | None, publications: list[Publication], owned: dict[str, str], *, name: str) -> BibMerge:
    """Merge ``publications`` into ``existing`` (the file's text, None when there is none).

    ``owned``: the keys the tool wrote (from ``owned.json``) with the fingerprint of their owned
    fields; ``name``: the file's name for messages. Blocks of other keys, ``@string``/``@preamble``,
    comments and unparsable text are kept byte for byte, in place; in the tool's entries the fields
    outside :data:`OWNED_FIELDS` are kept with their bytes after the tool's fields. New entries are
    appended. An entry of a paper no longer in config is removed when it holds only owned fields, and
    otherwise left to the owner. Pure: no file is read or written.
    """
    import bibtexparser
    from bibtexparser import model

    by_key = {pub.key: pub for pub in publications}
    result = BibMerge(text="")
    if not existing:
        result.text = render(publications)
        result.owned = {pub.key: _fingerprint("".join(v for _, v in fields(pub))) for pub in publications}
        result.added = list(by_key)
        return result

    library = bibtexparser.parse_string(existing, parse_stack=[])
    starts = [0]
    for line in existing.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    pieces: list[str] = []
    at = 0
    seen: set[str] = set()
    for block in library.blocks:
        begin = existing.find(block.raw, starts[min(block.start_line, len(starts) - 1)])
        if begin < 0:  # cannot locate it: leave the text where it is
            continue
        end = begin + len(block.raw)
        key = block.key if isinstance(block, model.Entry) else None
        if key is None or key in seen or (key not in owned and key not in by_key):
            continue  # the owner's: its bytes stay in the untouched stretches
        seen.add(key)
        pieces.append(existing[at:begin])
        at = end
        hand = [(f.key, f.value) for f in block.fields if f.key.lower() not in OWNED_FIELDS]
        mine = [(f.key, f.value) for f in block.fields if f.key.lower() in OWNED_FIELDS]
        written = "".join(v[1:-1] if v[:1] == "{" and v[-1:] == "}" else v for _, v in mine)
        if key not in owned and key in by_key and _fingerprint(written) == _fingerprint(
                "".join(v for _, v in fields(by_key[key]))):
            owned = {**owned, key: _fingerprint(written)}  # the tool's entry, its record lost: the same fields
        if key not in owned:  # the owner's own entry for one of the config's papers
            pieces.append(block.raw)
            result.warnings.append(f"{name}: the entry {key} (line {block.start_line + 1}) is yours; pubharvest "
                                   "leaves it as it is and writes none for this paper. To let pubharvest keep it "
                                   "current, delete it (fields such as preview and abstract added to pubharvest's "
                                   "entry later are kept)")
            continue
        pub = by_key.get(key)
        if pub is None:
            if hand:
                pieces.append(block.raw)
                result.warnings.append(f"{name}: {key} is no longer in config; its entry (line {block.start_line + 1}) "
                                       f"holds your fields ({', '.join(k for k, _ in hand)}), so it stays, now as "
                                       "yours")
            else:
                result.removed.append(key)
                while existing[at:at + 1] in ("\n", "\r") and at < len(existing):
                    at += 1  # with the blank line after it
            continue
        if owned[key] != _fingerprint(written):
            result.warnings.append(f"{name}: {key} was edited by hand in fields pubharvest writes "
                                   f"({', '.join(k for k, _ in mine)}); this run writes them as the sources and config "
                                   "say. To keep an edit, put it in config.toml for this paper, or move it to a field "
                                   "pubharvest does not write (e.g. note)")
        entry = render_entry(pub, hand).rstrip("\n")
        if entry != block.raw:
            result.updated.append(key)
        pieces.append(entry)
        result.owned[key] = _fingerprint("".join(v for _, v in fields(pub)))
    pieces.append(existing[at:])
    text = "".join(pieces)
    new = [pub for pub in publications if pub.key not in seen]
    if new:
        text = text.rstrip("\n") + "\n\n" + render(new) if text.strip() else render(new)
        for pub in new:
            result.owned[pub.key] = _fingerprint("".join(v for _, v in fields(pub)))
            result.added.append(pub.key)
    result.text = text
    return result
