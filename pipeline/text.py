"""Text clean-up for titles and names, and matching of the owner's name.

Pure functions; no I/O.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

__all__ = ["clean_title", "clean_text", "clean_name", "fold_name", "is_owner", "is_initials_of", "prefer_full_names",
           "same_person", "people_differ"]

_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\))", re.DOTALL)
_LATEX = LatexNodes2Text(math_mode="verbatim")


def _latex_to_text(segment: str) -> str:
    if "\\" not in segment:  # no LaTeX command: braces are the author's text ("{{ page.x }}" stays visible)
        return segment
    # "%" starts a LaTeX comment and "&", "#" are special; in a title they are plain characters.
    converted = _LATEX.latex_to_text(re.sub(r"(?<!\\)([%&#])", r"\\\1", segment))
    return converted.replace("\u00a0", " ")


def clean_text(text: str) -> str:
    """One line: runs of white space (line breaks included) become one space; Unicode NFC.
    Used as is for the owner's own config text, which is never reinterpreted."""
    text = " ".join(text.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65536)
def clean_title(title: str, *, latex: bool = True) -> str:
    """One clean line of fetched title text.

    HTML entities are decoded once (``&amp;`` -> ``&``; ``&amp;amp;`` -> ``&amp;``); with
    ``latex`` (arXiv text, which authors write in LaTeX) LaTeX outside math becomes Unicode
    (``Sch\\"{o}lkopf`` -> ``Schölkopf``, ``{B}ayes`` -> ``Bayes``) while inline math
    (``$\\ell_1$``) stays as written; line breaks and runs of spaces collapse to one space; the
    result is Unicode NFC.
    """
    text = clean_text(html.unescape(title))
    if latex:
        parts = _MATH.split(text)
        text = clean_text("".join(part if i % 2 else _latex_to_text(part) for i, part in enumerate(parts)))
    return text


def clean_name(name: str, *, latex: bool = True) -> str:
    """An author name as one NFC line, HTML entities decoded and (with ``latex``) LaTeX accents converted."""
    return clean_title(name, latex=latex)


_NOT_WORD = re.compile(r"[^\w\s]|_")


@lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """Fold a name for comparison: no accents, case, dots, hyphens or extra spaces ("Zhi-Quan Luo" -> "zhi quan luo")."""
    text = name
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def _tokens(name: str) -> list[str]:
    # "D.K. He" -> ["d", "k", "he"]; "Zhi-Quan Luo" -> ["zhi", "quan", "luo"]
    return fold_name(name).split()


@lru_cache(maxsize=65536)
def is_initials_of(short: str, full: str) -> bool:
    """True when ``short`` abbreviates ``full``: same last name, and each given-name token of
    ``short`` is an initial or the whole token of ``full`` ("M. Xiao" / "Mingqing Xiao",
    "D.K. He" / "Di He" is False: two initials for one given name cannot be checked, "Q. Meng" True).
    """
    s, f = _tokens(short), _tokens(full)
    if len(s) < 2 or len(f) < 2 or s[-1] != f[-1]:
        return False
    given_s, given_f = s[:-1], f[:-1]
    if not any(len(t) == 1 for t in given_s):
        return False
    if len(given_s) == len(given_f):
        return all(a == b or (len(a) == 1 and b.startswith(a)) for a, b in zip(given_s, given_f))
    # "D K He" against "Di He": initials may spell the given name's syllables; require the first to agree.
    return given_s[0] == given_f[0][:1] and len(given_s) <= len(given_f[0])


@lru_cache(maxsize=65536)
def is_owner(author: str, names: tuple[str, ...]) -> bool:
    """True when ``author`` is one of ``names`` (the owner's name and variants) ignoring accents,
    case, dots and hyphens, or an initials form of one of them ("M. Xiao" for "Mingqing Xiao")."""
    folded = fold_name(author)
    for name in names:
        if folded == fold_name(name) or is_initials_of(author, name):
            return True
    return False


@lru_cache(maxsize=65536)
def _looks_abbreviated(name: str) -> bool:
    return any(len(t) == 1 for t in _tokens(name)[:-1])


def prefer_full_names(chosen: tuple[str, ...], others: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[str]]:
    """Replace abbreviated names in ``chosen`` by the full form another source gives at the same place.

    ``others`` are author lists from other sources; only lists of the same length are used, and a
    replacement needs the same last name ("D.K. He" -> "Di He"). Returns (names, notes on what
    was replaced).
    """
    names = list(chosen)
    notes = []
    for i, name in enumerate(names):
        if not _looks_abbreviated(name):
            continue
        for other in others:
            if len(other) == len(names) and not _looks_abbreviated(other[i]) and is_initials_of(name, other[i]):
                notes.append(f"{name!r} -> {other[i]!r}")
                names[i] = other[i]
                break
    return tuple(names), notes


def same_person(a: str, b: str) -> bool:
    """True when two author names are the same person as written: equal after folding, or one the
    initials form of the other ("D.K. He" / "Di He" counts only when :func:`is_initials_of` says so)."""
    return fold_name(a) == fold_name(b) or is_initials_of(a, b) or is_initials_of(b, a)


def people_differ(base: tuple[str, ...], other: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(names in ``other`` that ``base`` lacks, names in ``base`` that ``other`` lacks), matching each
    name at most once with :func:`same_person`; order and spelling variants do not count."""
    left = list(base)
    added = []
    for name in other:
        match = next((n for n in left if same_person(n, name)), None)
        if match is None:
            added.append(name)
        else:
            left.remove(match)
    return added, left
