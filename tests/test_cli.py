"""The command line: help text everywhere, a fast --help, bad markers stop the run."""

from __future__ import annotations

import shutil
import subprocess
import sys

from pipeline.cli import build_parser
from tests.conftest import ROOT, run_main, write_config
from tests.replay import ReplayServer


def test_every_command_and_option_has_help():
    parser = build_parser()
    actions = list(parser._actions)
    for sub in parser._subparsers._group_actions[0].choices.values():
        actions.extend(sub._actions)
    for action in actions:
        assert action.help, action


def test_help_loads_neither_pandas_nor_the_api_clients():
    code = ("import sys, runpy\nsys.argv = ['pipeline', '--help']\n"
            "try:\n    runpy.run_module('pipeline', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'arxiv', 'semanticscholar', 'requests', 'httpx') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _offline_run_modules(config) -> tuple[int, list[str]]:
    """(exit code, which heavy modules were imported) of ``run --offline`` in a new process."""
    code = ("import sys\nfrom pipeline.cli import main\n"
            f"rc = main(['run', '-q', '--offline', '--config', {str(config)!r}])\n"
            "print(rc, sorted(m for m in ('pandas', 'arxiv', 'semanticscholar', 'requests', 'httpx', 'tenacity') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    rc, modules = done.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(rc), eval(modules)


def test_an_unchanged_offline_run_imports_no_client_and_not_pandas(tmp_path):
    shutil.copytree(ROOT / "output", tmp_path / "output")
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8").replace(
        'dir = "output"', f'dir = "{tmp_path / "output"}"'), encoding="utf-8")
    csv_path = tmp_path / "output" / "publications.csv"
    assert _offline_run_modules(config) == (0, ["pandas"])  # first run here: the CSV is rendered to compare
    assert _offline_run_modules(config) == (0, [])  # nothing changed: the CSV's bytes are known
    assert csv_path.read_bytes() == (ROOT / "output" / "publications.csv").read_bytes()
    # the file is not what the last run wrote: rendered again (in this process: the bytes are what matters)
    csv_path.write_text("edited by hand\n", encoding="utf-8")
    assert run_main("run", "-q", "--offline", "--config", str(config)).returncode == 0
    assert csv_path.read_bytes() == (ROOT / "output" / "publications.csv").read_bytes()
    config.write_text(config.read_text(encoding="utf-8").replace("[output]\n", "[output]\ncsv_bom = true\n"),
                      encoding="utf-8")
    assert run_main("run", "-q", "--offline", "--config", str(config)).returncode == 0  # another option: the BOM
    assert csv_path.read_bytes() == b"\xef\xbb\xbf" + (ROOT / "output" / "publications.csv").read_bytes()


def test_bad_markers_write_nothing(tmp_path):
    page = tmp_path / "about.md"
    page.write_text("Publications\n------\n<!-- pubharvest:start -->\n", encoding="utf-8")
    with ReplayServer([]) as server:
        config = write_config(tmp_path / "config.toml", server, homepage=page)
        done = run_main("run", "--config", str(config))
        assert server.log == []
    assert done.returncode == 3
    assert "about.md: marker '<!-- pubharvest:end -->' not found" in done.stderr
    assert not (tmp_path / "output").exists()
    assert page.read_text(encoding="utf-8") == "Publications\n------\n<!-- pubharvest:start -->\n"
