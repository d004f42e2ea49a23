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
# "{" and "}" as macros whose own braces balance: BibTeX counts braces even when escaped (\{), so an
# unbalanced brace in a title would end the value early or swallow the rest of the file.
_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
             "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_DASHES = re.compile(r"-{2,}")
# A word (letters and digits) a style would lowercase but must not: a capital after its first
# character (BERT, ImageNet, SNNs, 3D, Top_K). Matched on the text before escaping; the braced word
# is escaped inside its braces ({Top\_K}).
_WORD = re.compile(r"\w+")
_AND = re.compile(r"\band\b", re.I)

logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # it logs every block it cannot parse


def _escape(text: str) -> str:
    escaped = _SPECIAL.sub(lambda m: _SPECIALS[m.group()], text)
    return _DASHES.sub(lambda m: "-{}" * (len(m.group()) - 1) + "-", escaped)  # not an en or em dash


def _keeps_case(word: str) -> bool:
    return any(c.isupper() for c in word[1:])


def latex(text: str, *, protect_case: bool = False) -> str:
    """``text`` as a LaTeX-safe BibTeX value (without the enclosing braces): the ten specials escaped
    (braces as ``\textbraceleft{}``/``\textbraceright{}``, so every value's braces balance), runs of
    hyphens kept hyphens (``-{}-``, not LaTeX's en and em dashes); with ``protect_case``, words holding
    a capital after their first character braced (``{BERT}``)."""
    if not protect_case:
        return _escape(text)
    out, at = [], 0
    for match in _WORD.finditer(text):
        if _keeps_case(match.group()):
            out.append(_escape(text[at:match.start()]) + "{" + _escape(match.group()) + "}")
            at = match.end()
    return "".join(out) + _escape(text[at:])


def entry_type(pub: Publication) -> str:
    """The BibTeX entry type of ``pub`` by its venue kind (see the module docstring)."""
    return _TYPES[kind(pub)]


def _name(author: str) -> str:
    given, family, suffix = split_name(author)
    if not given or _AND.search(author):  # a one-word name, or one BibTeX would split at its "and"
        return "{" + latex(" ".join(author.split())) + "}"  # kept whole, never read as "von Last" or two people
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
        notes: news (an entry carried over to a paper's renamed key).
    """

    text: str
    owned: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _title_key(value: str) -> str:
    """A BibTeX title folded for matching: LaTeX macros, braces and punctuation dropped, lower case."""
    text = re.sub(r"\\[A-Za-z]+|\\.", " ", value)
    return "".join(re.findall(r"[^\W_]+", text.casefold()))


_FAILED_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")


def merge(existing: str | None, publications: list[Publication], owned: dict[str, str], *, name: str) -> BibMerge:
    """Merge ``publications`` into ``existing`` (the file's text, None when there is none).

    ``owned``: the keys the tool wrote (from ``owned.json``) with the fingerprint of their owned
    fields; ``name``: the file's name for messages. Blocks of other keys, ``@string``/``@preamble``,
    comments and unparsable text are kept byte for byte, in place; in the tool's entries the fields
    outside :data:`OWNED_FIELDS` are kept with their bytes after the tool's fields. New entries are
    appended, with the file's own line ends. No entry is written for a paper the owner already has
    an entry for: the same key (BibTeX keys ignore case), the same title, or an entry of that key the
    parser cannot read. An entry of a paper no longer in config is removed when it holds only owned
    fields, and otherwise left to the owner. Pure: no file is read or written.

    Raises ValueError when ``existing`` holds text but no BibTeX block at all (not a BibTeX file).
    """
    import bibtexparser
    from bibtexparser import model

    by_key = {pub.key.casefold(): pub for pub in publications}
    owned = {k.casefold(): v for k, v in owned.items()}
    result = BibMerge(text="")
    if not existing or not existing.strip():
        result.text = render(publications)
        result.owned = {pub.key: _fingerprint("".join(v for _, v in fields(pub))) for pub in publications}
        result.added = [pub.key for pub in publications]
        return result

    eol = "\r\n" if "\r\n" in existing else "\n"
    library = bibtexparser.parse_string(existing, parse_stack=[])
    if not any(isinstance(b, (model.Entry, model.String, model.Preamble)) for b in library.blocks) \
            and "@" not in existing:
        raise ValueError(f"{name} holds no BibTeX entry; it does not look like a BibTeX file, so pubharvest does not "
                         "write into it. Point [formats] bibtex at a .bib file")
    titles = {_title_key(pub.title): pub for pub in publications}
    in_file = {b.key.casefold() for b in library.blocks if isinstance(b, model.Entry)}
    starts = [0]
    for line in existing.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    pieces: list[str] = []
    at = 0
    seen: set[str] = set()
    for block in library.blocks:
        line_no = block.start_line + 1
        if isinstance(block, model.ParsingFailedBlock):
            match = _FAILED_KEY.match(block.raw.lstrip())
            failed = match.group(1).casefold() if match else None
            if failed in by_key and failed not in seen:
                seen.add(failed)
                result.warnings.append(f"{name}: the entry {match.group(1)} (line {line_no}) cannot be read as "
                                       "BibTeX (an unclosed brace or a field given twice?); pubharvest leaves it and "
                                       "writes no other for this paper until it is fixed")
            continue
        key = block.key if isinstance(block, model.Entry) else None
        folded = key.casefold() if key else None
        if folded is not None and folded not in owned and folded not in by_key:
            title = next((f.value for f in block.fields if f.key.lower() == "title"), None)
            same = titles.get(_title_key(title[1:-1] if title and title[:1] in "{\"" else title or "")) if title else None
            if same is not None and same.key.casefold() not in seen and same.key.casefold() not in in_file:
                seen.add(same.key.casefold())
                result.warnings.append(f"{name}: your entry {key} (line {line_no}) is {same.key} of config (the same "
                                       "title); pubharvest leaves it and writes none for this paper. Give the paper "
                                       f"key = \"{key}\" in config and delete the entry to let pubharvest keep it")
            continue
        if folded is None or folded in seen:
            continue  # the owner's: its bytes stay in the untouched stretches
        begin = existing.find(block.raw, starts[min(block.start_line, len(starts) - 1)])
        if begin < 0:  # cannot locate it: leave the text where it is
            continue
        end = begin + len(block.raw)
        seen.add(folded)
        pieces.append(existing[at:begin])
        at = end
        hand = [(f.key, f.value) for f in block.fields if f.key.lower() not in OWNED_FIELDS]
        mine = [(f.key, f.value) for f in block.fields if f.key.lower() in OWNED_FIELDS]
        written = "".join(v[1:-1] if v[:1] == "{" and v[-1:] == "}" else v for _, v in mine)
        pub = by_key.get(folded)
        if pub is None and folded in owned and hand:  # a paper whose key was renamed in config: same title
            title = next((v for k, v in mine if k.lower() == "title"), "")
            renamed = titles.get(_title_key(title))
            if renamed is not None and renamed.key.casefold() not in in_file and renamed.key.casefold() not in seen:
                pub, folded = renamed, renamed.key.casefold()
                seen.add(folded)
                owned = {**owned, folded: owned[key.casefold()]}
                result.notes.append(f"{name}: the entry {key} is now {pub.key} (its key was renamed in config); "
                                    "your fields in it are kept")
        if folded not in owned and pub is not None and _fingerprint(written) == _fingerprint(
                "".join(v for _, v in fields(pub))):
            owned = {**owned, folded: _fingerprint(written)}  # the tool's entry, its record lost: the same fields
        if folded not in owned:  # the owner's own entry for one of the config's papers
            pieces.append(block.raw)
            result.warnings.append(f"{name}: the entry {key} (line {line_no}) is yours; pubharvest "
                                   "leaves it as it is and writes none for this paper. To let pubharvest keep it "
                                   "current, delete it (fields such as preview and abstract added to pubharvest's "
                                   "entry later are kept)")
            continue
        if pub is None:
            if hand:
                pieces.append(block.raw)
                result.warnings.append(f"{name}: {key} is no longer in config; its entry (line {line_no}) "
                                       f"holds your fields ({', '.join(k for k, _ in hand)}), so it stays, now as "
                                       "yours")
            else:
                result.removed.append(key)
                while existing[at:at + 1] in ("\n", "\r") and at < len(existing):
                    at += 1  # with the blank line after it
            continue
        if owned[folded] != _fingerprint(written):
            result.warnings.append(f"{name}: {key} was edited by hand in fields pubharvest writes "
                                   f"({', '.join(k for k, _ in mine)}); this run writes them as the sources and config "
                                   "say. To keep an edit, put it in config.toml for this paper, or move it to a field "
                                   "pubharvest does not write (e.g. note)")
        if block.key == pub.key and block.entry_type.lower() == entry_type(pub) and sorted(
                (k.lower(), v[1:-1] if v[:1] == "{" and v[-1:] == "}" else v) for k, v in mine) == sorted(
                (k.lower(), v) for k, v in fields(pub)):
            pieces.append(block.raw)  # nothing of ours changed: the entry keeps its bytes and field order
        else:
            entry = render_entry(pub, hand).rstrip("\n").replace("\n", eol)
            if entry != block.raw:
                result.updated.append(pub.key)
            pieces.append(entry)
        result.owned[pub.key] = _fingerprint("".join(v for _, v in fields(pub)))
    pieces.append(existing[at:])
    text = "".join(pieces)
    new = [pub for pub in publications if pub.key.casefold() not in seen]
    if new:
        tail = render(new).replace("\n", eol)
        text = text.rstrip("\r\n") + eol + eol + tail if text.strip() else tail
        for pub in new:
            result.owned[pub.key] = _fingerprint("".join(v for _, v in fields(pub)))
            result.added.append(pub.key)
    result.text = text
    return result
