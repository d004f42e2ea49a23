"""One run at a time per output folder, a lock a killed run cannot leave stuck, long lists summarised,
and a deadline that covers everything after start-up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipeline import store, writer
from pipeline.cli import main
from tests.conftest import RECORDED, ROOT, SEED, write_config
from tests.replay import Fault, ReplayServer


@pytest.fixture
def offline_config(tmp_path, monkeypatch):
    """The repository's config and stored harvest in a scratch folder, for offline runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copytree(ROOT / "output", tmp_path / "output")
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('dir = "output"', f'dir = "{tmp_path / "output"}"'), encoding="utf-8")
    return config


def test_a_second_run_waits_for_the_first(offline_config, tmp_path, capsys):
    lock = writer.RunLock(store.lock_path(tmp_path / "output"))
    lock.__enter__()  # "the first run" holds the folder for 0.3 s more
    threading.Timer(0.3, lock.__exit__, args=(None, None, None)).start()
    start = time.monotonic()
    assert main(["run", "--offline", "--config", str(offline_config)]) == 0
    assert time.monotonic() - start >= 0.25
    assert "14 papers." in capsys.readouterr().out


def test_a_run_that_cannot_get_the_folder_stops_with_exit_5_and_writes_nothing(offline_config, tmp_path, capsys,
                                                                                  monkeypatch):
    monkeypatch.setitem(writer.RunLock.__init__.__kwdefaults__, "wait_s", 0.3)
    (tmp_path / "output" / "publications.md").write_text("the first run's section\n", encoding="utf-8")
    with writer.RunLock(store.lock_path(tmp_path / "output")):
        assert main(["run", "--offline", "--config", str(offline_config)]) == 5
    err = capsys.readouterr().err
    assert f"another run is writing the same output folder (pid {os.getpid()}); waited 0.3 s" in err
    assert (tmp_path / "output" / "publications.md").read_text(encoding="utf-8") == "the first run's section\n"


def test_a_killed_run_leaves_no_lock_behind(offline_config, tmp_path, monkeypatch):
    monkeypatch.setitem(writer.RunLock.__init__.__kwdefaults__, "wait_s", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from pipeline import store, writer\n"
        f"lock = writer.RunLock(store.lock_path(Path({str(tmp_path / 'output')!r}))); lock.__enter__()\n"
        "print('held', flush=True); time.sleep(60)")], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    assert store.lock_path(tmp_path / "output").exists()  # the file stays; the kernel dropped the lock
    assert main(["run", "--offline", "--config", str(offline_config)]) == 0


def test_a_thousand_unknown_ids_are_summarised(tmp_path, capsys):
    ids = [f"2401.{10000 + i}" for i in range(1000)]
    config = tmp_path / "config.toml"
    config.write_text('[owner]\nname = "Ada Lovelace"\n' + "".join(f'[[paper]]\narxiv = "{i}"\n' for i in ids),
                      encoding="utf-8")
    empty_feed = (RECORDED / "arxiv" / "id_0000.0000_empty.xml").read_bytes()
    with ReplayServer([SEED]) as server:
        server.faults["/arxiv/"] = Fault(status=200, body=empty_feed)
        server.faults["/s2/"] = Fault(status=200, body=json.dumps([None] * 500).encode())
        write_config(config, server, base=config)
        assert main(["run", "--config", str(config)]) == 4
    out, err = capsys.readouterr()
    assert max(len(line) for line in (out + err).splitlines()) < 2000
    arxiv = next(line for line in out.splitlines() if line.startswith("arXiv:"))
    assert "1000 requested, 0 found, 1000 not found" in arxiv
    assert "2401.10000, 2401.10001" in out and "and 990 more" in out
    assert len(out.splitlines()) < 200


def test_the_deadline_counts_from_start_up(tmp_path, capsys, monkeypatch):
    """A config check that takes longer than the deadline leaves no time for requests."""
    from pipeline import config as config_module

    slow_load = config_module.load

    def load(path):
        time.sleep(0.4)
        return slow_load(path)

    monkeypatch.setattr(config_module, "load", load)
    with ReplayServer([SEED]) as server:
        config = write_config(tmp_path / "config.toml", server)
        config.write_text(config.read_text(encoding="utf-8") + "\n[run]\ndeadline_s = 0.3\n", encoding="utf-8")
        assert main(["run", "--config", str(config)]) == 4
        assert server.log == []
    assert "the run's deadline passed before this request; not sent" in capsys.readouterr().out
