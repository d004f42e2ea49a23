"""Onboarding that keeps what the owner wrote: init compares the page with the sources, the first
run leaves every entry as the page shows it and reports exactly the news."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import END, ROOT, SEED, START, run_main, write_config
from tests.refresh_output import init_config, repo_config_text
from tests.replay import ReplayServer


@pytest.fixture
def site(tmp_path):
    page = tmp_path / "about.md"
    shutil.copy(SEED / "about.md", page)
    return tmp_path, page


def _init(server, site, *extra):
    tmp, page = site
    sources = tmp / "replay-sources.toml"
    import tomli_w
    sources.write_text(tomli_w.dumps({"sources": server.sources_config()}), encoding="utf-8")
    return run_main("init", "--from-homepage", str(page), "--config", str(tmp / "config.toml"), "--sources-from",
                   str(sources), "--write-markers", *extra)


def _run(server, site):
    tmp, page = site
    config = write_config(tmp / "run.toml", server, base=tmp / "config.toml", homepage=page)
    return run_main("run", "--config", str(config))


def test_the_seed_page_through_init_and_run_comes_back_as_the_page_shows_it(replay, site):
    tmp, page = site
    original = page.read_text(encoding="utf-8")
    made = _init(replay, site)
    assert made.returncode == 0, made.stderr
    out = made.stdout
    assert "read 14 entries; IDs found: 8 arXiv, 4 OpenReview, 8 DOI, 3 PII" in out
    # the DOIs of the links that hold none, found through Crossref (the PII; a checked bibliographic query)
    assert "found: Journal Papers #1: DOI 10.1016/j.neunet.2024.106121, by its PII S0893608024000352 " \
           "(Crossref alternative-id)" in out
    assert "found: Journal Papers #3: DOI 10.1016/j.bspc.2023.105664, by its PII S1746809423010972" in out
    assert "found: Journal Papers #6: DOI 10.1016/j.neunet.2022.06.001, by its PII S0893608022002064" in out
    assert "found: Journal Papers #7: DOI 10.1109/tpami.2020.3048430 for IEEE Xplore document 9311864, by a " \
           "Crossref query (title, year and first author agree); check it" in out
    assert "manual entry" not in out  # the four are source-backed now
    assert "compared with the sources: 14 entries; kept as you wrote them: authors 1, title 2, venue 1, " \
           "venue name 1, year 2" in out
    assert "kept: Journal Papers #5: year" in out and "kept: Journal Papers #7: year" in out
    assert "kept: Conference Papers #2: venue name (ICCV as 'International Conference on Computer Vision'" in out
    assert "kept: Conference Papers #6: authors" in out and "kept: Journal Papers #2: title" in out
    assert "news the first run will show: none" in out
    config = (tmp / "config.toml").read_text(encoding="utf-8")
    assert 'ICCV = "International Conference on Computer Vision"  # sources: IEEE/CVF International Conference ' \
           'on Computer Vision' in config
    assert 'venue = "Frontiers in Neuroscience (section Neuromorphic Engineering)"  # sources: Frontiers in ' \
           'Neuroscience' in config
    assert 'labels = { openreview = "link" }' in config and 'labels = { arxiv = "arXiv" }' in config
    marked = page.read_text(encoding="utf-8")
    assert marked.replace(START + "\n", "").replace("\n" + END, "") .replace("\n\n\n", "\n\n") != "" and START in marked
    first = _run(replay, site)
    assert first.returncode == 0, first.stderr
    assert "unchanged: 14 entries as the page shows them" in first.stdout
    assert "\nadded:" not in first.stdout and "\nchanged:" not in first.stdout and "warning:" not in first.stdout
    assert page.read_text(encoding="utf-8") == marked  # every byte the owner wrote, markers and all
    assert marked.count("\n") == original.count("\n") + 3  # the two marker lines and one blank line
    second = _run(replay, site)
    assert "No change in the publication list." in second.stdout and "No file changed." in second.stdout


def test_the_repository_config_and_output_are_what_init_and_run_make(replay, site):
    tmp, page = site
    done = init_config(replay, page, tmp / "config.toml")
    assert done.returncode == 0, done.stderr
    assert repo_config_text((tmp / "config.toml").read_text(encoding="utf-8")) == \
        (ROOT / "config.toml").read_text(encoding="utf-8"), "run python -m tests.refresh_output"


def test_news_from_the_sources_is_reported_at_init_and_by_the_first_run(replay, site):
    tmp, page = site
    text = page.read_text(encoding="utf-8")
    # the page forgot that IDE was a spotlight, and lists SPIDE as a preprint
    text = text.replace("*Advances in Neural Information Processing Systems (NeurIPS), 2021* "
                        "<font color=red>(Spotlight, Top 3%)</font>", "*Advances in Neural Information Processing "
                        "Systems (NeurIPS), 2021*")
    page.write_text(text, encoding="utf-8")
    made = _init(replay, site)
    assert made.returncode == 0, made.stderr
    assert "news the first run will show: 1" in made.stdout
    assert "Conference Papers #5 (xiao2021training): award: none -> Spotlight" in made.stdout
    marked = page.read_text(encoding="utf-8")
    first = _run(replay, site)
    assert first.returncode == 0, first.stderr
    assert "changed: Training Feedback Spiking Neural Networks by Implicit Differentiation on the Equilibrium State " \
           "(xiao2021training)\n  award: none -> Spotlight" in first.stdout
    assert "unchanged: 13 entries as the page shows them" in first.stdout
    after = page.read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in marked.splitlines()]
    assert changed == ["*Advances in Neural Information Processing Systems (NeurIPS), 2021* "
                       "<font color=red>(Spotlight)</font>   "]  # only that entry's venue line


def test_prefer_sources_keeps_nothing_and_reports_every_difference(replay, site):
    made = _init(replay, site, "--prefer", "sources")
    assert made.returncode == 0, made.stderr
    assert "kept as you wrote them: nothing needed" in made.stdout
    news = [line for line in made.stdout.splitlines() if line.startswith("  ") and " -> " in line]
    assert len(news) == 7, news  # the four of the seed's sources, Crossref's title and two printed years
    assert any("Journal Papers #7 (li2020training): venue: IEEE Transactions on Pattern Analysis and Machine "
               "Intelligence (TPAMI), 2020 -> IEEE Transactions on Pattern Analysis and Machine Intelligence (TPAMI), "
               "2022" in n for n in news)
    assert any("Conference Papers #2 (meng2023towards): venue: International Conference on Computer Vision (ICCV), "
               "2023 -> IEEE/CVF International Conference on Computer Vision (ICCV), 2023" in n for n in news)
    assert any("Journal Papers #2 (zhang2024efficient): title:" in n for n in news)


def test_offline_init_writes_the_ids_and_says_nothing_was_compared(site):
    tmp, page = site
    done = run_main("init", "--from-homepage", str(page), "--config", str(tmp / "config.toml"), "--offline")
    assert done.returncode == 0, done.stderr
    assert "not compared with the sources: --offline" in done.stdout
    assert "  # sources:" not in (tmp / "config.toml").read_text(encoding="utf-8")


def test_init_without_network_says_so_and_continues_as_offline(site):
    tmp, page = site
    with ReplayServer([]) as dead:
        import tomli_w
        tables = dead.sources_config(arxiv={"query_url": "http://127.0.0.1:9/api/query", "max_tries": 1},
                                     s2={"api_url": "http://127.0.0.1:9", "max_tries": 1},
                                     openreview={"api2_url": "http://127.0.0.1:9", "api1_url": "http://127.0.0.1:9",
                                                 "max_tries": 1},
                                     crossref={"api_url": "http://127.0.0.1:9", "max_tries": 1})
        (tmp / "dead.toml").write_text(tomli_w.dumps({"sources": tables}), encoding="utf-8")
        done = run_main("init", "--from-homepage", str(page), "--config", str(tmp / "config.toml"),
                       "--sources-from", str(tmp / "dead.toml"))
    assert done.returncode == 0, done.stderr
    assert "not compared with the sources: no source could be reached" in done.stdout
    assert "run init again when the sources answer" in done.stdout


def test_a_hand_edit_on_the_page_is_reported_before_it_is_replaced(replay, site):
    tmp, page = site
    assert _init(replay, site).returncode == 0
    assert _run(replay, site).returncode == 0
    text = page.read_text(encoding="utf-8")
    edited = text.replace("*Neural Networks, 2023*", "*Neural Networks, 2023* <font color=red>(Best Paper)</font>")
    page.write_text(edited, encoding="utf-8")
    again = _run(replay, site)
    assert "changed: SPIDE: A Purely Spike-based Method for Training Feedback Spiking Neural Networks (xiao2023spide)\n"\
           "  award: Best Paper -> none" in again.stdout
    assert "xiao2023spide: the page's entry was edited by hand (award)" in again.stdout
    from pipeline.homepage import parse_publications, same_entry
    restored = parse_publications(page.read_text(encoding="utf-8"))
    assert all(same_entry(a, b) for a, b in zip(restored, parse_publications(text)))  # restored, as the run said
    changed = [l for l in page.read_text(encoding="utf-8").splitlines() if l not in text.splitlines()]
    assert changed == ["*Neural Networks, 2023*   "]  # only the edited line, now in the run's format


def test_a_page_in_its_own_layout_keeps_it(replay, tmp_path):
    """Bullets, other headings in another order, and a News list beside the Publications."""
    seed = (SEED / "about.md").read_text(encoding="utf-8")
    conference = seed[seed.index("### Conference Papers"):seed.index("### Journal Papers")]
    journal = seed[seed.index("### Journal Papers"):seed.index("\n&nbsp;", seed.index("### Journal Papers"))]
    import re as _re
    bullets = lambda block: _re.sub(r"(?m)^\d+\. ", "- ", block)
    page = tmp_path / "about.md"
    page.write_text("---\npermalink: /\n---\n\n## News\n- 2024/05: a talk\n\n## Selected Publications\n\n"
                    + bullets(journal.replace("### Journal Papers", "### Journal Articles")).rstrip() + "\n\n"
                    + bullets(conference).rstrip() + "\n\n## Teaching\n- TA, Probabilistic AI (Fall 2022)\n",
                    encoding="utf-8")
    made = _init(replay, (tmp_path, page))
    assert made.returncode == 0, made.stderr
    config = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert config.count("[[paper]]") == 14 and "2024/05" not in config and "Teaching" not in config
    assert 'journal = "Journal Articles"' in config and 'order = ["journal", "conference"]' in config
    assert 'list = "-"' in config
    marked = page.read_text(encoding="utf-8")
    first = _run(replay, (tmp_path, page))
    assert first.returncode == 0, first.stderr
    assert "unchanged: 14 entries as the page shows them" in first.stdout and "laid out anew" not in first.stdout
    assert page.read_text(encoding="utf-8") == marked
