"""The CSV for CV updates (pandas) and ``publications.json`` (every field with its source).

Pure functions from publications to text or bytes; :mod:`pipeline.writer` puts them on disk.
"""

from __future__ import annotations

import io
import json
from typing import Iterable

from ..merge import Publication
from .markdown import ordered

__all__ = ["JSON_HEAD", "JSON_TAIL", "csv_rows", "render_csv", "json_papers", "json_lines", "render_json"]

_FORMULA_START = frozenset("=+-@\t\r")
JSON_HEAD, JSON_TAIL = '{"format": 1, "papers": [\n', "\n]}\n"  # around publications.json's paper lines
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one encoder for every paper of publications.json


def _cell(value: object) -> object:
    if type(value) is str and value[:1] in _FORMULA_START:
        return "'" + value  # spreadsheet formula injection: show the text, never run it
    return value


def csv_rows(publications: Iterable[Publication]) -> list[dict[str, object]]:
    """The rows of ``publications.csv`` as dicts (column -> str, int or None), in page order, built
    without pandas."""
    return _rows(publications)


def _rows(publications: Iterable[Publication]) -> list[dict[str, object]]:
    rows = []
    for name, pubs in ordered(publications).items():
        for pub in pubs:
            kinds = pub.link_kinds or tuple(label for label, _ in pub.links)
            links = {kind: url for (_, url), kind in zip(reversed(pub.links), reversed(kinds))}
            extra = "; ".join(f"{label}: {url}" for (label, url), kind in zip(pub.links, kinds)
                              if kind not in ("openreview", "link", "arxiv", "code"))
            rows.append({k: _cell(v) for k, v in {
                "key": pub.key, "section": name, "title": pub.title, "authors": "; ".join(pub.authors),
                "venue": _venue_name(pub.venue), "venue_abbr": pub.venue.abbr if pub.venue else "",
                "venue_kind": (pub.venue.kind or "undecided") if pub.venue else "preprint",
                "venue_track": pub.venue.track if pub.venue else "", "year": pub.year,
                "award": pub.award or "", "arxiv_id": pub.arxiv_id or "",
                "arxiv_version": pub.arxiv_version, "doi": pub.doi or "",
                "openreview_forum": pub.openreview_forum or "", "s2_paper_id": pub.s2_paper_id or "",
                "corpus_id": pub.corpus_id, "openreview_url": links.get("openreview", ""),
                "arxiv_url": links.get("arxiv", ""), "link": links.get("link", ""), "code": links.get("code", ""),
                "other_links": extra, "citations": pub.citations, "citations_read": pub.citations_read or "",
                "members": "; ".join(pub.members),
            }.items()})
    return rows


def _venue_name(venue) -> str:
    if venue is None:
        return ""
    name = venue.name + (f", {venue.track}" if venue.track else "")
    return name + (f" at {venue.host}" if venue.host else "")


def render_csv(publications: Iterable[Publication], *, bom: bool = False,
               rows: list[dict[str, object]] | None = None) -> bytes:
    """One CSV row per paper (pandas), UTF-8, ``\\n`` line ends, in page order.

    Columns: key, section, title, authors ("; "-separated), venue (its label with track and host),
    venue_abbr, venue_kind, venue_track, year,
    award, arxiv_id, arxiv_version, doi, openreview_forum, s2_paper_id, corpus_id, openreview_url,
    arxiv_url, link, code, other_links, citations (S2's count), citations_read (the date S2 was read,
    ``YYYY-MM-DD``), members (the owners among the authors, "; "-separated: a lab's members). IDs are
    written as text; cells that a spreadsheet
    would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab, CR) get a leading ``'``.
    ``bom`` prefixes a UTF-8 byte-order mark for Excel. ``rows``: :func:`csv_rows` of ``publications``,
    when the caller has them.
    """
    import pandas as pd

    frame = pd.DataFrame(rows if rows is not None else csv_rows(publications), columns=[
        "key", "section", "title", "authors", "venue", "venue_abbr", "venue_kind", "venue_track", "year", "award",
        "arxiv_id",
        "arxiv_version", "doi", "openreview_forum", "s2_paper_id", "corpus_id", "openreview_url", "arxiv_url",
        "link", "code", "other_links", "citations", "citations_read", "members"])
    for column in ("year", "arxiv_version", "corpus_id", "citations"):
        frame[column] = frame[column].astype("Int64")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def json_papers(publications: Iterable[Publication]) -> list[dict]:
    """The paper objects of ``publications.json`` (see :func:`render_json`), in page order."""
    papers = []
    for name, pubs in ordered(publications).items():
        for pub in pubs:
            papers.append({
                "key": pub.key, "section": name, "title": pub.title, "authors": list(pub.authors),
                "owner_positions": list(pub.owner_positions),
                "venue": pub.venue.to_dict() if pub.venue else None,
                "year": pub.year, "award": pub.award, "status": pub.status,
                "ids": {"arxiv": pub.arxiv_id, "arxiv_version": pub.arxiv_version, "doi": pub.doi,
                        "openreview": pub.openreview_forum, "s2_paper_id": pub.s2_paper_id,
                        "corpus_id": pub.corpus_id},
                "links": [{"label": label, "url": url, "kind": kind}
                          for (label, url), kind in zip(pub.links, pub.link_kinds or [l for l, _ in pub.links])],
                "field_sources": dict(pub.field_sources),
                "date": pub.date, "selected": pub.selected, "members": list(pub.members),
                "citations": ({"count": pub.citations, "source": "s2", "read": pub.citations_read}
                              if pub.citations is not None else None),
            })
    return papers


def render_json(publications: Iterable[Publication], *, papers: list[dict] | None = None,
                lines: list[str] | None = None) -> str:
    """``publications.json``: every merged field of every paper, with ``field_sources`` naming the
    source of each field, in page order, one paper per line. Deterministic (sorted keys, no timestamps, no run state
    such as staleness, which the run summary reports), so an unchanged list gives unchanged bytes.
    ``papers``, ``lines``: the output of :func:`json_papers` and :func:`json_lines` for ``publications``,
    when the caller has them."""
    if lines is None:
        lines = json_lines(papers if papers is not None else json_papers(publications))
    # One paper per line: diffs stay per paper, and the C encoder (used only without indent) stays fast.
    return JSON_HEAD + ",\n".join(lines) + JSON_TAIL


def json_lines(papers: list[dict]) -> list[str]:
    """Each paper of :func:`json_papers` as its line of ``publications.json`` (no separator)."""
    return list(map(_JSON.encode, papers))
