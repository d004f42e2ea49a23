"""config.toml checks: each bad config gives one exact, actionable message and the CLI writes nothing."""

from __future__ import annotations

import textwrap

import pytest

from pipeline.config import ConfigError, load
from tests.conftest import run_main

OWNER = '[owner]\nname = "Ada Lovelace"\n'


def write(tmp_path, body: str):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


BAD_CONFIGS = [
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[run]\nmax_age_h = nan\n', ":6: run.max_age_h: expected a number of hours"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[run]\ndeadline_s = inf\n', ":6: run.deadline_s: expected a number of seconds"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[sources.s2]\nbatch_size = 501\n',
     ":6: sources.s2.batch_size: expected a positive number, at most 500, got 501"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[sources.crossref]\nbatch_size = 500\n',
     ":6: sources.crossref.batch_size: expected a positive number, at most 100, got 500"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[sources.crossref]\nmailto = "me at example.org"\n',
     ":6: sources.crossref.mailto: 'me at example.org' is not an e-mail address"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[sources.crossref]\napi_url = "api.crossref.org"\n',
     ":6: sources.crossref.api_url: 'api.crossref.org' is not an http(s) URL such as 'https://api.crossref.org'"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[sources.arxiv]\ntimeout_s = nan\n',
     ":6: sources.arxiv.timeout_s: expected a positive number, at most 600, got nan"),
    ('[owner]\nname = "Ada"\nvariants = "A. L."\n[[paper]]\ndoi = "10.1000/x"\n', ":3: owner.variants: expected a list"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n[output]\ncsv_bom = "yes"\n', ":6: output.csv_bom: expected true or false"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nlink = "https://example.org/{{site.title}}"\n',
     ":5: paper #1, key 'link': 'https://example.org/{{site.title}}' holds { }, which a URL may not; percent-encode"),
    (OWNER + '[[paper]]\narxiv = 2005.05650\n',
     ":4: paper #1, key 'arxiv': 2005.0565 is a number; quote arXiv IDs as written on arXiv, e.g. arxiv = "
     "\"2005.05650\": as a number TOML drops trailing zeros (this one may have lost digits: it reads 2005.0565)"),
    (OWNER + '[[paper]]\narxiv = []\n', ":4: paper #1, key 'arxiv': an empty list; give at least one ID"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nlinks = { "" = "https://x.org" }\n',
     ":5: paper #1, key 'links': a link needs a label of its own"),
    ('owner = "Ada"\n[[paper]]\ndoi = "10.1000/x"\n', ":1: owner: expected a table [owner] with name"),
    (OWNER + '[[paper]]\narxiv = "2005.05650"\ncod = "https://x.org"\n',
     ":5: paper #1: unknown key 'cod'; did you mean 'code'?"),
    (OWNER + '[[paper]]\narxiv = "not-an-id"\n',
     ":4: paper #1, key 'arxiv': 'not-an-id' is not an arXiv ID; accepted forms:"),
    (OWNER + '[[paper]]\narxiv = "2005.05650"\n[[paper]]\narxiv = "arXiv:2005.05650v2"\n',
     ":5: paper #2: arxiv:2005.05650 is listed by paper #1 (line 3) too; merge the two entries"),
    ('[[paper]]\narxiv = "2005.05650"\n', ": owner: missing; add\n[owner]"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[output]\nhomepage = "nowhere/about.md"\n',
     ": output.homepage: "),
    (OWNER + '[[paper]]\ncode = "https://github.com/x/y"\n',
     ":3: paper #1: a paper needs an ID (arxiv, openreview, doi, s2 or pii) or, for a paper no API knows, a title"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nyear = "2024"\n',
     ":5: paper #1, key 'year': expected a year such as 2024, got '2024'"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nsection = "workshops"\n',
     ":5: paper #1, key 'section': 'workshops' is not one of conference, journal, book, preprint"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\ncode = "javascript:alert(1)"\n',
     ":5: paper #1, key 'code': 'javascript:alert(1)' is not an http(s) URL"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sources.arxiv]\ndelay = 3\n', ":6: sources.arxiv: unknown key 'delay'; did you mean 'delay_s'?"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sources.s2]\ntimeout_s = "10"\n',
     ":6: sources.s2.timeout_s: expected a number (default 20.0), got '10'"),
    ('papers = []\n' + OWNER, ":1: top level: unknown key 'papers'; did you mean 'paper'?"),
    (OWNER + '[[paper]\n', ": not valid TOML: "),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nauthors = "Ada Lovelace"\n',
     ":5: paper #1, key 'authors': expected a list of names"),
    (OWNER + '[[paper]]\nopenreview = "https://openreview.net/group?id="\n',
     ":4: paper #1, key 'openreview': "),
    ("", ": owner: missing; add"),
    ('[owner]\nname = "Ada"\nvariants = "A. L."\n', ": owner.variants: expected a list of names"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sources.arxiv]\nenabled = "yes"\n', ":6: sources.arxiv.enabled: expected true or false (default True), got 'yes'"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[output]\nhomepag = "about.md"\n', ":6: output: unknown key 'homepag'; did you mean 'homepage'?"),
    ('[owner]\nvariants = []\n', ":1: owner.name: missing; add name = \"Your Name\" under [owner]"),
    (OWNER, ": paper: no [[paper]] listed"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[output]\nstart_marker = "<!-- x -->"\nend_marker = "<!-- x -->"\n',
     ": output.end_marker: must differ from start_marker"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[output]\nstart_marker = "### Conference Papers"\n',
     ": output.start_marker: '### Conference Papers' is not an HTML comment"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sources.openreview]\napi2_url = "ftp://x"\n',
     ":6: sources.openreview.api2_url: 'ftp://x' is not an http(s) URL such as 'https://api2.openreview.net'"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nkey = "a key\\nwith a break"\n',
     ":5: paper #1, key 'key': 'a key with a break' must be letters, digits"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sources.s2]\nbatch_size = 0\n', ":6: sources.s2.batch_size: expected a positive number, at most 500, got 0"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[run]\ndeadline_s = 0\n', ":6: run.deadline_s: expected a number of seconds above 0 and at most 604800 (a week), got 0"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sections]\norder = ["journal", "talks"]\n',
     ":6: sections.order: expected sections from ['conference', 'journal', 'book', 'preprint']"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[sections]\nundecided = "preprint"\n',
     ":6: sections.undecided: expected \"conference\", \"journal\" or \"book\""),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[[venue]]\nname = "X"\nkind = "symposium"\n',
     ": venue #1, key 'kind': 'symposium' is not one of conference, workshop, journal, book, thesis"),
    (OWNER + '[[paper]]\ndoi = "doi.org/10.1000"\n', ":4: paper #1, key 'doi': 'doi.org/10.1000' is not a DOI"),
    (OWNER + '[[paper]]\ns2 = "12345"\n', ":4: paper #1, key 's2': '12345' is not a Semantic Scholar ID"),
    (OWNER + '[[paper]]\narxiv = "2005.05650"\nkey = "x"\n[[paper]]\narxiv = "2109.14247"\nkey = "x"\n',
     ":6: paper #2: key 'x' is used by paper #1 too; give one of them another key"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\n' + '[output]\ncsv_bom = "yes"\n', ": output.csv_bom: expected true or false, got 'yes'"),
    (OWNER + '[[paper]]\ndoi = "10.1000/x"\nlinks = ["https://x.org"]\n', ":5: paper #1, key 'links': expected a table"),
]


@pytest.mark.parametrize("body, message", BAD_CONFIGS)
def test_bad_config_messages(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_every_bad_config_exits_3_and_writes_nothing(tmp_path, capsys):
    from pipeline.cli import main
    bodies = [body for body, _ in BAD_CONFIGS]
    assert len(bodies) >= 20
    for n, body in enumerate(bodies):
        folder = tmp_path / str(n)
        folder.mkdir()
        path = folder / "config.toml"
        path.write_text(body, encoding="utf-8")
        assert main(["run", "--config", str(path)]) == 3, body
        assert sorted(p.name for p in folder.iterdir()) == ["config.toml"], body
        assert capsys.readouterr().err.startswith(f"config error: {path}")


def test_config_that_is_not_text_or_not_a_file(tmp_path):
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ConfigError, match="cannot read"):
        load(garbage)
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path)


def test_cli_config_error_exit_code_and_nothing_written(tmp_path):
    path = write(tmp_path, OWNER + '[output]\ndir = "out"\n[[paper]]\narxiv = 2005.05650\n')
    done = run_main("run", "--config", str(path))
    assert done.returncode == 3
    assert done.stderr.startswith(f"config error: {path}:6: paper #1, key 'arxiv'")
    assert not (tmp_path / "out").exists() and done.stdout == ""


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file; create one"):
        load(tmp_path / "config.toml")


def test_same_id_twice_in_one_entry_is_one_id_and_a_warning(tmp_path):
    config = load(write(tmp_path, OWNER + '[[paper]]\narxiv = ["2005.05650", "https://arxiv.org/abs/2005.05650v2"]\n'))
    assert config.papers[0].arxiv == ("2005.05650",)
    assert "repeats an ID of the same paper" in config.warnings[0]


def test_repo_config_loads_with_all_fourteen_papers():
    from tests.conftest import ROOT
    config = load(ROOT / "config.toml")
    assert len(config.papers) == 14 and config.owner.name == "Mingqing Xiao"
    assert [p.key for p in config.papers][:2] == ["xiao2024hebbian", "meng2023towards"]
