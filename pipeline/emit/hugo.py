"""Hugo Blox (formerly Wowchemy / Academic) publication bundles: ``<folder>/<key>/index.md`` and
``<folder>/<key>/cite.bib`` (the Cite button).

Front matter as the Hugo Blox publication templates write it (``templates/academic-cv/content/
publications/*/index.md``): ``title``, ``authors`` (the owner as the author slug, ``me`` by default, so
the theme links the profile and bolds the name when ``content/authors/me/_index.md`` has
``highlight_name: true``), ``date``, ``publication_types`` (CSL type names: ``paper-conference``,
``article-journal``, ``article`` for a preprint, ``chapter``, ``thesis``), ``publication`` and
``publication_short`` (Markdown), ``doi`` and ``hugoblox.ids``, ``links`` (``type`` + ``url``),
(the code link as ``type: code``, the others as named links), ``featured`` (config ``selected``). YAML written by PyYAML; Markdown values escaped.
"""

from __future__ import annotations

from typing import Iterable

from ..merge import Publication
from . import bibtex
from .common import date_parts, kind
from .markdown import md_escape

__all__ = ["PUBLICATION_TYPE", "render_bundle", "render"]

#: ``publication_types`` by kind (CSL type names, as current Hugo Blox templates use).
PUBLICATION_TYPE = {"conference": "paper-conference", "workshop": "paper-conference", "journal": "article-journal",
                    "preprint": "article", "book": "chapter", "thesis": "thesis"}


def render_index(pub: Publication, owner_slug: str | None = "me") -> str:
    """``index.md`` of ``pub``: YAML front matter only. ``owner_slug``: written for the owner's name
    (None writes the name)."""
    import yaml

    parts = date_parts(pub)
    front: dict = {
        "title": pub.title,
        "authors": [owner_slug if owner_slug and i in pub.owner_positions else a for i, a in enumerate(pub.authors)],
        "date": "-".join(f"{p:02d}" for p in parts + [1] * (3 - len(parts))) + "T00:00:00Z" if parts else None,
        "publication_types": [PUBLICATION_TYPE[kind(pub)]],
        "publication": f"*{md_escape(pub.venue.label())}*" if pub.venue else "Preprint",
        "publication_short": f"*{md_escape(pub.venue.abbr)}*" if pub.venue and pub.venue.abbr else None,
        "doi": pub.doi,
        "hugoblox": {"ids": {k: v for k, v in (("doi", pub.doi), ("arxiv", pub.arxiv_id)) if v}} or None,
        "featured": pub.selected,
        "links": [{"type": "code", "url": url} if k == "code" else {"name": label, "url": url}
                  for (label, url), k in zip(pub.links, pub.link_kinds or [label for label, _ in pub.links])],
    }
    if pub.award:
        front["summary"] = md_escape(pub.award)
    if not front["hugoblox"]["ids"]:
        del front["hugoblox"]
    front = {k: v for k, v in front.items() if v is not None and v != []}
    return "---\n" + yaml.dump(front, sort_keys=False, allow_unicode=True, width=1 << 20,
                           Dumper=getattr(yaml, 'CSafeDumper', yaml.SafeDumper)) + "---\n"


def render_bundle(pub: Publication, owner_slug: str | None = "me") -> dict[str, bytes]:
    """``{"<key>/index.md": ..., "<key>/cite.bib": ...}`` for ``pub``."""
    return {f"{pub.key}/index.md": render_index(pub, owner_slug).encode("utf-8"),
            f"{pub.key}/cite.bib": bibtex.render_entry(pub).encode("utf-8")}


def render(publications: Iterable[Publication], owner_slug: str | None = "me") -> dict[str, bytes]:
    """Relative file name -> bytes for every paper's bundle."""
    files: dict[str, bytes] = {}
    for pub in publications:
        files.update(render_bundle(pub, owner_slug))
    return files
