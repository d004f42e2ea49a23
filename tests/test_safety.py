"""Nothing half-written, no secret leaked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, marked_homepage, run_cli, write_config

WRITER = """
import sys
from pathlib import Path
from pipeline.writer import write_atomic
target = Path(sys.argv[1])
versions = [b"old\\n" * 400_000, b"new\\n" * 400_000]
print("ready", flush=True)
n = 0
while True:
    write_atomic(target, versions[n % 2])
    n += 1
"""


def test_killed_mid_write_leaves_the_old_or_the_new_file(tmp_path):
    target = tmp_path / "about.md"
    target.write_bytes(b"old\n" * 400_000)
    whole = {b"old\n" * 400_000, b"new\n" * 400_000}
    for delay in (0.02, 0.05, 0.09, 0.14, 0.2):  # kills at different moments of the write loop
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_bytes() in whole


def test_api_key_is_in_no_log_line_and_no_output_file(tmp_path, replay):
    key = "fake-S2-key-9f8e7d6c"
    homepage = marked_homepage(tmp_path / "about.md")
    config = write_config(tmp_path / "config.toml", replay, homepage=homepage)
    done = run_cli("-vv", "run", "--config", str(config), env={"S2_API_KEY": key})
    assert done.returncode == 0, done.stderr
    assert "DEBUG" in done.stderr  # debug logging was on
    sent = [r for r in replay.log if r["path"].startswith("/s2/")]
    assert sent and sent[0]["headers"]["x-api-key"] == key
    assert key not in done.stdout and key not in done.stderr
    for path in [*(p for p in (tmp_path / "output").rglob("*") if p.is_file()), homepage, config]:
        assert key.encode() not in path.read_bytes(), path


def test_no_test_can_reach_the_internet():
    """The guard every test runs under (tests/conftest.py): a connection to any host but loopback
    raises; HTTP clients, here and in a test's subprocesses, are sent to a proxy that does not exist."""
    import socket

    import requests

    from tests.conftest import InternetUsed

    with pytest.raises(InternetUsed, match="93.184.216.34"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)  # an address, so no DNS lookup is needed
    with pytest.raises(requests.exceptions.ProxyError, match="127.0.0.1', port=9"):
        requests.get("https://api.semanticscholar.org/graph/v1/paper/batch", timeout=1)
    assert os.environ["HTTPS_PROXY"] == "http://127.0.0.1:9"
