"""The command line: help text everywhere, a fast --help, bad markers stop the run."""

from __future__ import annotations

import subprocess
import sys

from pipeline.cli import build_parser
from tests.conftest import ROOT, run_cli, write_config
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


def test_bad_markers_write_nothing(tmp_path):
    page = tmp_path / "about.md"
    page.write_text("Publications\n------\n<!-- pubharvest:start -->\n", encoding="utf-8")
    with ReplayServer([]) as server:
        config = write_config(tmp_path / "config.toml", server, homepage=page)
        done = run_cli("run", "--config", str(config))
        assert server.log == []
    assert done.returncode == 3
    assert "about.md: marker '<!-- pubharvest:end -->' not found" in done.stderr
    assert not (tmp_path / "output").exists()
    assert page.read_text(encoding="utf-8") == "Publications\n------\n<!-- pubharvest:start -->\n"
