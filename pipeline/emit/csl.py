"""CSL-JSON: the citation data citeproc, Pandoc (``--citeproc``) and Zotero read, valid against the
CSL schema (``csl-data.json``).

Items: ``id`` (config key), ``type`` by kind (``paper-conference``, ``article-journal``, ``chapter``,
``thesis``, ``article`` for a preprint), ``title``, ``author`` (``family``/``given``, with
``non-dropping-particle`` for "van", "de", ...; ``literal`` for a one-word name), ``container-title``
and ``container-title-short`` (the venue and its abbreviation), ``issued`` (``date-parts``), ``DOI``,
``URL``, and the rest under ``custom`` (award, arXiv ID, OpenReview forum, S2 citation count with the
date it was read).
"""

from __future__ import annotations

import json
from typing import Iterable

from ..merge import Publication
from .common import PARTICLES, date_parts, kind, split_name, venue_name

__all__ = ["CSL_TYPE", "item", "render"]

#: CSL ``type`` by kind.
CSL_TYPE = {"conference": "paper-conference", "workshop": "paper-conference", "journal": "article-journal",
            "book": "chapter", "thesis": "thesis", "preprint": "article"}


def _author(name: str) -> dict:
    given, family, suffix = split_name(name)
    if not given:
        return {"literal": family}
    words = family.split(" ")
    particle = []
    while len(words) > 1 and words[0] in PARTICLES:
        particle.append(words.pop(0))
    out = {"family": " ".join(words), "given": given}
    if particle:
        out["non-dropping-particle"] = " ".join(particle)
    if suffix:
        out["suffix"] = suffix
    return out


def item(pub: Publication) -> dict:
    """The CSL-JSON item of ``pub``."""
    data: dict = {"id": pub.key, "type": CSL_TYPE[kind(pub)], "title": pub.title,
                  "author": [_author(a) for a in pub.authors]}
    if pub.venue:
        data["container-title"] = venue_name(pub)
        if pub.venue.abbr:
            data["container-title-short"] = pub.venue.abbr
    elif pub.arxiv_id:
        data["publisher"] = "arXiv"
        data["number"] = f"arXiv:{pub.arxiv_id}"
    parts = date_parts(pub)
    if parts:
        data["issued"] = {"date-parts": [parts]}
    if pub.doi:
        data["DOI"] = pub.doi
    url = pub.link_of("link") or pub.link_of("openreview") or pub.link_of("arxiv")
    if url:
        data["URL"] = url
    custom = {"award": pub.award, "arxiv": pub.arxiv_id, "openreview": pub.openreview_forum,
              "code": pub.link_of("code"), "selected": pub.selected or None,
              "citation_count": pub.citations, "citation_count_read": pub.citations_read}
    custom = {k: v for k, v in custom.items() if v is not None}
    if custom:
        data["custom"] = custom
    if not data["author"]:
        del data["author"]
    return data


def render(publications: Iterable[Publication]) -> str:
    """The CSL-JSON document (an array of items, one per line), UTF-8 text ending in a newline."""
    items = [json.dumps(item(pub), ensure_ascii=False, sort_keys=True) for pub in publications]
    return "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"
