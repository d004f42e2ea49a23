"""Every homepage and CV format, read back by its consumer's own parser: BibTeX by bibtexparser and
pybtex, CSL-JSON by a JSON Schema validator with the CSL schema, RenderCV's YAML by RenderCV's data
model, the academicpages collection by Jekyll (Debian's package, academicpages' kramdown settings),
Hugo Blox bundles by a YAML parser and bibtexparser. The input is the seed's stored harvest (the
repository's ``output/harvest.json``, from the replayed seed sources), run offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import bibtexparser
import jsonschema
import pybtex.database
import pytest
import tomli_w
import yaml

from pipeline.config import load
from pipeline.emit import bibtex
from tests.conftest import FIXTURES, ROOT, run_main

KINDS = {"xiao2024hebbian": "conference", "xiao2020tdmpnet": "workshop", "xiao2022invertible": "journal",
         "yan2024sampling": "journal"}


def _site(tmp_path: Path, edit=None) -> Path:
    """A homepage repository: the repo's config (every format, into output/) and stored harvest;
    ``xiao2024hebbian`` marked ``selected``; ``edit(data)`` may change the config first."""
    (tmp_path / "output").mkdir()
    shutil.copy(ROOT / "output" / "harvest.json", tmp_path / "output" / "harvest.json")
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["paper"][0]["selected"] = True
    if edit:
        edit(data)
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    return config


def _run(config: Path) -> subprocess.CompletedProcess:
    done = run_main("run", "--offline", "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formats")
    config = _site(tmp)
    done = _run(config)
    papers = {p["key"]: p for p in json.loads((tmp / "output" / "publications.json").read_text())["papers"]}
    return {"out": tmp / "output", "config": config, "stdout": done.stdout, "papers": papers}


def test_bibtex_is_read_back_by_bibtexparser_and_pybtex(site):
    text = (site["out"] / "papers.bib").read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    assert len(entries) == 14
    types = {"conference": "inproceedings", "workshop": "inproceedings", "journal": "article"}
    for key, kind in KINDS.items():
        assert entries[key].entry_type == types[kind]
    hlop = entries["xiao2024hebbian"].fields_dict
    assert hlop["booktitle"].value == "International Conference on Learning Representations"
    assert hlop["abbr"].value == "ICLR" and hlop["selected"].value == "true"
    assert hlop["arxiv"].value == "2402.11984" and hlop["eprint"].value == "2402.11984"
    assert hlop["code"].value == "https://github.com/pkuxmq/HLOP-SNN"
    assert hlop["url"].value == "https://openreview.net/forum?id=MeB86edZ1P"
    ottt = entries["xiao2022online"].fields_dict
    assert ottt["award"].value == "Spotlight" and ottt["award_name"].value == "Spotlight"
    assert "selected" not in ottt
    ijcv = entries["xiao2022invertible"].fields_dict
    assert ijcv["journal"].value == "International Journal of Computer Vision"
    assert ijcv["doi"].value == "10.1007/s11263-022-01688-4" and ijcv["abbr"].value == "IJCV"
    dsr = entries["meng2022training"].fields_dict  # the owner's publisher link: al-folio's html button
    assert dsr["html"].value.startswith("https://openaccess.thecvf.com/content/CVPR2022/html/Meng_Training_")

    parsed = pybtex.database.parse_string(text, "bibtex")
    persons = parsed.entries["xiao2024hebbian"].persons["author"]
    assert [(" ".join(p.first_names), " ".join(p.last_names)) for p in persons][:2] == [
        ("Mingqing", "Xiao"), ("Qingyan", "Meng")]
    assert len(persons) == len(site["papers"]["xiao2024hebbian"]["authors"])
    # plain names: al-folio bolds the owner itself, from _config.yml
    assert "\\textbf" not in text and "**" not in text


def test_csl_json_is_valid_against_the_csl_schema(site):
    schema = json.loads((FIXTURES / "csl" / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads((site["out"] / "publications.csl.json").read_text(encoding="utf-8"))
    jsonschema.validate(items, schema)
    by_id = {item["id"]: item for item in items}
    assert by_id["xiao2024hebbian"]["type"] == "paper-conference"
    assert by_id["xiao2022invertible"]["type"] == "article-journal"
    assert by_id["xiao2022invertible"]["container-title"] == "International Journal of Computer Vision"
    assert by_id["xiao2022invertible"]["DOI"] == "10.1007/s11263-022-01688-4"
    assert by_id["xiao2024hebbian"]["author"][0] == {"family": "Xiao", "given": "Mingqing"}
    assert by_id["xiao2024hebbian"]["issued"] == {"date-parts": [[2024, 1, 16]]}
    assert by_id["xiao2022online"]["custom"]["award"] == "Spotlight"
    counts = site["papers"]["xiao2022online"]["citations"]
    assert by_id["xiao2022online"]["custom"]["citation_count"] == counts["count"]


def test_rendercv_data_model_accepts_the_publications(site):
    from rendercv.data import validate_input_dictionary_and_return_the_data_model

    data = yaml.safe_load((site["out"] / "publications.rendercv.yaml").read_text(encoding="utf-8"))
    model = validate_input_dictionary_and_return_the_data_model(data)
    section = model.cv.sections[0]
    assert section.title == "Publications" and len(section.entries) == 14
    assert {type(e).__name__ for e in section.entries} == {"PublicationEntry"}
    first = section.entries[0]
    assert first.title.startswith("Hebbian Learning based Orthogonal Projection")
    assert first.authors[0] == "**Mingqing Xiao**" and first.authors[1] == "Qingyan Meng"
    assert first.journal == "International Conference on Learning Representations (ICLR)"
    ijcv = next(e for e in section.entries if e.title.startswith("Invertible Rescaling Network"))
    assert ijcv.doi == "10.1007/s11263-022-01688-4"
    irn = next(e for e in section.entries if e.title == "Invertible Image Rescaling")
    assert irn.summary == "Oral, Top 2%"


def test_hugo_bundles_name_the_owner_by_slug_and_cite_bib_parses(site):
    folder = site["out"] / "content" / "publication"
    assert sorted(p.name for p in folder.iterdir()) == sorted(site["papers"])
    text = (folder / "xiao2020invertible" / "index.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["authors"][0] == "me" and front["authors"][1] == "Shuxin Zheng"
    assert front["publication_types"] == ["paper-conference"]
    assert front["publication"] == "*European Conference on Computer Vision (ECCV)*"
    assert front["publication_short"] == "*ECCV*" and front["doi"] == "10.1007/978-3-030-58452-8_8"
    assert {"type": "code", "url": "https://github.com/pkuxmq/Invertible-Image-Rescaling"} in front["links"]
    assert front["summary"] == "Oral, Top 2%" and front["featured"] is False
    hlop = yaml.safe_load((folder / "xiao2024hebbian" / "index.md").read_text(encoding="utf-8").split("---\n")[1])
    assert hlop["featured"] is True
    journal = yaml.safe_load((folder / "xiao2022invertible" / "index.md").read_text(encoding="utf-8").split("---\n")[1])
    assert journal["publication_types"] == ["article-journal"]
    cite = bibtexparser.parse_string((folder / "xiao2020invertible" / "cite.bib").read_text(encoding="utf-8"))
    assert [e.key for e in cite.entries] == ["xiao2020invertible"]
    assert cite.entries[0]["booktitle"] == "European Conference on Computer Vision"


# academicpages' _includes/archive-single.html (publications branch), reduced to what it prints.
ARCHIVE_SINGLE = """---
---
<h2 class="title"><a href="{{ page.paperurl }}">{{ page.title }}</a></h2>
<p class="venue">Published in <i>{{ page.venue }}</i>, {{ page.date | date: "%Y" }}</p>
<p class="category">{{ page.category }}</p>
<p class="citation">Recommended citation: {{ page.citation }}</p>
<div class="body">{{ content }}</div>
"""


def _jekyll_collection(folder: Path, tmp_path: Path) -> dict[str, Path]:
    """Build ``folder`` as an academicpages ``_publications`` collection with Jekyll; page per key."""
    from tests.test_jekyll_render import KRAMDOWN

    src = tmp_path / "site"
    (src / "_layouts").mkdir(parents=True)
    (src / "_layouts" / "single.html").write_text(ARCHIVE_SINGLE, encoding="utf-8")
    (src / "_config.yml").write_text(KRAMDOWN + "collections:\n  publications:\n    output: true\n"
                                     "    permalink: /:collection/:path/\n"
                                     "defaults:\n  - scope: {path: '', type: publications}\n"
                                     "    values: {layout: single}\n", encoding="utf-8")
    shutil.copytree(folder, src / "_publications")
    done = subprocess.run(["jekyll", "build", "--safe", "-s", str(src), "-d", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.stem: p for p in (tmp_path / "out" / "publication").glob("*.html")}


needs_jekyll = pytest.mark.skipif(shutil.which("jekyll") is None, reason="Jekyll is not installed (.ci/run installs it)")


@needs_jekyll
def test_academicpages_collection_builds_with_jekyll(site, tmp_path):
    from lxml import html as lxml_html

    pages = _jekyll_collection(site["out"] / "_publications", tmp_path)
    assert sorted(pages) == sorted(site["papers"])  # the permalink /publication/<key>
    tree = lxml_html.fromstring(pages["xiao2022online"].read_text(encoding="utf-8"))
    assert tree.xpath("string(//h2)") == "Online Training Through Time for Spiking Neural Networks"
    assert tree.xpath("string(//p[@class='venue'])") == \
        "Published in Advances in Neural Information Processing Systems (NeurIPS), 2022"
    assert tree.xpath("string(//p[@class='category'])") == "conferences"
    assert tree.xpath("//p[@class='citation']/b/text()") == ["Mingqing Xiao"]  # the owner, bold
    assert "(2022). \u201cOnline Training" in tree.xpath("string(//p[@class='citation'])") or \
        '(2022). "Online Training' in tree.xpath("string(//p[@class='citation'])")
    assert [a.get("href") for a in tree.xpath("//div[@class='body']//a")] == [
        "https://openreview.net/forum?id=Siv3nHYHheI", "https://arxiv.org/abs/2210.04195",
        "https://github.com/pkuxmq/OTTT-SNN"]
    assert tree.xpath("string(//div[@class='body']//strong)") == "Spotlight"
    journal = lxml_html.fromstring(pages["xiao2022invertible"].read_text(encoding="utf-8"))
    assert journal.xpath("string(//p[@class='category'])") == "manuscripts"


def test_citation_counts_come_from_s2_with_the_date_read(site):
    import csv
    import io

    rows = {r["key"]: r for r in csv.DictReader(io.StringIO((site["out"] / "publications.csv").read_text()))}
    stored = json.loads((site["out"] / "harvest.json").read_text(encoding="utf-8"))["sources"]["s2"]
    record = stored["ARXIV:2210.04195"]
    batch = json.loads((ROOT / "tests" / "fixtures" / "seed" / "s2" / "paper_batch_seed.json").read_text())
    answered = next(p for p in batch if p and p["externalIds"].get("ArXiv") == "2210.04195")
    assert record["citation_count"] == answered["citationCount"]
    assert rows["xiao2022online"]["citations"] == str(answered["citationCount"])
    assert rows["xiao2022online"]["citations_read"] == record["fetched_at"][:10]
    assert site["papers"]["xiao2022online"]["citations"] == {
        "count": answered["citationCount"], "source": "s2", "read": record["fetched_at"][:10]}
    assert rows["xiao2020tdmpnet"]["citations"] == ""  # no S2 record: no count, never a guess


def test_every_format_is_in_paths_and_a_second_run_writes_nothing(site):
    listed = run_main("paths", "--config", str(site["config"])).stdout.split("\n")
    for name in ("papers.bib", "publications.csl.json", "publications.rendercv.yaml", "owned.json"):
        assert str(site["out"] / name) in listed
    assert str(site["out"] / "_publications" / "xiao2024hebbian.md") in listed
    assert str(site["out"] / "content" / "publication" / "li2020training" / "cite.bib") in listed
    assert "14 files in" in site["stdout"] and "28 files in" in site["stdout"]
    before = {p: p.read_bytes() for p in site["out"].rglob("*") if p.is_file()}
    again = _run(site["config"])
    assert "No file changed." in again.stdout
    assert {p: p.read_bytes() for p in site["out"].rglob("*") if p.is_file()} == before


HAND_BIB = """% My own list, kept by hand.
@string{nips = "Advances in Neural Information Processing Systems"}

@article{einstein1905,
  title={Zur Elektrodynamik bewegter K{\\"o}rper},
  author={Einstein, Albert},
  journal={Annalen der Physik},
  year={1905},
  preview={einstein.png},
  bibtex_show={true}
}

@inproceedings{mine2019,
    title = "A {Workshop} Paper",
    author = "Xiao, Mingqing and Doe, Jane",
    booktitle = nips,
    year = 2019,
    annotation = {* equal contribution}
}

@misc{draft,
  title = {A draft with an unclosed brace,
"""


def test_a_hand_kept_papers_bib_keeps_its_entries_and_fields_byte_for_byte(tmp_path):
    config = _site(tmp_path)
    bib = tmp_path / "output" / "papers.bib"
    bib.write_text(HAND_BIB, encoding="utf-8")
    _run(config)
    first = bib.read_text(encoding="utf-8")
    assert first.startswith(HAND_BIB.rstrip("\n"))  # every byte the owner wrote, the broken entry too
    # the owner adds their own fields to one of the tool's entries
    mine = first.replace("  code = {https://github.com/pkuxmq/OTTT-SNN}\n}",
                         "  code = {https://github.com/pkuxmq/OTTT-SNN},\n  preview = {ottt.png},\n"
                         "  abstract = {We propose {OTTT}.},\n  bibtex_show = {true}\n}")
    assert mine != first
    bib.write_text(mine, encoding="utf-8")
    done = _run(config)
    second = bib.read_text(encoding="utf-8")
    assert second.startswith(HAND_BIB.rstrip("\n"))
    ottt = re.search(r"@inproceedings\{xiao2022online,.*?\n\}", second, re.S).group()
    for field in ("  preview = {ottt.png}", "  abstract = {We propose {OTTT}.}", "  bibtex_show = {true}"):
        assert field in ottt
    assert "edited by hand" not in done.stdout  # the owner's fields are not pubharvest's
    third_run = _run(config)
    assert bib.read_text(encoding="utf-8") == second and "No file changed." in third_run.stdout
    entries = {e.key: e for e in bibtexparser.parse_string(second).entries}
    assert {"einstein1905", "mine2019"} <= set(entries) and len(entries) == 16


def test_a_bib_entry_with_a_config_key_that_the_owner_wrote_is_left_alone(tmp_path):
    config = _site(tmp_path)
    bib = tmp_path / "output" / "papers.bib"
    own = "@article{xiao2022invertible,\n  title = {My own words},\n  journal = {IJCV}\n}\n"
    bib.write_text(own, encoding="utf-8")
    done = _run(config)
    text = bib.read_text(encoding="utf-8")
    assert text.startswith(own) and text.count("@article{xiao2022invertible,") == 1
    assert "the entry xiao2022invertible (line 1) is yours" in done.stdout


def test_removed_papers_lose_the_tools_files_and_never_the_owners(tmp_path):
    config = _site(tmp_path)
    folder = tmp_path / "output" / "_publications"
    folder.mkdir(parents=True)
    theirs = folder / "2009-10-01-paper-title-number-1.md"  # academicpages' sample file, the owner's own
    theirs.write_text("---\ntitle: \"Paper Title Number 1\"\ncollection: publications\n---\nMine.\n", encoding="utf-8")
    same_paper = folder / "2022-ottt.md"  # the owner's own page for a config paper: no second one is written
    same_paper.write_text("---\ntitle: 'Online training through time for spiking neural networks'\n---\n",
                          encoding="utf-8")
    done = _run(config)
    assert not (folder / "xiao2022online.md").exists()
    assert f"xiao2022online: {same_paper} is your own file for this paper" in done.stdout
    assert (folder / "xiao2021training.md").is_file() and (folder / "li2020training.md").is_file()
    edited = folder / "li2020training.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMy notes.\n", encoding="utf-8")

    def drop(data):
        data["paper"] = [p for p in data["paper"] if p["key"] not in ("xiao2021training", "li2020training")]
    data = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    drop(data)
    (tmp_path / "config.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    done = _run(tmp_path / "config.toml")
    assert not (folder / "xiao2021training.md").exists()  # the tool's, unedited: removed and reported
    assert not (tmp_path / "output" / "content" / "publication" / "xiao2021training").exists()
    assert "removed: " in done.stdout and "no longer in config" in done.stdout
    assert edited.is_file() and edited.read_text(encoding="utf-8").endswith("My notes.\n")
    assert f"{edited}: its paper is no longer in config, but the file was edited by hand" in done.stdout
    assert theirs.read_text(encoding="utf-8").endswith("Mine.\n") and same_paper.is_file()
    bib = (tmp_path / "output" / "papers.bib").read_text(encoding="utf-8")
    assert "xiao2021training" not in bib and "removed the entry xiao2021training" in done.stdout
    owned = json.loads((tmp_path / "output" / "owned.json").read_text(encoding="utf-8"))
    assert "_publications/xiao2021training.md" not in owned["files"]
    assert "_publications/li2020training.md" not in owned["files"]  # the owner's now


def test_a_file_of_the_owner_at_a_format_path_is_never_overwritten(tmp_path):
    config = _site(tmp_path)
    csl = tmp_path / "output" / "publications.csl.json"
    csl.write_text('[{"id": "mine", "type": "book"}]\n', encoding="utf-8")
    done = _run(config)
    assert csl.read_text(encoding="utf-8") == '[{"id": "mine", "type": "book"}]\n'
    assert f"{csl} exists and pubharvest did not write it" in done.stdout


HOSTILE = 'Bad {title} & 100% $x_1$ #1 ~ ^ \\ "q" \'q\' : - [a](b) <b>x</b> {{ site.title }} ---\n...'


@needs_jekyll
def test_hostile_text_is_data_in_every_format(tmp_path):
    """A title and an author with the specials of every format: each parser reads back the text, and
    Jekyll shows the academicpages page's title and citation as text."""
    from lxml import html as lxml_html

    def hostile(data):
        data["paper"][2]["title"] = HOSTILE.replace("\n", " ")
        data["paper"][2]["authors"] = ["Mingqing Xiao", "O'Brien, {Ann} & Co.", "- Dash"]
    config = _site(tmp_path, hostile)
    _run(config)
    out = tmp_path / "output"
    shown = HOSTILE.replace("\n", " ")
    csl = {i["id"]: i for i in json.loads((out / "publications.csl.json").read_text(encoding="utf-8"))}
    assert csl["xiao2022online"]["title"] == shown
    entry = bibtexparser.parse_string((out / "papers.bib").read_text(encoding="utf-8")).entries_dict["xiao2022online"]
    from pylatexenc.latex2text import LatexNodes2Text
    # as LaTeX shows it: runs of "-" stay hyphens (never a dash), ^ is the circumflex character
    # (\textbraceleft{} and \textbraceright{}, LaTeX's own braces, are not in pylatexenc's table)
    title = entry["title"].replace("\\textbraceleft{}", "\u27e8").replace("\\textbraceright{}", "\u27e9")
    assert LatexNodes2Text().latex_to_text(title).replace("\u02c6", "^").replace("\u27e8", "{") \
        .replace("\u27e9", "}") == shown
    assert pybtex.database.parse_string((out / "papers.bib").read_text(encoding="utf-8"), "bibtex")
    front = yaml.safe_load((out / "_publications" / "xiao2022online.md").read_text(encoding="utf-8").split("---\n")[1])
    assert front["title"] == shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    hugo = yaml.safe_load((out / "content" / "publication" / "xiao2022online" / "index.md")
                          .read_text(encoding="utf-8").split("---\n")[1])
    assert hugo["title"] == shown and hugo["authors"] == ["me", "O'Brien, {Ann} & Co.", "- Dash"]
    from rendercv.data import validate_input_dictionary_and_return_the_data_model
    validate_input_dictionary_and_return_the_data_model(
        yaml.safe_load((out / "publications.rendercv.yaml").read_text(encoding="utf-8")))
    page = lxml_html.fromstring(_jekyll_collection(out / "_publications", tmp_path)["xiao2022online"]
                                .read_text(encoding="utf-8"))
    assert page.xpath("string(//h2)") == shown and not page.xpath("//h2//b")
    assert page.xpath("//p[@class='citation']/b/text()") == ["Mingqing Xiao"]
    assert "O'Brien, {Ann} & Co., - Dash (2022)" in page.xpath("string(//p[@class='citation'])")


def test_latex_escaping_and_case_protection():
    assert bibtex.latex("50% of R&D_x #1 {a} ~ ^ \\") == \
        "50\\% of R\\&D\\_x \\#1 \\textbraceleft{}a\\textbraceright{} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
    assert bibtex.latex("BERT and ImageNet beat SNNs in 3D", protect_case=True) == \
        "{BERT} and {ImageNet} beat {SNNs} in {3D}"
    assert bibtex.latex("Attention Is All You Need", protect_case=True) == "Attention Is All You Need"
    # a capital after an underscore: the word is braced whole, its escape inside (not split across the brace)
    assert bibtex.latex("Top_K Retrieval on MS_MARCO", protect_case=True) == "{Top\\_K} Retrieval on {MS\\_MARCO}"


@pytest.mark.parametrize("body, message", [
    ('[formats]\nbibtx = "x.bib"\n', "did you mean 'bibtex'"),
    ('[formats]\nacademicpages = "config.toml"\n', "is a file; academicpages names a folder"),
    ('[formats]\nbibtex = "output/publications.md"\n', "is also written by [output] dir"),
    ('[formats]\nhugo_author = "Me Myself"\n', "expected an author slug"),
    ('[formats]\nhugo = "output"\n', "is also written by"),
    ('[formats]\nbibtex = "config.toml"\n', "is the config file itself"),
    ('[formats]\ncsl_json = "cv/../output/publications.json"\n', "is also written by [output] dir"),
    ('[formats]\nbibtex = "cv/x.bib"\nrendercv = "cv/../cv/x.bib"\n', "is also written by formats.bibtex"),
])
def test_bad_formats_config_names_the_key(tmp_path, body, message):
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[formats\].*?\n\n", "", text, flags=re.S) + "\n" + body
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load(path)
    assert message in str(caught.value) and "formats" in str(caught.value)


def _formats_at_site_root(data):
    """The README's own layout: the formats in the site's folders, outside output/."""
    data["formats"] = {"bibtex": "_bibliography/papers.bib", "academicpages": "_publications",
                       "hugo": "content/publication", "csl_json": "cv/publications.json", "rendercv": "cv/pubs.yaml"}


def test_a_title_with_an_underscore_before_a_capital_gives_the_same_bib_every_run(tmp_path):
    def titled(data):
        _formats_at_site_root(data)
        data["paper"][2]["title"] = "Top_K Retrieval on MS_MARCO"
    config = _site(tmp_path, titled)
    bib = tmp_path / "_bibliography" / "papers.bib"
    _run(config)
    first = bib.read_bytes()
    second_run = _run(config)
    assert bib.read_bytes() == first and "edited by hand" not in second_run.stdout
    entry = bibtexparser.parse_string(first.decode()).entries_dict["xiao2022online"]
    assert entry["title"] == "{Top\\_K} Retrieval on {MS\\_MARCO}" and "author" in entry.fields_dict


def test_formats_outside_the_output_folder_know_their_own_files(tmp_path):
    """owned.json records ../_publications/...: a renamed key and two papers of one title still work."""
    def layout(data):
        _formats_at_site_root(data)
        data["paper"].append({"key": "dup2020deep", "title": "Invertible Image Rescaling", "authors": ["Mingqing Xiao"],
                              "venue": "Workshop on Something", "year": 2020})
    config = _site(tmp_path, layout)
    _run(config)
    folder = tmp_path / "_publications"
    assert (folder / "dup2020deep.md").is_file() and (folder / "xiao2020invertible.md").is_file()
    again = _run(config)
    assert "your own file" not in again.stdout and "No file changed." in again.stdout
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    next(p for p in data["paper"] if p["key"] == "xiao2020tdmpnet")["key"] = "xiao2020tdmp"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    renamed = _run(config)
    assert (folder / "xiao2020tdmp.md").is_file() and not (folder / "xiao2020tdmpnet.md").exists()
    assert (tmp_path / "content" / "publication" / "xiao2020tdmp" / "index.md").is_file()
    assert "your own" not in renamed.stdout
    listed = run_main("paths", "--config", str(config)).stdout.split("\n")
    assert not any("/../" in line for line in listed) and len(listed) == len(set(listed))


def test_a_crlf_papers_bib_stays_crlf(tmp_path):
    config = _site(tmp_path)
    bib = tmp_path / "output" / "papers.bib"
    hand = HAND_BIB.split("@misc{draft")[0].replace("\n", "\r\n")
    bib.write_bytes(hand.encode())
    _run(config)
    data = bib.read_bytes()
    assert data.startswith(hand.rstrip("\r\n").encode()) and b"\n" not in data.replace(b"\r\n", b"")
    _run(config)
    assert bib.read_bytes() == data


def test_an_owners_entry_under_another_key_or_case_is_not_listed_twice(tmp_path):
    config = _site(tmp_path)
    bib = tmp_path / "output" / "papers.bib"
    own = ("@inproceedings{xiao2021ide,\n  title={Training Feedback Spiking Neural Networks by Implicit Differentiation "
           "on the Equilibrium State},\n  booktitle={NeurIPS}\n}\n\n@inproceedings{Xiao2024Hebbian,\n  title={HLOP}\n}\n")
    bib.write_text(own, encoding="utf-8")
    done = _run(config)
    text = bib.read_text(encoding="utf-8")
    assert text.startswith(own.rstrip("\n"))
    keys = [e.key.casefold() for e in bibtexparser.parse_string(text).entries]
    assert "xiao2021training" not in keys and keys.count("xiao2024hebbian") == 1
    assert "your entry xiao2021ide (line 1) is xiao2021training of config (the same title)" in done.stdout


def test_an_unreadable_tool_entry_gets_no_second_copy(tmp_path):
    config = _site(tmp_path)
    _run(config)
    bib = tmp_path / "output" / "papers.bib"
    broken = bib.read_text(encoding="utf-8").replace("  abbr = {ICLR},\n", "  abbr = {ICLR},\n  preview = {a},\n"
                                                     "  preview = {b},\n", 1)
    bib.write_text(broken, encoding="utf-8")
    done = _run(config)
    assert bib.read_text(encoding="utf-8").count("@inproceedings{xiao2024hebbian,") == 1
    assert "xiao2024hebbian (line 1) cannot be read as BibTeX" in done.stdout


def test_unbalanced_braces_and_and_in_a_name_keep_the_bib_readable(tmp_path):
    def odd(data):
        data["paper"][2]["title"] = "} closing first { and { unbalanced"
        data["paper"][2]["authors"] = ["Mingqing Xiao", "Research and Development Team", "{{ page.x }}"]
    config = _site(tmp_path, odd)
    _run(config)
    parsed = pybtex.database.parse_string((tmp_path / "output" / "papers.bib").read_text(encoding="utf-8"), "bibtex")
    people = parsed.entries["xiao2022online"].persons["author"]
    assert len(people) == 3 and len(parsed.entries) == 14


def test_line_end_conversion_is_not_an_edit(tmp_path):
    config = _site(tmp_path)
    _run(config)
    page = tmp_path / "output" / "_publications" / "xiao2024hebbian.md"
    page.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))  # a checkout with core.autocrlf
    done = _run(config)
    assert "edited by hand" not in done.stdout and b"\r\n" not in page.read_bytes()


def test_a_bib_that_is_not_utf8_is_left_alone_with_its_line(tmp_path):
    config = _site(tmp_path)
    bib = tmp_path / "output" / "papers.bib"
    bib.write_bytes(b"@article{a,\n  title = {Caf\xe9}\n}\n")
    done = _run(config)
    assert bib.read_bytes() == b"@article{a,\n  title = {Caf\xe9}\n}\n"
    assert f"{bib}:2: not UTF-8 text" in done.stdout


def test_rendercv_text_is_written_as_the_sources_give_it(tmp_path):
    def titled(data):
        data["paper"][2]["title"] = "The MS_MARCO set in C# and F# [link](http://x) ~1 s with a*b*c"
    config = _site(tmp_path, titled)
    _run(config)
    doc = yaml.safe_load((tmp_path / "output" / "publications.rendercv.yaml").read_text(encoding="utf-8"))
    titles = [e["title"] for e in doc["cv"]["sections"]["Publications"]]
    assert "The MS_MARCO set in C# and F# [link](http://x) ~1 s with a\u2217b\u2217c" in titles


def test_paths_inside_refuses_a_format_outside_the_repository(tmp_path):
    def outside(data):
        data["formats"] = {"rendercv": "../outside-cv/pubs.yaml"}
    (tmp_path / "repo").mkdir()
    config = _site(tmp_path / "repo", outside)
    done = run_main("paths", "--config", str(config), "--inside", str(tmp_path / "repo"))
    assert done.returncode == 3 and "formats.rendercv" in done.stderr and "outside the repository" in done.stderr


def test_keys_that_differ_only_in_case_are_a_config_error(tmp_path):
    def upper(data):
        data["paper"][1]["key"] = data["paper"][0]["key"].upper()
    config = _site(tmp_path, upper)
    done = run_main("run", "--offline", "--config", str(config))
    assert done.returncode == 3 and "keys differ only in case" in done.stderr


def test_a_renamed_key_carries_the_bib_entry_and_the_owners_edited_page_over(tmp_path):
    def layout(data):
        _formats_at_site_root(data)
    config = _site(tmp_path, layout)
    _run(config)
    bib = tmp_path / "_bibliography" / "papers.bib"
    text = bib.read_text(encoding="utf-8").replace("  code = {https://github.com/pkuxmq/HLOP-SNN}\n}",
                                                   "  code = {https://github.com/pkuxmq/HLOP-SNN},\n"
                                                   "  preview = {hlop.png}\n}")
    bib.write_text(text, encoding="utf-8")
    page = tmp_path / "_publications" / "xiao2024hebbian.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMy own notes.\n", encoding="utf-8")
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    data["paper"][0]["key"] = "xiao2024hlop"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    done = _run(config)
    assert "the entry xiao2024hebbian is now xiao2024hlop (its key was renamed in config)" in done.stdout
    for run in range(2):
        after = bib.read_text(encoding="utf-8")
        keys = [e.key for e in bibtexparser.parse_string(after).entries]
        assert "xiao2024hlop" in keys and "xiao2024hebbian" not in keys and len(keys) == 14
        assert "  preview = {hlop.png}" in after
        # the owner's edited page is the paper's page now: no second one, and nothing removed later
        assert page.read_text(encoding="utf-8").endswith("My own notes.\n")
        assert not (tmp_path / "_publications" / "xiao2024hlop.md").exists()
        if run:
            assert "No file changed." in done.stdout and "removed" not in done.stdout
        done = _run(config)


def test_an_unchanged_run_keeps_the_owners_field_order(tmp_path):
    config = _site(tmp_path)
    _run(config)
    bib = tmp_path / "output" / "papers.bib"
    text = bib.read_text(encoding="utf-8").replace("@inproceedings{xiao2024hebbian,\n",
                                                   "@inproceedings{xiao2024hebbian,\n  bibtex_show = {true},\n", 1)
    bib.write_text(text, encoding="utf-8")
    done = _run(config)
    assert bib.read_text(encoding="utf-8") == text and "No file changed." in done.stdout


def test_an_absolute_format_path_is_checked_like_a_relative_one(tmp_path, monkeypatch):
    def absolute(data):
        data["formats"] = {"csl_json": str(tmp_path / "output" / "publications.json")}
    _site(tmp_path, absolute)
    monkeypatch.chdir(tmp_path)
    done = run_main("run", "--offline", "--config", "config.toml")  # a relative --config, the default
    assert done.returncode == 3 and "is also written by [output] dir" in done.stderr


def test_only_public_undeleted_notes_count_as_the_profiles_papers():
    from harvest.openreview_source import _public

    note = {"readers": ["everyone"], "content": {"title": {"value": "T"}, "authors": {"value": ["A"]}}}
    assert _public(note)
    assert not _public({**note, "ddate": 1700000000000})
    hidden = {"readers": ["everyone"], "content": {"title": {"value": "T"},
                                                   "authors": {"value": ["A"], "readers": ["ICLR.cc/2026/Conference"]}}}
    assert not _public(hidden)
    assert not _public({**note, "readers": ["ICLR.cc/2026/Conference", "~A1"]})
