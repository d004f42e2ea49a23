"""Emit: the Markdown section, escaping of fetched text, the CSV, and the marker splice."""

from __future__ import annotations

import csv
import io

import pytest

from pipeline.emit import md_escape, render_csv, render_json, render_section
from pipeline.homepage import parse_publications
from pipeline.merge import Publication
from pipeline.venues import Venue
from pipeline.writer import MarkerError, find_markers, splice, write_atomic

START, END = "<!-- pubharvest:start -->", "<!-- pubharvest:end -->"


def pub(key: str, index: int, **fields) -> Publication:
    base = dict(key=key, index=index, title="A Title", authors=("Ada Lovelace", "Alan Turing"), owner_positions=(0,),
                venue=Venue(name="Neural Networks", kind="journal"), year=2024, award=None, section="journal")
    return Publication(**{**base, **fields})


def test_entry_layout_is_the_academicpages_one():
    text = render_section([pub("a", 0, links=(("arxiv", "https://arxiv.org/abs/2005.05650"),), award="Oral")])
    assert text == ("### Journal Papers\n\n"
                    "1. **A Title** [[arxiv]](https://arxiv.org/abs/2005.05650)   \n"
                    "**Ada Lovelace**, Alan Turing   \n"
                    "*Neural Networks, 2024* <font color=red>(Oral)</font>   \n")


def test_sections_in_page_order_numbered_newest_first_and_empty_ones_left_out():
    text = render_section([pub("old", 0, year=2020), pub("new", 1, year=2024),
                           pub("pre", 2, venue=None, section="preprint", year=2025)])
    entries = parse_publications(text)
    assert [(e.section, e.number, e.venue) for e in entries] == [
        ("Journal Papers", 1, "Neural Networks, 2024"), ("Journal Papers", 2, "Neural Networks, 2020"),
        ("Preprints", 1, "Preprint, 2025")]
    assert "### Conference Papers" not in text


@pytest.mark.parametrize("hostile, inert", [
    ("{{ site.github.token }}", "&#123;&#123; site.github.token &#125;&#125;"),
    ("{% include x.html %}", "&#123;% include x.html %&#125;"),
    ("~~struck~~ $$x$$ {::comment}", "\\~\\~struck\\~\\~ \\$\\$x\\$\\$ &#123;::comment&#125;"),
    ("it's \"q\" -- ...", "it\\'s \\\"q\\\" \\-\\- \\.\\.\\."),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
    ("*not bold* and _not_ `code`", "\\*not bold\\* and \\_not\\_ \\`code\\`"),
    ("line\nbreak\x07bell", "line break bell"),
])
def test_fetched_text_is_inert(hostile, inert):
    assert md_escape(hostile) == inert


def test_escaped_title_reads_back_as_written():
    title = "Learning *Fast* [Models] with <b>{{tags}}</b>"
    assert parse_publications(render_section([pub("a", 0, title=title)]))[0].title == title


def test_link_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="not an http"):
        render_section([pub("a", 0, links=(("code", "javascript:alert(1)"),))])


def test_csv_neutralizes_formulas_and_keeps_ids_as_text():
    data = render_csv([pub("a", 0, title="=HYPERLINK(\"http://x\")", arxiv_id="2010.10010", authors=("@evil",),
                           corpus_id=470667)])
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert row["title"] == "'=HYPERLINK(\"http://x\")" and row["authors"] == "'@evil"
    assert row["arxiv_id"] == "2010.10010" and row["corpus_id"] == "470667" and row["year"] == "2024"
    assert not data.startswith(b"\xef\xbb\xbf")
    assert render_csv([pub("a", 0)], bom=True).startswith(b"\xef\xbb\xbf")


def test_json_is_deterministic():
    pubs = [pub("a", 0, field_sources={"title": "s2", "authors": "arxiv"})]
    assert render_json(pubs) == render_json(list(pubs))
    text = render_json(pubs)
    assert text.startswith('{"format": 1, "papers": [\n{"authors": ["Ada Lovelace", "Alan Turing"]')
    assert '"field_sources": {"authors": "arxiv", "title": "s2"}' in text and text.count("\n") == 3


PAGE = f"intro\n{START}\nold list\n{END}\nfooter\n"


def test_splice_replaces_only_between_markers():
    out = splice(PAGE, "### Journal Papers\n\n1. x\n", START, END, name="about.md")
    assert out == f"intro\n{START}\n\n### Journal Papers\n\n1. x\n\n{END}\nfooter\n"


def test_markers_shown_in_a_code_block_are_not_the_section():
    page = f"---\ntitle: About\n---\nHow:\n~~~\n{START}\n{END}\n~~~\n{START}\nold\n{END}\n"
    out = splice(page, "new\n", START, END, name="about.md")
    assert out == f"---\ntitle: About\n---\nHow:\n~~~\n{START}\n{END}\n~~~\n{START}\n\nnew\n\n{END}\n"


def test_splice_keeps_crlf_line_ends():
    out = splice(PAGE.replace("\n", "\r\n"), "a\nb\n", START, END, name="about.md")
    assert out == f"intro\r\n{START}\r\n\r\na\r\nb\r\n\r\n{END}\r\nfooter\r\n"


@pytest.mark.parametrize("text, message", [
    ("no markers\n", f"about.md: marker '{START}' not found"),
    (f"{START}\n{START}\n{END}\n", f"about.md:2: marker '{START}' appears again (first on line 1)"),
    (f"{END}\nx\n{START}\n", f"about.md:1: end marker '{END}' comes before the start marker on line 3"),
    (f"---\ntitle: About\n{START}\n---\n{END}\n", f"about.md:3: marker '{START}' is inside the front matter (lines 1-4)"),
    (f"Use:\n\n```html\n{START}\n{END}\n```\n", f"about.md:4: marker '{START}' is inside a fenced code block"),
])
def test_bad_markers_name_file_and_line(text, message):
    with pytest.raises(MarkerError) as info:
        find_markers(text, START, END, name="about.md")
    assert str(info.value).startswith(message)


def test_write_atomic_skips_identical_bytes(tmp_path):
    target = tmp_path / "out" / "x.md"
    assert write_atomic(target, b"one") is True
    mtime = target.stat().st_mtime_ns
    assert write_atomic(target, b"one") is False and target.stat().st_mtime_ns == mtime
    assert write_atomic(target, b"two") is True and target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["x.md"]


def test_csv_columns_follow_the_link_kind_whatever_its_label():
    row = next(csv.DictReader(io.StringIO(render_csv([pub(
        "a", 0, links=(("IEEE", "https://ieeexplore.ieee.org/document/9311864"), ("pdf", "https://arxiv.org/abs/2005.05650"),
                       ("slides", "https://example.org/s.pdf")),
        link_kinds=("link", "arxiv", "slides"))]).decode("utf-8"))))
    assert row["link"] == "https://ieeexplore.ieee.org/document/9311864"
    assert row["arxiv_url"] == "https://arxiv.org/abs/2005.05650"
    assert row["other_links"] == "slides: https://example.org/s.pdf"
