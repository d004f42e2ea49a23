"""Inputs a new user tried that once went wrong: each now has a clear outcome."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from pipeline.cli import main
from pipeline.homepage import parse_publications
from tests.conftest import END, ROOT, SEED, START, marked_homepage, write_config
from tests.replay import Fault, ReplayServer


def setup(tmp_path, server, **kwargs):
    shutil.copytree(ROOT / "output", tmp_path / "output", dirs_exist_ok=True)
    return write_config(tmp_path / "config.toml", server, output=tmp_path / "output", **kwargs)


def test_crlf_homepage_keeps_its_line_ends(tmp_path, capsys):
    page = marked_homepage(tmp_path / "about.md")
    crlf = page.read_bytes().replace(b"\n", b"\r\n")
    page.write_bytes(crlf)
    with ReplayServer([]) as server:
        config = setup(tmp_path, server, homepage=page)
        assert main(["run", "--offline", "--config", str(config)]) == 0
    after = page.read_bytes()
    head, tail = crlf.split(START.encode())[0], crlf.split(END.encode())[1]
    assert after.startswith(head) and after.endswith(tail)
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_symlinked_homepage_stays_a_link(tmp_path, capsys):
    real = marked_homepage(tmp_path / "real.md")
    link = tmp_path / "about.md"
    link.symlink_to(real)
    with ReplayServer([]) as server:
        config = setup(tmp_path, server, homepage=link)
        assert main(["run", "--offline", "--config", str(config)]) == 0
    assert link.is_symlink()
    assert len(parse_publications(real.read_text(encoding="utf-8"))) == 14


def test_unwritable_homepage_leaves_every_output_as_it_was(tmp_path, capsys):
    page = marked_homepage(tmp_path / "about.md")
    # an entry the run must rewrite (the page shows an older title), so the page has to be written
    page.write_text(page.read_text(encoding="utf-8").replace("**Online Training Through Time", "**Online Training Over Time"),
                    encoding="utf-8")
    with ReplayServer([SEED]) as server:
        config = setup(tmp_path, server, homepage=page)
        (tmp_path / "output" / "publications.csv").unlink()  # a run that succeeds writes it again
        before = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
        if subprocess.run(["chattr", "+i", str(page)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available on this file system")
        try:
            code = main(["run", "--config", str(config)])
        finally:
            subprocess.run(["chattr", "-i", str(page)], check=True)
    assert code == 1 and f"cannot write {page}" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_non_utf8_homepage_is_an_input_error(tmp_path, capsys):
    page = tmp_path / "about.md"
    page.write_bytes(START.encode() + b"\n\xfc\n" + END.encode() + b"\n")
    with ReplayServer([]) as server:
        config = setup(tmp_path, server, homepage=page)
        assert main(["run", "--offline", "--config", str(config)]) == 3
    assert "not UTF-8 text" in capsys.readouterr().err


def test_inline_marker_is_named(tmp_path, capsys):
    page = tmp_path / "about.md"
    page.write_text(f"see {START} here\n{END}\n", encoding="utf-8")
    with ReplayServer([]) as server:
        config = setup(tmp_path, server, homepage=page)
        assert main(["run", "--offline", "--config", str(config)]) == 3
    assert f"about.md:1: marker '{START}' must stand alone on its line" in capsys.readouterr().err


@pytest.mark.parametrize("sources, message", [
    ({"arxiv": [1]}, "sources.arxiv is not a table of records"),
])
def test_stored_harvest_of_the_wrong_shape(tmp_path, capsys, sources, message):
    with ReplayServer([]) as server:
        config = setup(tmp_path, server)
        (tmp_path / "output" / "harvest.json").write_text(json.dumps({"format": 1, "sources": sources}))
        assert main(["run", "--offline", "--config", str(config)]) == 1
    assert message in capsys.readouterr().err


def test_stored_record_that_is_not_a_record_is_skipped(tmp_path, capsys):
    with ReplayServer([SEED]) as server:
        config = setup(tmp_path, server)
        stored = json.loads((tmp_path / "output" / "harvest.json").read_text())
        stored["sources"]["arxiv"]["2005.05650"] = 5
        (tmp_path / "output" / "harvest.json").write_text(json.dumps(stored))
        assert main(["run", "--config", str(config)]) == 0


def test_arxiv_html_page_is_a_failure_not_missing_papers(tmp_path, capsys):
    with ReplayServer([SEED]) as server:
        server.faults["/arxiv/"] = Fault(status=200, body=b"<html><body>Please log in to the Wi-Fi</body></html>")
        config = setup(tmp_path, server, sources={"arxiv": {"max_tries": 1}})
        assert main(["run", "--config", str(config)]) == 4
    out = capsys.readouterr().out
    assert "not an Atom feed" in out and "no longer finds" not in out


def test_arxiv_retry_after_beyond_the_budget_ends_the_tries(tmp_path, capsys):
    with ReplayServer([SEED]) as server:
        server.faults["/arxiv/"] = Fault(status=429, body=b"", headers={"Retry-After": "3600"})
        config = setup(tmp_path, server, sources={"arxiv": {"max_wait_s": 1}})
        assert main(["run", "--config", str(config)]) == 4
        assert server.requests_to("arxiv") == 1
    assert "arXiv is rate-limiting; it asked to wait 60 min, more than max_wait_s = 1 allows (HTTP 429, 1 try" \
        in capsys.readouterr().out


def test_offline_without_any_stored_harvest_shows_placeholders_and_exits_4(tmp_path, capsys):
    with ReplayServer([]) as server:
        config = write_config(tmp_path / "config.toml", server, output=tmp_path / "output")
        assert main(["run", "--offline", "--config", str(config)]) == 4
    out = capsys.readouterr().out
    assert "no source has returned this paper yet" in out
    entries = parse_publications((tmp_path / "output" / "publications.md").read_text(encoding="utf-8"))
    assert len(entries) == 14
    assert next(e for e in entries if e.title == "arXiv:2402.11984").section == "Preprints"


def test_paper_without_data_keeps_its_previous_entry(tmp_path, capsys):
    with ReplayServer([]) as server:
        config = setup(tmp_path, server)
        (tmp_path / "output" / "harvest.json").unlink()  # lost, e.g. deleted by hand
        assert main(["run", "--offline", "--config", str(config)]) == 4
    out = capsys.readouterr().out
    assert "kept its entry of the last run" in out and "No change in the publication list." in out
    assert (tmp_path / "output" / "publications.md").read_bytes() == (ROOT / "output" / "publications.md").read_bytes()


def test_owner_override_text_is_shown_as_written(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text('[owner]\nname = "Ada Lovelace"\n[[paper]]\ntitle = "Learning {f}(x) on Sets {A, B} with \\\\LaTeX{} -- '
                    'a &amp; study"\nauthors = ["Ada Lovelace"]\nvenue = "TMLR"\nyear = 2024\n', encoding="utf-8")
    with ReplayServer([]) as server:
        config = write_config(tmp_path / "config.toml", server, base=base, output=tmp_path / "output")
        assert main(["run", "--config", str(config)]) == 0
    entry = parse_publications((tmp_path / "output" / "publications.md").read_text(encoding="utf-8"))[0]
    assert entry.title == "Learning {f}(x) on Sets {A, B} with \\LaTeX{} -- a &amp; study"
    assert entry.venue == "Transactions on Machine Learning Research (TMLR), 2024"


def test_stored_record_with_wrong_field_types_is_skipped(tmp_path, capsys, caplog):
    from pipeline import store
    path = tmp_path / "harvest.json"
    data = json.loads((ROOT / "output" / "harvest.json").read_text(encoding="utf-8"))
    data["sources"]["arxiv"]["2005.05650"]["authors"] = "Mingqing Xiao"
    data["sources"]["s2"]["ARXIV:2402.11984"]["year"] = "2024"
    path.write_text(json.dumps(data), encoding="utf-8")
    records = store.load(path)
    assert "2005.05650" not in records["arxiv"] and "ARXIV:2402.11984" not in records["s2"]
    assert len(records["arxiv"]) == 7 and "authors is not a list of strings" in caplog.text
