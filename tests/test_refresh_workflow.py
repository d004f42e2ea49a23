"""The scheduled refresh: workflow and action files are valid, the workflow's shell step commits only
real changes with a message that names them, freshness skips requests, --dry-run writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SEED, run_cli, write_config
from tests.replay import Fault, ReplayServer

WORKFLOW = ROOT / ".github" / "workflows" / "refresh.yml"


@pytest.mark.parametrize("schema, path", [("vendor.github-workflows", WORKFLOW),
                                          ("vendor.github-actions", ROOT / "action.yml")])
def test_files_validate_against_github_schemas(schema, path):
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_permissions_schedule_and_concurrency():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    assert flow["permissions"] == {"contents": "write"} and flow["concurrency"]["cancel-in-progress"] is False
    step = next(s for s in flow["jobs"]["refresh"]["steps"] if s.get("name") == "Refresh and commit")
    assert step["env"]["S2_API_KEY"] == "${{ secrets.S2_API_KEY }}"
    for name in ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"):
        assert step["env"][name] == "${{ secrets.%s }}" % name


def test_action_passes_the_openreview_login_through_to_the_script():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Refresh and commit")
    for name, key in (("OPENREVIEW_USERNAME", "openreview-username"), ("OPENREVIEW_PASSWORD", "openreview-password"),
                      ("OPENREVIEW_TOKEN", "openreview-token")):
        assert action["inputs"][key]["default"] == "" and action["inputs"][key]["required"] is False
        assert step["env"][name] == "${{ inputs.%s }}" % key


def git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def homepage_repo(tmp_path):
    """A git repository like a user's, with a bare remote to push to."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = tmp_path / "site"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Site Owner")
    git(repo, "config", "user.email", "owner@example.org")
    shutil.copytree(ROOT / ".github", repo / ".github")
    (repo / "README.md").write_text("my site\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "-u", "origin", "main")
    return repo


def run_workflow_step(repo, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the workflow's 'Refresh and commit' step as written, with its env (expressions evaluated)."""
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    step = next(s for s in flow["jobs"]["refresh"]["steps"] if s.get("name") == "Refresh and commit")
    step_env = {k: v for k, v in step["env"].items() if "${{" not in v}
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # the `python` of this environment
    return subprocess.run(["bash", "-c", step["run"]], cwd=repo, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": path, **step_env, **env})


def test_workflow_step_commits_only_real_changes(homepage_repo, tmp_path):
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path), "PUBHARVEST_ARGS": ""}
    with ReplayServer([SEED]) as server:
        write_config(homepage_repo / "config.toml", server, output=homepage_repo / "output")
        git(homepage_repo, "add", "config.toml")
        git(homepage_repo, "commit", "-q", "-m", "config")

        first = run_workflow_step(homepage_repo, env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert git(homepage_repo, "log", "-1", "--format=%an|%s").strip() == \
            "github-actions[bot]|Update publications: 14 added"
        assert "output/publications.md" in git(homepage_repo, "show", "--stat", "--format=", "HEAD")
        assert git(homepage_repo, "status", "--porcelain").strip() == ""
        assert "## Publications refresh" in summary.read_text(encoding="utf-8")
        assert git(homepage_repo, "rev-parse", "HEAD") == git(homepage_repo, "rev-parse", "origin/main")
        commits = git(homepage_repo, "rev-list", "--count", "HEAD")

        second = run_workflow_step(homepage_repo, env)
        assert second.returncode == 0 and "No change to commit." in second.stdout
        assert git(homepage_repo, "rev-list", "--count", "HEAD") == commits

        batch = json.loads((SEED / "s2" / "paper_batch_seed_init.json").read_text(encoding="utf-8"))
        batch[1]["venue"] = "Computer Vision and Pattern Recognition"  # SLTT, whose venue S2 gives
        batch[1]["publicationVenue"] = None
        server.faults["/s2/"] = Fault(status=200, body=json.dumps(batch).encode())
        third = run_workflow_step(homepage_repo, {**env, "PUBHARVEST_ARGS": "--refresh"})
        assert third.returncode == 0, third.stdout + third.stderr
    assert int(git(homepage_repo, "rev-list", "--count", "HEAD")) == int(commits) + 1
    message = git(homepage_repo, "log", "-1", "--format=%B")
    assert message.startswith("Update publications: 1 changed\n")
    assert "changed: Towards Memory- and Time-Efficient Backpropagation for Training Spiking Neural Networks " \
           "(meng2023towards)" in message
    # the old venue under the owner's name for ICCV ([venue_names]), the new one under the table's
    assert "venue: International Conference on Computer Vision (ICCV) -> IEEE/CVF Conference on Computer " \
           "Vision and Pattern Recognition (CVPR)" in message


def test_second_run_within_max_age_sends_no_request(tmp_path, replay):
    config = write_config(tmp_path / "config.toml", replay)
    assert run_cli("run", "--config", str(config)).returncode == 0
    sent = len(replay.log)
    assert sent == 4
    again = run_cli("run", "--config", str(config))
    assert again.returncode == 0 and len(replay.log) == sent
    assert "8 fresh (stored less than max_age_h ago, not asked); 0 HTTP requests." in again.stdout
    forced = run_cli("run", "--refresh", "--config", str(config))
    assert forced.returncode == 0 and len(replay.log) == 2 * sent


def test_dry_run_writes_nothing_and_prints_the_diff(tmp_path, replay):
    shutil.copytree(ROOT / "output", tmp_path / "output")
    config = write_config(tmp_path / "config.toml", replay, output=tmp_path / "output")
    base = config.read_text(encoding="utf-8").replace('key = "xiao2021training"',
                                                       'key = "xiao2021training"\nyear = 2099')
    config.write_text(base, encoding="utf-8")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "output").iterdir()}
    done = run_cli("run", "--dry-run", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "output").iterdir()} == before
    assert "Dry run: nothing was written." in done.stdout
    assert "changed: Training Feedback Spiking Neural Networks by Implicit Differentiation on the Equilibrium " \
           "State (xiao2021training)\n  year: 2021 -> 2099" in done.stdout
    assert "+*Advances in Neural Information Processing Systems (NeurIPS), 2099*" in done.stdout
    assert "--- publications.md (last run)" in done.stdout


def test_dry_run_diff_is_of_the_homepage_when_one_is_set(tmp_path, replay):
    from tests.conftest import marked_homepage
    page = marked_homepage(tmp_path / "about.md")
    page.write_text(page.read_text(encoding="utf-8").replace("Cross-patient Epileptic", "Cross-Patient Epileptic"),
                    encoding="utf-8")  # the page has a title other than the one the config keeps
    before = page.read_bytes()
    config = write_config(tmp_path / "config.toml", replay, homepage=page)
    done = run_cli("run", "--dry-run", "--config", str(config))
    assert done.returncode == 0 and page.read_bytes() == before
    assert f"--- {page} (now)" in done.stdout and f"+++ {page} (after this run)" in done.stdout
    assert "-2. **Efficient and Generalizable Cross-Patient Epileptic" in done.stdout
    assert "+2. **Efficient and Generalizable Cross-patient Epileptic" in done.stdout
    assert "changed: Efficient and Generalizable Cross-patient Epileptic" in done.stdout
    assert done.stdout.count("\n-") == 1 + done.stdout.count("\n---")  # only that entry's first line changes
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("option", ["--summary-md", "--commit-message"])
def test_report_options_refuse_to_overwrite_inputs(tmp_path, replay, option):
    config = write_config(tmp_path / "config.toml", replay)
    before = config.read_bytes()
    done = run_cli("run", option, str(config), "--config", str(config))
    assert done.returncode == 2 and "would overwrite the config" in done.stderr
    assert config.read_bytes() == before and replay.log == []
