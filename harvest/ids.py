"""Normalize the paper identifiers a researcher may paste into config.toml.

Every function takes one string as written by a person (or returned by an API) and returns the
canonical form used for matching, or raises :class:`IdError` with a message that says which
forms are accepted.

Canonical forms:

* arXiv ID: versionless, ``2005.05650`` or ``math/0211159``; the version, if any, is returned
  separately by :func:`split_arxiv_version`.
* DOI: lower case (DOIs are case-insensitive), no resolver prefix: ``10.1007/s11263-022-01688-4``.
  The arXiv DOI ``10.48550/arXiv.<id>`` is an arXiv ID, not a DOI, and normalizes to the arXiv ID.
* OpenReview forum ID: the note ID as written (case-sensitive), e.g. ``MeB86edZ1P``.
* Semantic Scholar: a 40-hex ``paperId`` in lower case, or ``CorpusId:<int>``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

__all__ = [
    "IdError",
    "normalize_arxiv",
    "split_arxiv_version",
    "normalize_doi",
    "normalize_openreview",
    "normalize_s2",
    "arxiv_from_doi",
    "normalize_pii",
]


class IdError(ValueError):
    """An identifier does not match any accepted form; the message says which forms are."""


_NEW_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(v[1-9]\d*)?$")
_OLD_ARXIV = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(v[1-9]\d*)?$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_FORUM = re.compile(r"^[A-Za-z0-9_\-]{6,30}$")
_S2_PAPER = re.compile(r"^[0-9a-fA-F]{40}$")
_CORPUS = re.compile(r"^corpus[iI][dD]:\s*(\d+)$", re.IGNORECASE)

ARXIV_FORMS = (
    "2005.05650, 2005.05650v2, arXiv:2005.05650, math/0211159, "
    "https://arxiv.org/abs/2005.05650v2, https://arxiv.org/pdf/2005.05650, 10.48550/arXiv.2005.05650"
)


def split_arxiv_version(value: str) -> tuple[str, int | None]:
    """Split an arXiv ID in any accepted form into (versionless ID, version or None).

    >>> split_arxiv_version("https://arxiv.org/abs/2005.05650v2")
    ('2005.05650', 2)

    Raises IdError when the value is not an arXiv ID.
    """
    text = value.strip()
    lowered = text.lower()
    match = _ARXIV_DOI.match(_strip_doi_prefix(text))
    if match:
        text = match.group(1)
    elif "arxiv.org/" in lowered:
        path = urlparse(text if "://" in text else "https://" + text).path
        for prefix in ("/abs/", "/pdf/", "/html/"):
            if path.startswith(prefix):
                text = path[len(prefix):]
                break
        else:
            raise IdError(f"{value!r} is an arxiv.org URL but not an abs/pdf link; accepted forms: {ARXIV_FORMS}")
        text = text.removesuffix("/").removesuffix(".pdf")
    elif lowered.startswith("arxiv:"):
        text = text[len("arxiv:"):].strip()
    match = _NEW_ARXIV.match(text)
    if match:
        yymm, number = match.group(1).split(".")
        if not 1 <= int(yymm[2:]) <= 12:
            raise IdError(f"{value!r} is not an arXiv ID: {yymm[2:]} is not a month (YYMM.NNNNN)")
        if (len(number) == 5) != (yymm >= "1501"):
            raise IdError(f"{value!r} is not an arXiv ID: IDs from 2015 on have 5 digits after the dot, "
                          "earlier ones 4; if a number was quoted from TOML, a trailing zero may be lost")
        return match.group(1), int(match.group(2)[1:]) if match.group(2) else None
    match = _OLD_ARXIV.match(text)
    if match:
        return match.group(1), int(match.group(2)[1:]) if match.group(2) else None
    raise IdError(f"{value!r} is not an arXiv ID; accepted forms: {ARXIV_FORMS}")


def normalize_arxiv(value: str) -> str:
    """Return the versionless arXiv ID of any accepted form (see :data:`ARXIV_FORMS`).

    Raises IdError when the value is not an arXiv ID.
    """
    return split_arxiv_version(value)[0]


def _strip_doi_prefix(text: str) -> str:
    text = text.strip()
    lowered = text.lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
                   "doi.org/", "doi:"):
        if lowered.startswith(prefix):
            return text[len(prefix):].strip()
    return text


def arxiv_from_doi(value: str) -> str | None:
    """Return the arXiv ID inside an arXiv DOI (``10.48550/arXiv.2005.05650``), else None."""
    match = _ARXIV_DOI.match(_strip_doi_prefix(value))
    if not match:
        return None
    try:
        return normalize_arxiv(match.group(1))
    except IdError:
        return None


def normalize_doi(value: str) -> str:
    """Return a DOI in canonical lower case without resolver prefix.

    Accepts ``10.1007/978-3-030-58452-8_8``, ``doi:10...``, ``https://doi.org/10...`` in any case.
    Raises IdError for anything else, and for arXiv DOIs (use the arXiv ID instead).
    """
    text = _strip_doi_prefix(value)
    if not _DOI.match(text):
        raise IdError(f"{value!r} is not a DOI; accepted forms: 10.1007/s11263-022-01688-4, "
                      "doi:10.1007/..., https://doi.org/10.1007/...")
    if _ARXIV_DOI.match(text):
        raise IdError(f"{value!r} is an arXiv DOI; list it as arxiv = \"{text.split('.', 2)[-1]}\"")
    text = text.lower()
    if text.startswith("10.1101/"):  # bioRxiv/medRxiv links carry the version (…123456v2); the DOI has none
        text = re.sub(r"v\d+(?:\.full(?:\.pdf)?|\.abstract)?$", "", text)
    return text


def normalize_openreview(value: str) -> str:
    """Return the OpenReview forum ID of ``MeB86edZ1P`` or ``https://openreview.net/forum?id=...``.

    Raises IdError for anything else.
    """
    text = value.strip()
    if "openreview.net" in text.lower():
        parsed = urlparse(text if "://" in text else "https://" + text)
        ids = parse_qs(parsed.query).get("id")
        if not ids:
            raise IdError(f"{value!r} is an openreview.net URL without ?id=; use the forum link "
                          "https://openreview.net/forum?id=<id>")
        text = ids[0]
    if not _FORUM.match(text):
        raise IdError(f"{value!r} is not an OpenReview forum ID; accepted forms: MeB86edZ1P, "
                      "https://openreview.net/forum?id=MeB86edZ1P")
    return text


def normalize_s2(value: str) -> str:
    """Return a Semantic Scholar ID: a lower-case 40-hex paperId or ``CorpusId:<int>``.

    Accepts the paperId, ``CorpusId:215416146`` (any case) and semanticscholar.org paper URLs.
    Raises IdError for anything else.
    """
    text = value.strip()
    if "semanticscholar.org/" in text.lower():
        path = urlparse(text if "://" in text else "https://" + text).path.rstrip("/")
        text = path.rsplit("/", 1)[-1]
    corpus = _CORPUS.match(text)
    if corpus:
        return f"CorpusId:{int(corpus.group(1))}"
    if _S2_PAPER.match(text):
        return text.lower()
    raise IdError(f"{value!r} is not a Semantic Scholar ID; accepted forms: a 40-hex paperId, "
                  "CorpusId:215416146, https://www.semanticscholar.org/paper/<title>/<paperId>")


_PII = re.compile(r"^[SB][0-9]{7}[0-9X][0-9]{2}[0-9]{5}[0-9X]$")


#: How a PII is asked of Crossref and stored (``PII:S0893608024000352``): its request ID.
PII_PREFIX = "PII:"


def normalize_pii(value: str) -> str:
    """Return an Elsevier PII (Publisher Item Identifier) in compact upper case.

    Accepts ``S0893608024000352``, ``S0092-8674(23)00123-4`` and ScienceDirect / Cell Press URLs
    (``https://www.sciencedirect.com/science/article/pii/S0893608024000352``). Raises IdError for
    anything else.
    """
    text = value.strip()
    if "/" in text:
        match = re.search(r"/(?:pii|fulltext)/([^/?#]+)", urlparse(text if "://" in text else "https://" + text).path)
        text = match.group(1) if match else text
    compact = re.sub(r"[()\-\s]", "", text).upper()
    if not _PII.match(compact):
        raise IdError(f"{value!r} is not an Elsevier PII; accepted forms: S0893608024000352, "
                      "S0092-8674(23)00123-4, https://www.sciencedirect.com/science/article/pii/S0893608024000352")
    return compact
