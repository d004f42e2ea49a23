"""Record mode saves what the upstream answered in the replay layout, and the recording replays."""

from __future__ import annotations

import json

from tests.conftest import ROOT, SEED, run_main, write_config
from tests.replay import ReplayServer, main


def test_record_then_replay_gives_the_same_section(tmp_path):
    out = tmp_path / "recorded"
    with ReplayServer([SEED]) as upstream:  # stands in for the real APIs
        base = upstream.base_url
        code = main(["record", "--config", str(ROOT / "config.toml"), "--out", str(out),
                     "--upstream", f"arxiv={base}/arxiv", "--upstream", f"s2={base}/s2",
                     "--upstream", f"or2={base}/or2", "--upstream", f"or1={base}/or1",
                     "--upstream", f"crossref={base}/crossref"])
        assert code == 0 and not upstream.unmatched
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    paths = sorted(i["path"] for i in manifest["interactions"])
    assert paths == ["/arxiv/api/query", "/crossref/works", "/or1/notes", "/or2/notes", "/s2/graph/v1/paper/batch"]
    arxiv_item = next(i for i in manifest["interactions"] if i["path"] == "/arxiv/api/query")
    assert (out / arxiv_item["file"]).read_bytes() == (SEED / "arxiv" / "id_list_seed.xml").read_bytes()

    with ReplayServer([out]) as replay:
        config = write_config(tmp_path / "config.toml", replay)
        done = run_main("run", "--config", str(config))
        assert done.returncode == 0, done.stderr
        assert not replay.unmatched and replay.unused() == []
    assert (tmp_path / "output" / "publications.md").read_bytes() == (ROOT / "output" / "publications.md").read_bytes()
