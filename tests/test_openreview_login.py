"""OpenReview's login gate: optional login per host, a token reused and renewed once, clear failures."""

from __future__ import annotations

import json
import os

import pytest

from harvest import openreview_source
from harvest.openreview_auth import Credentials, Login
from tests.conftest import RECORDED, SEED, marked_homepage, run_cli, run_main, source_settings, write_config
from tests.replay import Fault, Gate, ReplayServer

SEED_FORUMS = ["MeB86edZ1P", "Siv3nHYHheI", "f2Llmm_z5Sm", "v_KSmk9B5kt"]
USER, PASSWORD = "ada@example.org", "correct horse battery staple 42"


@pytest.fixture
def gated():
    """The seed replay server behind the login gate, with one account."""
    with ReplayServer([RECORDED, SEED]) as server:
        server.gate = Gate(accounts={USER: PASSWORD, "mfa@example.org": PASSWORD}, mfa={"mfa@example.org"})
        yield server
    assert not server.unmatched, server.unmatched


def fetch(server, ids=SEED_FORUMS, *, credentials=Credentials(), **settings):
    config = source_settings(server, "openreview", **settings)
    return openreview_source.fetch(ids, config, login=Login(credentials, config))


def notes_requests(server):
    return [r for r in server.log if r["path"].endswith("/notes")]


def test_with_credentials_one_login_per_host_then_the_same_requests(gated):
    result = fetch(gated, credentials=Credentials(username=USER, password=PASSWORD))
    assert result.error is None and sorted(result.records) == sorted(SEED_FORUMS)
    assert gated.gate.logins == ["or2", "or1"]
    sent = notes_requests(gated)
    assert [r["path"] for r in sent] == ["/or2/notes", "/or1/notes"]  # as without the gate
    assert [r["headers"]["authorization"] for r in sent] == ["Bearer tok-or2-1", "Bearer tok-or1-2"]
    login = [r for r in gated.log if r["path"].endswith("/login")]
    assert login[0]["json"] == {"id": USER, "password": PASSWORD} and "authorization" not in login[0]["headers"]
    assert result.requests == 4  # 2 logins + 2 note requests
    assert result.records["MeB86edZ1P"].venue_strings == ("ICLR 2024 poster",)


def test_a_host_that_is_not_asked_is_not_logged_in_to(gated):
    gated.add_answer("GET", "/or2/notes", "ids=MeB86edZ1P",
                     body=json.dumps({"notes": [json.loads((SEED / "openreview" / "api2_notes_seed.json")
                                                           .read_text())["notes"][0]], "count": 1}).encode())
    result = fetch(gated, ["MeB86edZ1P"], credentials=Credentials(username=USER, password=PASSWORD))
    assert list(result.records) == ["MeB86edZ1P"] and gated.gate.logins == ["or2"]


def test_without_credentials_the_challenge_names_the_login_to_give(gated):
    result = fetch(gated)
    assert result.records == {} and result.not_found == []  # unanswered, not "not found"
    reason = result.error.reason
    assert result.error.status == 403 and "ChallengeRequiredError" in reason
    assert "OPENREVIEW_USERNAME" in reason and "OPENREVIEW_PASSWORD" in reason and "secrets" in reason
    assert gated.gate.logins == [] and result.requests == 2  # each API asked once, not retried


def test_a_wrong_password_is_named_and_not_tried_on_the_other_host(gated):
    result = fetch(gated, credentials=Credentials(username=USER, password="wrong"))
    assert "refused the login" in result.error.reason and "Invalid username or password" in result.error.reason
    assert "wrong" not in str(result.error) and USER not in str(result.error)
    assert gated.gate.logins == ["or2"] and notes_requests(gated) == []


def test_a_multi_factor_account_fails_at_once_pointing_at_the_token(gated):
    result = fetch(gated, credentials=Credentials(username="mfa@example.org", password=PASSWORD))
    assert "multi-factor" in result.error.reason and "OPENREVIEW_TOKEN" in result.error.reason
    assert "totp" in result.error.reason
    assert gated.gate.logins == ["or2"] and notes_requests(gated) == []


def test_half_the_credentials_is_a_clear_error_and_sends_nothing(gated):
    result = fetch(gated, credentials=Credentials(username=USER))
    assert "OPENREVIEW_PASSWORD is not set" in result.error.reason
    assert gated.log == []


def _batches(server, host, pairs):
    notes = {n["id"]: n for n in json.loads((SEED / "openreview" / f"api{host[-1]}_notes_seed.json").read_text())["notes"]}
    for batch in pairs:
        server.add_answer("GET", f"/{host}/notes", "ids=" + ",".join(batch),
                          body=json.dumps({"notes": [notes[i] for i in batch if i in notes]}).encode())


def test_a_token_refused_mid_run_gets_one_fresh_login(gated):
    gated.gate.token_uses = 1
    forums = sorted(SEED_FORUMS)
    _batches(gated, "or2", [forums[:2], forums[2:]])
    _batches(gated, "or1", [[f for f in forums if f != "MeB86edZ1P"][:2], [f for f in forums if f != "MeB86edZ1P"][2:]])
    result = fetch(gated, forums, credentials=Credentials(username=USER, password=PASSWORD), batch_size=2)
    assert result.error is None and sorted(result.records) == forums
    assert gated.gate.logins == ["or2", "or2", "or1", "or1"]  # each host: a login, then one renewal


def test_a_token_refused_again_after_the_fresh_login_fails_the_source(gated):
    gated.gate.token_uses = 1
    forums = sorted(SEED_FORUMS)
    _batches(gated, "or2", [[f] for f in forums])
    _batches(gated, "or1", [[f] for f in forums if f != "MeB86edZ1P"])
    result = fetch(gated, forums, credentials=Credentials(username=USER, password=PASSWORD), batch_size=1)
    assert "refused our login token after a fresh login" in result.error.reason
    assert gated.gate.logins == ["or2", "or2", "or1", "or1"]  # never a third login on one host
    # kept: what each API answered before its second refusal (API 2 holds only MeB86edZ1P)
    assert sorted(result.records) == ["MeB86edZ1P", "Siv3nHYHheI", "f2Llmm_z5Sm"]


def test_a_token_from_the_environment_is_used_without_login_and_never_renewed(gated):
    gated.gate.tokens["session-token-abc123"] = 1
    result = fetch(gated, credentials=Credentials.from_env({"OPENREVIEW_TOKEN": "Bearer session-token-abc123"}))
    assert gated.gate.logins == []
    assert notes_requests(gated)[0]["headers"]["authorization"] == "Bearer session-token-abc123"
    assert "MeB86edZ1P" in result.records  # API 2 answered with the token's one use
    assert "OPENREVIEW_TOKEN" in result.error.reason and "make a new one" in result.error.reason


def test_a_rate_limited_login_is_retried_within_bounds(gated):
    body = json.loads((RECORDED / "openreview" / "rate_limit_429_attachment.from-issue.json").read_text())
    gated.faults["/or2/login"] = Fault(status=429, body=json.dumps(body).encode(), times=1)
    result = fetch(gated, credentials=Credentials(username=USER, password=PASSWORD))
    assert result.error is None and len(result.records) == 4
    assert sum(1 for r in gated.log if r["path"] == "/or2/login") == 2


def test_credentials_repr_shows_no_secret():
    creds = Credentials(username=USER, password=PASSWORD, token="t0k3n")
    assert PASSWORD not in repr(creds) and USER not in repr(creds) and "t0k3n" not in repr(creds)


def _run(tmp_path, server, env=None, *args, new_process: bool = True):
    """The run on the seed config with the gate; in a new process (its log, -vv, is in stderr), or in
    this one (faster; ``env`` set for the run's length)."""
    homepage = marked_homepage(tmp_path / "about.md")
    config = write_config(tmp_path / "config.toml", server, homepage=homepage)
    argv = ("-vv", "run", "--config", str(config), "--summary-md", str(tmp_path / "summary.md"),
            "--commit-message", str(tmp_path / "message.txt"), *args)
    if new_process:
        return run_cli(*argv, env=env), homepage
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        return run_main(*argv), homepage
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_run_with_credentials_gets_the_four_openreview_papers_and_leaks_nothing(tmp_path, gated):
    done, homepage = _run(tmp_path, gated, {"OPENREVIEW_USERNAME": USER, "OPENREVIEW_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DEBUG" in done.stderr and gated.gate.logins == ["or2", "or1"]
    assert "OpenReview: 4 requested, 4 found" in done.stdout
    papers = json.loads((tmp_path / "output" / "publications.json").read_text())["papers"]
    hlop = next(p for p in papers if p["key"] == "xiao2024hebbian")
    assert hlop["field_sources"]["venue"] == "openreview" and hlop["venue"]["abbr"] == "ICLR"
    secrets = [PASSWORD, USER, *gated.gate.tokens]
    files = [*(p for p in (tmp_path / "output").rglob("*") if p.is_file()), homepage, tmp_path / "config.toml", tmp_path / "summary.md",
             tmp_path / "message.txt"]
    for secret in secrets:
        assert secret not in done.stdout and secret not in done.stderr, secret
        for path in files:
            assert secret.encode() not in path.read_bytes(), (secret, path)


def test_run_without_credentials_loses_no_paper_and_says_what_is_missing(tmp_path, gated):
    done, _ = _run(tmp_path, gated, new_process=False)
    assert done.returncode == 4, done.stdout + done.stderr
    out = done.stdout
    line = next(l for l in out.splitlines() if l.startswith("OpenReview:"))
    assert "ChallengeRequiredError" in line and "OPENREVIEW_USERNAME" in line and "OPENREVIEW_PASSWORD" in line
    assert "14 papers." in out and "arXiv: 8 requested, 8 found" in out
    papers = json.loads((tmp_path / "output" / "publications.json").read_text())["papers"]
    assert len(papers) == 14
    assert "  xiao2024hebbian: " in out and "acceptance status and award unknown until OpenReview answers" in out
    # OTTT's award is the owner's own (config), so only its status is missing
    assert "xiao2022online: " in out and "xiao2022online: shown" in out
    ottt_line = next(l for l in out.splitlines() if "xiao2022online:" in l and "OpenReview answers" in l)
    assert "acceptance status unknown" in ottt_line
    assert "Without OpenReview" in (tmp_path / "summary.md").read_text()


def test_a_stored_harvest_stands_in_when_the_gate_closes(tmp_path, gated):
    env = {"OPENREVIEW_USERNAME": USER, "OPENREVIEW_PASSWORD": PASSWORD}
    first, _ = _run(tmp_path, gated, env, new_process=False)
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "output" / "publications.json").read_bytes()
    second, _ = _run(tmp_path, gated, None, "--refresh", new_process=False)
    assert second.returncode == 4
    assert (tmp_path / "output" / "publications.json").read_bytes() == before  # awards and venues kept
    assert "stored records used for 4 IDs" in second.stdout and "OPENREVIEW_PASSWORD" in second.stdout
