"""RenderCV publication entries: a YAML file whose ``cv.sections.Publications`` RenderCV's own data
model reads as ``PublicationEntry`` items (``title``, ``authors``, ``doi``, ``url``, ``journal``,
``date``, ``summary``), with ``cv.name`` the owner, so ``rendercv render`` takes it as it is; copy the
section into a fuller CV file to combine it with the rest.

RenderCV bolds nobody itself: the owner is written ``**Name**`` (its own documentation's way). The
award, which RenderCV has no field for, goes in ``summary``. Text is written as the sources give it:
RenderCV escapes it for Typst itself, and a Markdown backslash escape of ours would reach Typst as a
stray backslash or an unclosed delimiter ("MS\\_MARCO", "C\\#"); only a run of ``*`` that would
turn into bold or italics is spelled apart.
"""

from __future__ import annotations

from typing import Iterable

from ..merge import Publication
from .common import date_parts, venue_name

__all__ = ["entry", "render"]

def _md(text: str) -> str:
    return text.replace("*", "\u2217")  # ∗ (asterisk operator): never RenderCV's bold or italics


def entry(pub: Publication) -> dict:
    """One RenderCV PublicationEntry of ``pub``."""
    data: dict = {"title": _md(pub.title),
                  "authors": [f"**{_md(a)}**" if i in pub.owner_positions else _md(a)
                              for i, a in enumerate(pub.authors)] or ["Unknown"]}
    if pub.doi:
        data["doi"] = pub.doi
    url = pub.link_of("link") or pub.link_of("openreview") or pub.link_of("arxiv")
    if url and not pub.doi:
        data["url"] = url
    data["journal"] = _md(venue_name(pub) + (f" ({pub.venue.abbr})" if pub.venue and pub.venue.abbr else "")) \
        if pub.venue else (f"arXiv preprint arXiv:{pub.arxiv_id}" if pub.arxiv_id else "Preprint")
    parts = date_parts(pub)
    if parts:
        data["date"] = "-".join([str(parts[0])] + [f"{p:02d}" for p in parts[1:]])
    if pub.award:
        data["summary"] = _md(pub.award)
    return data


def render(publications: Iterable[Publication], owner: str) -> str:
    """The YAML document: ``cv: {name: owner, sections: {Publications: [entries]}}``."""
    import yaml

    doc = {"cv": {"name": owner, "sections": {"Publications": [entry(pub) for pub in publications]}}}
    return ("# RenderCV input written by pubharvest: `rendercv render` this file, or copy the Publications\n"
            "# section into your CV's YAML file.\n"
            + yaml.dump(doc, sort_keys=False, allow_unicode=True, width=1 << 20,
                           Dumper=getattr(yaml, 'CSafeDumper', yaml.SafeDumper)))
