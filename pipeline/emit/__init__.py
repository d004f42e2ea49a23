"""Emit: the merged publications in every format a homepage or CV reads. Pure functions from
publications (and, for files the owner also edits, the file's current text) to text or bytes;
:mod:`pipeline.outputs` reads and writes the files.

One module per format:

- :mod:`.markdown`: the academicpages ``about.md`` section (the default output);
- :mod:`.tables`: ``publications.csv`` (for CV updates) and ``publications.json`` (with provenance);
- :mod:`.bibtex`: BibTeX with al-folio's fields, merged into a hand-kept ``papers.bib``;
- :mod:`.academicpages`: the ``_publications/`` collection, one file per paper;
- :mod:`.hugo`: Hugo Blox publication bundles (``index.md`` + ``cite.bib``);
- :mod:`.csl`: CSL-JSON (citeproc, Pandoc, Zotero);
- :mod:`.rendercv`: RenderCV publication entries (YAML).

The section, CSV and JSON functions are re-exported here; the other formats are imported only by a
run that writes them.
"""

from .markdown import (SECTION_TITLES, SectionStyle, heading_line, layout, md_escape, md_line_start, ordered,
                       render_entry, render_section, safe_url)
from .tables import JSON_HEAD, JSON_TAIL, csv_rows, json_lines, json_papers, render_csv, render_json

__all__ = ["SECTION_TITLES", "SectionStyle", "heading_line", "layout", "md_escape", "md_line_start", "ordered",
           "render_entry", "render_section", "safe_url", "JSON_HEAD", "JSON_TAIL", "csv_rows", "json_lines",
           "json_papers", "render_csv", "render_json"]
