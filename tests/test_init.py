"""`pipeline init`: a config from the page a researcher already has, and markers around its section."""

from __future__ import annotations

import shutil
import tomllib

import tomli_w

import pytest

from pipeline.cli import main
from pipeline.homepage import parse_publications
from pipeline.init import entry_from_links, from_collection, from_homepage, insert_markers
from tests.conftest import END, ROOT, DISCOVER, SEED, START, write_config
from tests.replay import ReplayServer

PAGE = (SEED / "about.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_init():
    return from_homepage(PAGE, name="about.md")


def test_fourteen_entries_whose_ids_match_the_page_links(seed_init):
    assert len(seed_init.papers) == 14 and seed_init.owner == "Mingqing Xiao"
    for paper, entry in zip(seed_init.papers, parse_publications(PAGE)):
        for label, url in entry.links:
            if "arxiv.org" in url:
                assert url.endswith(paper["arxiv"])
            elif "openreview.net" in url:
                assert url.endswith(paper["openreview"])
            elif label.lower() == "code":
                assert paper["code"] == url
            else:
                assert paper.get("link", f"https://doi.org/{paper.get('doi')}") == url


@pytest.mark.parametrize("label, url, expected", [
    ("arxiv", "https://arxiv.org/abs/2402.11984", {"arxiv": "2402.11984"}),
    ("arXiv", "https://arxiv.org/pdf/2210.04195v2.pdf", {"arxiv": "2210.04195", "labels": {"arxiv": "arXiv"}}),
    ("openreview", "https://openreview.net/forum?id=MeB86edZ1P", {"openreview": "MeB86edZ1P"}),
    ("link", "https://openreview.net/forum?id=v_KSmk9B5kt", {"openreview": "v_KSmk9B5kt",
                                                             "labels": {"openreview": "link"}}),
    ("link", "https://doi.org/10.1016/j.neunet.2023.01.026", {"doi": "10.1016/j.neunet.2023.01.026"}),
    ("link", "https://link.springer.com/chapter/10.1007/978-3-030-58452-8_8",
     {"doi": "10.1007/978-3-030-58452-8_8", "link": "https://link.springer.com/chapter/10.1007/978-3-030-58452-8_8"}),
    ("link", "https://link.springer.com/article/10.1007/s11263-022-01688-4",
     {"doi": "10.1007/s11263-022-01688-4", "link": "https://link.springer.com/article/10.1007/s11263-022-01688-4"}),
    ("link", "https://www.frontiersin.org/journals/neuroscience/articles/10.3389/fnins.2023.1303564/full",
     {"doi": "10.3389/fnins.2023.1303564",
      "link": "https://www.frontiersin.org/journals/neuroscience/articles/10.3389/fnins.2023.1303564/full"}),
    ("link", "https://www.sciencedirect.com/science/article/pii/S0893608024000352",
     {"pii": "S0893608024000352", "link": "https://www.sciencedirect.com/science/article/pii/S0893608024000352"}),
    ("link", "https://www.cell.com/cell/fulltext/S0092-8674(23)00123-4",
     {"pii": "S0092867423001234", "link": "https://www.cell.com/cell/fulltext/S0092-8674(23)00123-4"}),
    ("paper", "https://www.nature.com/articles/s41467-023-36706-3",
     {"doi": "10.1038/s41467-023-36706-3", "link": "https://www.nature.com/articles/s41467-023-36706-3",
      "labels": {"link": "paper"}}),
    ("pdf", "https://www.nature.com/articles/srep16696.pdf",
     {"doi": "10.1038/srep16696", "link": "https://www.nature.com/articles/srep16696.pdf", "labels": {"link": "pdf"}}),
    ("link", "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0033693",
     {"doi": "10.1371/journal.pone.0033693",
      "link": "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0033693"}),
    ("link", "https://onlinelibrary.wiley.com/doi/full/10.1002/stvr.1791",
     {"doi": "10.1002/stvr.1791", "link": "https://onlinelibrary.wiley.com/doi/full/10.1002/stvr.1791"}),
    ("link", "https://dl.acm.org/doi/10.1145/3386569.3392408",
     {"doi": "10.1145/3386569.3392408", "link": "https://dl.acm.org/doi/10.1145/3386569.3392408"}),
    ("link", "https://www.tandfonline.com/doi/full/10.1080/10447318.2023.2193513",
     {"doi": "10.1080/10447318.2023.2193513", "link": "https://www.tandfonline.com/doi/full/10.1080/10447318.2023.2193513"}),
    ("link", "https://academic.oup.com/bioinformatics/article/39/1/btac760/6873725",
     {"doi": "10.1093/bioinformatics/btac760",
      "link": "https://academic.oup.com/bioinformatics/article/39/1/btac760/6873725"}),
    ("link", "https://www.science.org/doi/10.1126/science.abq1841",
     {"doi": "10.1126/science.abq1841", "link": "https://www.science.org/doi/10.1126/science.abq1841"}),
    ("link", "https://ieeexplore.ieee.org/document/8099678/", {"link": "https://ieeexplore.ieee.org/document/8099678/"}),
    ("link", "https://ieeexplore.ieee.org/document/9311864", {"link": "https://ieeexplore.ieee.org/document/9311864"}),
    ("code", "https://github.com/pkuxmq/HLOP-SNN", {"code": "https://github.com/pkuxmq/HLOP-SNN"}),
    ("slides", "https://example.org/talk.pdf", {"links": {"slides": "https://example.org/talk.pdf"}}),
])
def test_each_kind_of_link(label, url, expected):
    table, _ = entry_from_links([(label, url)], "page:1")
    assert table == expected


def _sources_file(tmp_path, server) -> str:
    path = tmp_path / "replay-sources.toml"
    path.write_text(tomli_w.dumps({"sources": server.sources_config()}), encoding="utf-8")
    return str(path)


def test_init_then_run_gives_the_main_job_section(tmp_path, capsys):
    page = tmp_path / "about.md"
    shutil.copy(SEED / "about.md", page)
    with ReplayServer([SEED, DISCOVER]) as server:
        assert main(["init", "--from-homepage", str(page), "--config", str(tmp_path / "made.toml"),
                     "--sources-from", _sources_file(tmp_path, server)]) == 0
        out = capsys.readouterr().out
        assert "wrote" in out and "14 papers (14 with IDs, 0 manual)" in out
        config = write_config(tmp_path / "config.toml", server, base=tmp_path / "made.toml")
        assert main(["run", "--config", str(config)]) == 0
        assert not server.unmatched
    assert (tmp_path / "output" / "publications.md").read_bytes() == (ROOT / "output" / "publications.md").read_bytes()


def test_round_trip_of_our_own_section_is_byte_for_byte(tmp_path, capsys):
    section = (ROOT / "output" / "publications.md").read_text(encoding="utf-8")
    page = tmp_path / "about.md"
    page.write_text(f"Publications\n------\n{START}\n\n{section}\n{END}\n", encoding="utf-8")
    with ReplayServer([SEED, DISCOVER]) as server:
        assert main(["init", "--from-homepage", str(page), "--config", str(tmp_path / "made.toml"),
                     "--sources-from", _sources_file(tmp_path, server)]) == 0
        config = write_config(tmp_path / "config.toml", server, base=tmp_path / "made.toml", homepage=page)
        assert main(["run", "--config", str(config)]) == 0
    assert (tmp_path / "output" / "publications.md").read_text(encoding="utf-8") == section
    assert page.read_text(encoding="utf-8") == f"Publications\n------\n{START}\n\n{section}\n{END}\n"


def test_write_markers_touches_nothing_else(tmp_path, capsys):
    page = tmp_path / "about.md"
    shutil.copy(SEED / "about.md", page)
    assert main(["init", "--from-homepage", str(page), "--config", str(tmp_path / "c.toml"), "--write-markers",
                 "--offline"]) == 0
    marked = page.read_text(encoding="utf-8")
    assert marked.replace(START + "\n", "", 1).replace("\n\n" + END, "", 1) == PAGE
    assert marked.index(START) < marked.index("### Conference Papers") < marked.index(END) < marked.index("&nbsp;", marked.index(END) - 10)
    config = tomllib.loads((tmp_path / "c.toml").read_text(encoding="utf-8"))
    assert config["output"]["homepage"] == "about.md"


def test_entry_without_a_recognised_link_is_kept_as_a_manual_entry():
    page = ("### Journal Papers\n\n"
            "1. **A Study: of \"Quoted\" and *Emphasized* Things** [[slides]](https://example.org/s.pdf)  \n"
            "Ada Lovelace, **Mingqing Xiao**    \n"
            "*Journal of Things, 2021*\n")
    result = from_homepage(page, name="p.md")
    paper = result.papers[0]
    assert paper["title"] == 'A Study: of "Quoted" and *Emphasized* Things'
    assert paper["authors"] == ["Ada Lovelace", "Mingqing Xiao"] and result.owner == "Mingqing Xiao"
    assert (paper["venue"], paper["year"], paper["section"]) == ("Journal of Things", 2021, "journal")
    assert paper["links"] == {"slides": "https://example.org/s.pdf"}
    assert any("p.md:3: no arXiv, OpenReview or DOI link; written as a manual entry" in n for n in result.unmapped)


def test_unusual_spacing_and_label_case():
    page = ("### Conference Papers\n\n"
            "1. **Title One**  [[ArXiv]](https://arxiv.org/abs/2302.14311)    [[CODE]](https://github.com/a/b)    \n"
            "A. Author,  **B. Owner**  \n"
            "*ICCV, 2023*    <font color=red>(Oral)</font>    \n")
    paper = from_homepage(page).papers[0]
    assert paper == {"key": "author2023title", "arxiv": "2302.14311", "code": "https://github.com/a/b", "award": "Oral",
                     "labels": {"arxiv": "ArXiv", "code": "CODE"}}  # the page's labels survive, per link


def test_entry_without_bold_title_is_reported_not_dropped():
    result = from_homepage("### Preprints\n\n1. A plain title [[arxiv]](https://arxiv.org/abs/2302.14311)\n")
    assert result.papers == [{"arxiv": "2302.14311", "key": "anonplain"}]
    assert any("no bold title" in note for note in result.unmapped)


def test_publications_collection(tmp_path):
    folder = tmp_path / "_publications"
    folder.mkdir()
    (folder / "2009-10-01-paper-title-number-1.md").write_text(
        "---\ntitle: \"Paper Title Number 1\"\ncollection: publications\npermalink: /publication/p1\n"
        "date: 2009-10-01\nvenue: 'Journal 1'\npaperurl: 'http://academicpages.github.io/files/paper1.pdf'\n"
        "citation: 'Your Name, You. (2009). &quot;Paper Title Number 1.&quot; <i>Journal 1</i>. 1(1).'\n---\nAbstract.\n",
        encoding="utf-8")
    (folder / "2020-05-13-irn.md").write_text(
        "---\ntitle: \"Invertible Image Rescaling\"\ndate: 2020-05-13\nvenue: 'ECCV'\n"
        "paperurl: 'https://arxiv.org/abs/2005.05650'\ncitation: 'Xiao, M. and Zheng, S. (2020).'\n---\n",
        encoding="utf-8")
    result = from_collection(folder, owner="Your Name")
    assert result.papers[0] == {"arxiv": "2005.05650", "key": "xiao2020invertible"}
    manual = result.papers[1]
    assert (manual["title"], manual["venue"], manual["year"]) == ("Paper Title Number 1", "Journal 1", 2009)
    # "Last, First." with the citation's closing period: surname "Your Name", given name "You"
    assert manual["authors"] == ["You Your Name"] and manual["link"].endswith("paper1.pdf")


def test_insert_markers_needs_a_publications_heading():
    with pytest.raises(ValueError, match="no heading that says 'Publications'"):
        insert_markers("# About\n\n1. **x**\n", START, END)


def test_existing_config_is_not_overwritten(tmp_path, capsys):
    (tmp_path / "config.toml").write_text("keep me\n", encoding="utf-8")
    code = main(["init", "--from-homepage", str(SEED / "about.md"), "--config", str(tmp_path / "config.toml")])
    assert code == 3 and (tmp_path / "config.toml").read_text(encoding="utf-8") == "keep me\n"
    assert "exists; pass --force" in capsys.readouterr().err


def test_text_between_lists_stops_the_markers():
    page = ("Publications\n------\n### Conference Papers\n\n1. **A** [[arxiv]](https://arxiv.org/abs/2302.14311)\n"
            "Ada\n*ICML, 2019*\n\nSee also my [Scholar](https://scholar.google.com) page.\n\n"
            "### Journal Papers\n\n1. **B** [[link]](https://doi.org/10.1000/xyz)\nAda\n*JMLR, 2020*\n")
    with pytest.raises(ValueError, match="line 9: 'See also my"):
        insert_markers(page, START, END)


def test_markers_stop_at_the_next_section_and_keep_crlf():
    page = ("Publications\r\n------\r\n1. **A** [[arxiv]](https://arxiv.org/abs/2302.14311)\r\nAda\r\n*ICML, 2019*\r\n"
            "\r\n&nbsp;\r\n\r\nTeaching\r\n------\r\n1. Course\r\n")
    marked = insert_markers(page, START, END)
    assert marked == page.replace("1. **A**", START + "\r\n1. **A**").replace("2019*\r\n", "2019*\r\n\r\n" + END + "\r\n", 1)


def test_bulleted_entries_bold_italic_titles_and_span_awards():
    page = ("### Conference Papers\n\n- ***A Bold Italic Title: 50\\% \\& Co.*** [[arxiv]](https://arxiv.org/abs/2302.14311)\n"
            "**Ada Lovelace**\n*ICML 2019* <span style=\"color:red\">Best Paper</span>\n\n"
            "- **Second** [[openreview]](https://openreview.net/forum?id=AbCdEfGhIj)\nAda Lovelace\n*ICLR, 2022*\n")
    entries = parse_publications(page)
    assert [e.title for e in entries] == ["A Bold Italic Title: 50% & Co.", "Second"]
    assert entries[0].award == "Best Paper" and entries[0].venue == "ICML 2019"
    result = from_homepage(page)
    assert result.papers == [{"arxiv": "2302.14311", "award": "Best Paper", "key": "lovelace2019bold"},
                             {"openreview": "AbCdEfGhIj", "key": "lovelace2022second"}]


def test_init_config_uses_paper_tables_that_a_hand_added_paper_can_join(tmp_path, capsys):
    page = tmp_path / "about.md"
    page.write_text("### Journal Papers\n\n1. **A** [[arxiv]](https://arxiv.org/abs/2302.14311)\nAda\n*JMLR, 2020*\n",
                    encoding="utf-8")
    made = tmp_path / "config.toml"
    assert main(["init", "--from-homepage", str(page), "--config", str(made), "--owner", "Ada", "--offline"]) == 0
    text = made.read_text(encoding="utf-8") + '\n[[paper]]\narxiv = "2109.14247"\n'
    assert "[[paper]]\nkey = \"ada2020a\"\narxiv = \"2302.14311\"" in text
    assert len(tomllib.loads(text)["paper"]) == 2


def test_first_offline_run_after_init_keeps_the_page_entries(tmp_path, capsys):
    site = tmp_path / "site"
    (site / "_pages").mkdir(parents=True)
    page = site / "_pages" / "about.md"
    shutil.copy(SEED / "about.md", page)
    assert main(["init", "--from-homepage", str(page), "--config", str(site / "config.toml"), "--write-markers",
                 "--offline"]) == 0
    marked = page.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["run", "--offline", "--config", str(site / "config.toml")]) == 4
    out = capsys.readouterr().out
    assert out.count("kept the entry the homepage shows") == 10
    after = parse_publications(page.read_text(encoding="utf-8"))
    before = parse_publications(marked)
    assert [(e.section, e.title, e.authors, e.bold, e.venue, e.award) for e in after] == \
           [(e.section, e.title, e.authors, e.bold, e.venue, e.award) for e in before]


@pytest.mark.parametrize("citation, authors", [
    ("Xiao, M. and Zheng, S.", ["M. Xiao", "S. Zheng"]),
    ("Xiao, Mingqing and Lin, Zhouchen", ["Mingqing Xiao", "Zhouchen Lin"]),
    ("Xiao, M., Zheng, S., Lin, Z.", ["M. Xiao", "S. Zheng", "Z. Lin"]),
    ("van der Berg, Jan and Doe, J.", ["Jan van der Berg", "J. Doe"]),
    ("M. Xiao, S. Zheng and Z. Lin", ["M. Xiao", "S. Zheng", "Z. Lin"]),
    ("Mingqing Xiao, Shuxin Zheng, Zhouchen Lin.", ["Mingqing Xiao", "Shuxin Zheng", "Zhouchen Lin"]),
    ("Smith, John; Doe, Jane", ["John Smith", "Jane Doe"]),
])
def test_citation_authors_in_last_first_and_first_last_form(citation, authors):
    from pipeline.init import _citation_authors
    assert _citation_authors(citation) == authors
