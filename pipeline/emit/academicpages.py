"""academicpages' own publication system: the ``_publications/`` collection, one Markdown file per paper.

What its templates read (``_includes/archive-single.html``, the sample ``_publications/*.md``):
``title``, ``collection: publications``, ``category`` (``conferences``, ``manuscripts`` or ``books``,
the keys of the site's ``publication_category`` map), ``permalink``, ``date``, ``venue``,
``paperurl``, ``citation``; the archive shows "Published in *venue*, year" and "Recommended
citation: ...". The theme bolds nobody, so the owner is ``<b>``-bolded in ``citation``.

The file is ``<key>.md`` with the permalink ``/publication/<key>``: a paper's address stays the same
when its year changes from the preprint's to the published version's. Front matter is written by a
YAML emitter (PyYAML), so no title can break it; the template prints ``title``, ``venue`` and
``citation`` as HTML, so they are HTML-escaped; the body (links, award) is kramdown and Liquid, so it
goes through :func:`pipeline.emit.markdown.md_escape`.
"""

from __future__ import annotations

import html
from typing import Iterable

from ..merge import Publication
from .common import date_parts, kind
from .markdown import md_escape, safe_url

__all__ = ["CATEGORY", "file_name", "render_file", "render"]

#: ``category`` by kind: the keys of academicpages' ``publication_category`` map.
CATEGORY = {"conference": "conferences", "workshop": "conferences", "journal": "manuscripts",
            "preprint": "manuscripts", "book": "books", "thesis": "books"}


def file_name(pub: Publication) -> str:
    """``<key>.md``."""
    return f"{pub.key}.md"


def _citation(pub: Publication) -> str:
    names = ", ".join(f"<b>{html.escape(a)}</b>" if i in pub.owner_positions else html.escape(a)
                      for i, a in enumerate(pub.authors))
    year = f" ({pub.year})" if pub.year else ""
    venue = f" <i>{html.escape(pub.venue.label())}</i>." if pub.venue else " Preprint."
    return f"{names}{year}. &quot;{html.escape(pub.title)}.&quot;{venue}"


def render_file(pub: Publication) -> str:
    """The whole file of ``pub``: YAML front matter between ``---`` lines, then the links and the award."""
    import yaml

    parts = date_parts(pub)
    front = {
        "title": html.escape(pub.title, quote=False),
        "collection": "publications",
        "category": CATEGORY[kind(pub)],
        "permalink": f"/publication/{pub.key}",
        "date": "-".join(f"{p:02d}" for p in parts + [1] * (3 - len(parts))) if parts else None,
        "venue": html.escape(pub.venue.label(), quote=False) if pub.venue else "Preprint",
        "paperurl": pub.link_of("link") or pub.link_of("arxiv") or pub.link_of("openreview"),
        "citation": _citation(pub),
    }
    if pub.award:
        front["award"] = html.escape(pub.award, quote=False)
    front = {k: v for k, v in front.items() if v is not None}
    body = " ".join(f"[{md_escape(label)}]({safe_url(url)})" for label, url in pub.links)
    if pub.award:
        body += ("\n\n" if body else "") + f"**{md_escape(pub.award)}**"
    text = "---\n" + yaml.dump(front, sort_keys=False, allow_unicode=True, width=1 << 20,
                           Dumper=getattr(yaml, 'CSafeDumper', yaml.SafeDumper)) + "---\n"
    return text + (f"\n{body}\n" if body else "")


def render(publications: Iterable[Publication]) -> dict[str, bytes]:
    """File name -> bytes for every paper."""
    return {file_name(pub): render_file(pub).encode("utf-8") for pub in publications}
