"""Every output stays inert in the real renderer: hostile titles, authors, venues, DOIs and URLs
arriving through each source and through config are built into a page by Jekyll (Debian's
``jekyll`` package, academicpages' kramdown settings), and the HTML shows exactly the text, with no
element or attribute that came from the input."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from xml.sax.saxutils import escape

import pytest
from lxml import html as lxml_html

from harvest.sanitize import clean
from pipeline.emit import safe_url
from tests.conftest import SEED, marked_homepage, run_main, write_config
from tests.replay import Fault, ReplayServer

pytestmark = pytest.mark.skipif(shutil.which("jekyll") is None, reason="Jekyll is not installed (.ci/run installs it)")

# academicpages' _config.yml (academicpages/academicpages.github.io), "Markdown Processing"
KRAMDOWN = """markdown: kramdown
kramdown:
  input: GFM
  hard_wrap: false
  auto_ids: true
  footnote_nr: 1
  entity_output: as_char
  toc_levels: 1..6
  smart_quotes: lsquo,rsquo,ldquo,rdquo
  enable_coderay: false
"""

HOSTILE = ("<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://evil.example/i.png) "
           "{{site.title}} {% raw %}{{ page.x }}{% endraw %} ~~struck~~ $$x^2$$ {::comment}hidden{:/comment} "
           "{: .cls} *em* _u_ `code` **b** |a|b| back\\slash a -- b --- c ... << >> \"q\" 'q' :smile: "
           "\u202eoverride\u202c \x1b[2Jclear \x07bell \x00nul שלום")
AUTHORS = ["1. Alpha", "- Beta", "{{ page.x }}", "# Gamma", ": Delta", "---", "+ Eps", "Mingqing Xiao"]
CROSSREF_AUTHORS = ["2) Zeta", "= Eta", "<b>Theta</b>", "Mingqing Xiao", "|Iota|"]
DOIS = {"sici": "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0",
        "liquid": "10.1234/{{site.title}}", "raw": '10.1234/{%raw%}x"`'}
ALLOWED_TAGS = {"html", "body", "div", "h2", "h3", "ol", "li", "p", "strong", "em", "a", "br", "font"}


def _shown(text: str) -> str:
    """What the page should show for source text: cleaned, on one line."""
    return " ".join(clean(text).split())


def _hostile_fixtures(tmp_path):
    """The seed answers with hostile text: S2 (title, authors, venue, DOIs), arXiv (title, journal_ref),
    OpenReview (title, venue words) and Crossref (title, authors, container-title)."""
    batch = json.loads((SEED / "s2" / "paper_batch_seed.json").read_text(encoding="utf-8"))
    frontiers = batch[7]
    frontiers.update(title="S2 " + HOSTILE, venue="Journal of " + HOSTILE, publicationVenue=None, journal=None,
                     authors=[{"authorId": None, "name": name} for name in AUTHORS])
    batch[1]["externalIds"]["DOI"] = DOIS["sici"]            # SLTT: no config link, the DOI makes the link
    batch[4]["externalIds"]["DOI"] = DOIS["raw"]             # IDE
    batch[0]["externalIds"]["DOI"] = DOIS["liquid"]          # HLOP
    batch[3].update(venue="", publicationVenue=None, journal=None)  # DSR: the arXiv entry decides
    feed = (SEED / "arxiv" / "id_list_seed.xml").read_text(encoding="utf-8")
    dsr = feed.index("<id>http://arxiv.org/abs/2205.00459")
    title_at = feed.index("<title>", dsr)
    xml_safe = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", HOSTILE)  # XML 1.0 cannot carry these
    feed = (feed[:title_at] + f"<title>arXiv {escape(xml_safe)}</title>"
            + feed[feed.index("</title>", title_at) + len("</title>"):])
    feed = feed[:title_at] + feed[title_at:].replace(
        "<published>", f"<arxiv:journal_ref>Transactions on {escape(xml_safe)}, 12:3, 2022</arxiv:journal_ref>"
                       "<published>", 1)
    notes = json.loads((SEED / "openreview" / "api2_notes_seed.json").read_text(encoding="utf-8"))
    notes["notes"][0]["content"]["title"] = {"value": "OpenReview " + HOSTILE}
    notes["notes"][0]["content"]["venue"] = {"value": "ICLR 2024 <b>Oral</b>"}
    works = json.loads((SEED / "crossref" / "works_seed.json").read_text(encoding="utf-8"))
    items = works["message"]["items"]
    items[:] = [w for w in items if w["DOI"] != "10.3389/fnins.2023.1303564"]  # Frontiers: S2 decides
    sampling = next(w for w in items if w["DOI"] == "10.1016/j.neunet.2024.106121")  # Crossref alone knows it
    # Crossref's text is JATS: literal < > & come as entities, markup as tags (removed)
    sampling.update({"title": ["Crossref " + html.escape(HOSTILE, quote=False) + " <i>jats</i>"],
                     "container-title": ["Journal of Crossref " + html.escape(HOSTILE, quote=False)],
                     "short-container-title": [],
                     "author": [{"name": name, "sequence": "additional", "affiliation": []} for name in CROSSREF_AUTHORS]})
    return batch, feed, notes, works


def _build(tmp_path, page_text: str) -> tuple[subprocess.CompletedProcess, object]:
    site = tmp_path / "site"
    (site / "_pages").mkdir(parents=True)
    (site / "_config.yml").write_text(KRAMDOWN + "include:\n  - _pages\n", encoding="utf-8")
    (site / "_pages" / "about.md").write_text(page_text, encoding="utf-8")
    done = subprocess.run(["jekyll", "build", "--safe", "-s", str(site), "-d", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    out = tmp_path / "out" / "index.html"
    tree = lxml_html.fromstring(out.read_text(encoding="utf-8")) if out.is_file() else None
    return done, tree


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("jekyll")
    batch, feed, notes, works = _hostile_fixtures(tmp_path)
    homepage = marked_homepage(tmp_path / "about.md")
    with ReplayServer([SEED]) as server:
        server.faults["/s2/"] = Fault(status=200, body=json.dumps(batch).encode())
        server.faults["/arxiv/"] = Fault(status=200, body=feed.encode(), headers={"Content-Type": "application/atom+xml"})
        server.faults["/or2/"] = Fault(status=200, body=json.dumps(notes).encode())
        server.faults["/crossref/"] = Fault(status=200, body=json.dumps(works).encode())
        base = tmp_path / "ids-only.toml"  # without the page's words kept by init: the sources' text shows
        text = "\n".join(line for line in (SEED.parents[2] / "config.toml").read_text(encoding="utf-8").splitlines()
                         if "# sources:" not in line)
        text += ('\n\n[[paper]]\nkey = "configpaper"\ntitle = "Config ' + HOSTILE.replace("\\", "\\\\")
                 .replace('"', '\\"').replace("\x1b", "\\u001b").replace("\x07", "\\u0007").replace("\x00", "")
                 + '"\nauthors = ["1. Owner Alpha", "Mingqing Xiao"]\nvenue = "Proceedings of {{site.title}} '
                 '~~x~~"\nyear = 2021\naward = "Best <i>Paper</i> {% raw %}"\n')
        base.write_text(text, encoding="utf-8")
        config = write_config(tmp_path / "config.toml", server, homepage=homepage, base=base)
        done = run_main("run", "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    papers = json.loads((tmp_path / "output" / "publications.json").read_text(encoding="utf-8"))["papers"]
    build, tree = _build(tmp_path, homepage.read_text(encoding="utf-8"))
    return {"run": done, "papers": papers, "build": build, "tree": tree, "out": tmp_path / "output"}


def test_the_page_builds(rendered):
    build = rendered["build"]
    assert build.returncode == 0 and rendered["tree"] is not None, build.stdout + build.stderr
    assert "Liquid" not in build.stderr and "Error" not in build.stderr, build.stderr


def test_no_element_or_attribute_comes_from_the_input(rendered):
    tree = rendered["tree"]
    ours = [*tree.iter("ol"), *tree.iter("h3")]  # the section's lists and headings (the page has no others)
    elements = [el for part in ours for el in part.iter() if isinstance(el.tag, str)]
    tags = {el.tag for el in elements}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    attributes = {(el.tag, name) for el in elements for name in el.attrib}
    assert attributes <= {("a", "href"), ("font", "color"), ("h3", "id")}, attributes
    assert not tree.xpath("//script | //img | //del | //math | //*[contains(@class, 'cls')]")
    expected = {safe_url(link["url"]) for paper in rendered["papers"] for link in paper["links"]}
    hrefs = {a.get("href") for part in ours for a in part.iter("a")}
    assert hrefs == expected, hrefs ^ expected
    assert all(href.startswith("https://") for href in hrefs)
    assert {safe_url(f"https://doi.org/{doi.lower()}") for doi in DOIS.values()} <= hrefs


def _entries(tree) -> list:
    return [li for ol in tree.iter("ol") for li in ol if li.tag == "li"]


def test_every_title_author_list_and_venue_shows_as_written(rendered):
    entries = {" ".join(li.find(".//strong").text_content().split()): li for li in _entries(rendered["tree"])}
    hostile = [p for p in rendered["papers"] if "alert(1)" in p["title"]]
    assert {p["title"].split()[0] for p in hostile} == {"S2", "arXiv", "OpenReview", "Config", "Crossref"}
    for paper in rendered["papers"]:
        li = entries[" ".join(paper["title"].split())]  # the text shown is the title the run chose
        lines = [" ".join(part.split()) for part in li.find("p").text_content().split("\n")]
        assert lines[1] == ", ".join(paper["authors"]), (paper["key"], lines)
        assert li.find(".//em").text_content() == (
            f"{paper['venue']['name']}{' (' + paper['venue']['abbr'] + ')' if paper['venue']['abbr'] else ''}, "
            f"{paper['year']}" if paper["venue"] else f"Preprint, {paper['year']}")
    s2 = next(p for p in hostile if p["title"].startswith("S2 "))
    assert s2["title"] == _shown("S2 " + HOSTILE)  # the source's text, cleaned once, nothing else changed
    assert s2["authors"] == AUTHORS and s2["venue"]["name"] == _shown("Journal of " + HOSTILE)
    assert "\u202e" not in json.dumps(rendered["papers"]) and "שלום" in s2["title"]
    crossref = next(p for p in hostile if p["title"].startswith("Crossref "))
    assert crossref["title"] == _shown("Crossref " + HOSTILE + " jats") and crossref["authors"] == CROSSREF_AUTHORS
    assert crossref["field_sources"]["venue"] == "crossref" and "Journal of Crossref" in crossref["venue"]["name"]


def test_control_characters_reach_no_output(rendered):
    for name in ("publications.md", "publications.csv", "publications.json"):
        text = (rendered["out"] / name).read_text(encoding="utf-8")
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), name
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", rendered["run"].stdout)


def test_config_urls_with_liquid_or_markup_are_refused(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[owner]\nname = "Ada"\n[[paper]]\ndoi = "10.1000/x"\n'
                      'link = "https://example.org/{{site.title}}"\n', encoding="utf-8")
    done = run_main("run", "--offline", "--config", str(config))
    assert done.returncode == 3 and ":5: paper #1, key 'link'" in done.stderr
    assert "percent-encode" in done.stderr


def test_the_job_summary_is_escaped_like_the_page(tmp_path):
    from pipeline.page import Change
    from pipeline.run import RunReport

    report = RunReport(papers=1, changes=[Change("changed", "k", "S2 " + _shown(HOSTILE), ("title: a -> " + _shown(HOSTILE),))],
                       warnings=["venue '<img src=x onerror=alert(1)>' [x](javascript:alert(1))"])
    markdown = report.render_markdown()
    done, tree = _build(tmp_path, "---\npermalink: /\n---\n\n" + markdown)
    assert done.returncode == 0, done.stderr
    assert not tree.xpath("//script | //img | //a | //del | //math | //*[@onerror]")
    text = tree.text_content()
    assert "<img src=x onerror=alert(1)>" in text and "{{site.title}}" in text and "~~struck~~" in text
