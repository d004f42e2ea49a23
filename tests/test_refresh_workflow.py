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
import tomli_w
import tomllib
import yaml

from tests.conftest import ROOT, SEED, run_main, write_config
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

        batch = json.loads((SEED / "s2" / "paper_batch_seed.json").read_text(encoding="utf-8"))
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
    assert run_main("run", "--config", str(config)).returncode == 0
    sent = len(replay.log)
    assert sent == 5  # arXiv 1, S2 1, OpenReview 2, Crossref 1
    again = run_main("run", "--config", str(config))
    assert again.returncode == 0 and len(replay.log) == sent
    assert "arXiv: 8 requested, 0 found, 0 not found, 0 failed, 0 stale, 8 fresh (stored less than max_age_h ago, " \
           "not asked); 0 HTTP requests." in again.stdout
    forced = run_main("run", "--refresh", "--config", str(config))
    assert forced.returncode == 0 and len(replay.log) == 2 * sent


def test_dry_run_writes_nothing_and_prints_the_diff(tmp_path, replay):
    shutil.copytree(ROOT / "output", tmp_path / "output")
    config = write_config(tmp_path / "config.toml", replay, output=tmp_path / "output")
    base = config.read_text(encoding="utf-8").replace('key = "xiao2021training"',
                                                       'key = "xiao2021training"\nyear = 2099')
    config.write_text(base, encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "output").rglob("*") if p.is_file()}
    done = run_main("run", "--dry-run", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "output").rglob("*") if p.is_file()} == before
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
    done = run_main("run", "--dry-run", "--config", str(config))
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
    done = run_main("run", option, str(config), "--config", str(config))
    assert done.returncode == 2 and "would overwrite the config" in done.stderr
    assert config.read_bytes() == before and replay.log == []


# --- the git-failure matrix: every failed step fails the job, with git's words and its own exit code ---

@pytest.fixture
def offline_site(homepage_repo, tmp_path, request):
    """``homepage_repo`` with a config and the stored harvest of a seed run, so that an offline run
    writes the section, CSV and JSON (a change to commit) without any server; with the repository's
    ``[formats]`` (every format, into output/) when the test is marked ``formats``."""
    output = homepage_repo / "output"
    output.mkdir()
    shutil.copy(ROOT / "output" / "harvest.json", output / "harvest.json")
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["output"] = {"dir": "output"}
    if request.node.get_closest_marker("formats") is None:
        data.pop("formats", None)
    (homepage_repo / "config.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    git(homepage_repo, "add", ".")
    git(homepage_repo, "commit", "-q", "-m", "config and stored harvest")
    git(homepage_repo, "push", "-q")
    # An earlier run on this machine wrote the outputs but they were never committed (its commit failed):
    # the job's own run finds nothing new, and must commit them with a message that says what they change.
    assert run_main("run", "-q", "--offline", "--config", str(homepage_repo / "config.toml")).returncode == 0
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "RUNNER_TEMP": str(tmp_path),
           "PUBHARVEST_ARGS": "--offline"}
    return homepage_repo, env


@pytest.mark.formats
def test_a_paper_removed_from_config_has_its_files_removed_in_the_commit(offline_site):
    repo, env = offline_site
    assert run_workflow_step(repo, env).returncode == 0
    data = tomllib.loads((repo / "config.toml").read_text(encoding="utf-8"))
    data["paper"] = [p for p in data["paper"] if p["key"] != "xiao2020tdmpnet"]
    (repo / "config.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "drop a paper")
    done = run_workflow_step(repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Committed: Update publications: 1 removed" in done.stdout
    status = dict(line.split("\t")[::-1] for line in
                  git(repo, "show", "--name-status", "--format=", "HEAD").strip().splitlines())
    assert status["output/_publications/xiao2020tdmpnet.md"] == "D"
    assert status["output/content/publication/xiao2020tdmpnet/index.md"] == "D"
    assert status["output/papers.bib"] == "M" and status["output/owned.json"] == "M"
    assert git(repo, "status", "--porcelain").strip() == ""


def test_a_format_file_named_publications_json_is_not_the_commit_messages_base(offline_site):
    repo, env = offline_site
    data = tomllib.loads((repo / "config.toml").read_text(encoding="utf-8"))
    data["formats"] = {"csl_json": "cv/publications.json"}  # README's example name
    (repo / "config.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "a CSL-JSON file")
    assert run_workflow_step(repo, env).returncode == 0
    data["paper"][0]["title"] = "A title of my own"
    (repo / "config.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "retitle a paper")
    done = run_workflow_step(repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Committed: Update publications: 1 changed" in done.stdout
    assert "cv/publications.json" in git(repo, "show", "--name-only", "--format=", "HEAD").split()


def head(repo) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.formats
def test_offline_site_commits_and_pushes(offline_site):
    repo, env = offline_site
    (repo / "output" / ".publications.md.k1ll3d.tmp").write_text("left by a killed run", encoding="utf-8")
    done = run_workflow_step(repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Committed: Update publications: 14 added" in done.stdout
    assert head(repo) == git(repo, "rev-parse", "origin/main").strip()
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    written = sorted(str(p.relative_to(repo)) for p in (repo / "output").rglob("*")
                     if p.is_file() and p.name != "harvest.json")
    assert committed == written  # the section, CSV and JSON, and every format the config chose
    assert {"output/publications.md", "output/papers.bib", "output/publications.csl.json", "output/owned.json",
            "output/_publications/xiao2024hebbian.md", "output/content/publication/xiao2024hebbian/cite.bib"} \
        <= set(committed)
    assert len([c for c in committed if c.startswith("output/_publications/")]) == 14
    assert not (repo / "output" / ".publications.md.k1ll3d.tmp").exists()  # the run removed it, unstaged
    assert git(repo, "status", "--porcelain").strip() == ""


def test_hook_refusing_the_commit_fails_the_job(offline_site):
    repo, env = offline_site
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'pre-commit: refusing this commit' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    start = head(repo)
    done = run_workflow_step(repo, env)
    assert done.returncode == 24, done.stdout + done.stderr
    assert "::error::git commit failed; nothing was committed" in done.stdout
    assert "pre-commit: refusing this commit" in done.stderr  # git's (the hook's) own words
    assert "Committed:" not in done.stdout and head(repo) == start
    assert git(repo, "diff", "--cached", "--name-only").strip() == ""  # nothing left staged
    assert (repo / "output" / "publications.md").is_file()  # the run's files are kept in the work tree
    hook.unlink()  # fixed: the next job commits the files, and its message says what they change against HEAD
    again = run_workflow_step(repo, env)
    assert again.returncode == 0 and "Committed: Update publications: 14 added" in again.stdout, again.stdout
    assert "No file changed." in again.stdout  # the run itself had nothing new to write


def test_push_rejected_after_a_concurrent_push_fails_the_job(offline_site, tmp_path):
    repo, env = offline_site
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", git(repo, "remote", "get-url", "origin").strip(), str(other)], check=True)
    (other / "README.md").write_text("edited elsewhere\n", encoding="utf-8")
    git(other, "-c", "user.name=O", "-c", "user.email=o@example.org", "commit", "-q", "-am", "concurrent edit")
    git(other, "push", "-q")
    done = run_workflow_step(repo, env)
    assert done.returncode == 25, done.stdout + done.stderr
    assert "Committed: Update publications: 14 added" in done.stdout  # it did commit, locally
    assert "::error::git push of " in done.stdout and "the commit is only local" in done.stdout
    assert "rejected" in done.stderr  # git's message, e.g. "! [rejected] main -> main (fetch first)"
    assert git(repo, "log", "-1", "--format=%s", "origin/main").strip() != "Update publications: 14 added"


def test_push_without_upstream_fails_the_job(offline_site):
    repo, env = offline_site
    git(repo, "checkout", "-q", "-b", "unpushed")
    done = run_workflow_step(repo, env)
    assert done.returncode == 25, done.stdout + done.stderr
    assert "has no upstream branch" in done.stderr


def test_detached_head_stops_before_the_run(offline_site):
    repo, env = offline_site
    git(repo, "checkout", "-q", "--detach")
    done = run_workflow_step(repo, env)
    assert done.returncode == 21, done.stdout + done.stderr
    assert "::error::HEAD is detached" in done.stdout
    assert not Path(env["GITHUB_STEP_SUMMARY"]).exists()  # the run did not start: nothing it could not commit


def test_homepage_outside_the_repository_is_refused_before_the_run(offline_site, tmp_path):
    repo, env = offline_site
    from tests.conftest import marked_homepage
    outside = marked_homepage(tmp_path / "elsewhere.md")
    before = outside.read_bytes()
    config = repo / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('[output]\ndir = "output"',
                                                                 f'[output]\ndir = "output"\nhomepage = "{outside}"'),
                      encoding="utf-8")
    line = config.read_text(encoding="utf-8").splitlines().index(f'homepage = "{outside}"') + 1
    done = run_workflow_step(repo, env)
    assert done.returncode == 22, done.stdout + done.stderr
    assert f"config.toml:{line}: output.homepage: {outside} is outside the repository" in done.stderr
    assert outside.read_bytes() == before and not Path(env["GITHUB_STEP_SUMMARY"]).exists()  # no run


def test_failed_git_add_fails_the_job(offline_site):
    repo, env = offline_site
    (repo / ".git" / "index.lock").write_text("", encoding="utf-8")  # another git process holds the index
    done = run_workflow_step(repo, env)
    assert done.returncode == 23, done.stdout + done.stderr
    assert "::error::git add failed" in done.stdout and "index.lock" in done.stderr


def test_not_a_repository_stops_before_the_run(offline_site):
    repo, env = offline_site
    shutil.rmtree(repo / ".git")
    done = run_workflow_step(repo, {**env, "GIT_CEILING_DIRECTORIES": str(repo.parent)})
    assert done.returncode == 21 and "not inside a git repository" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("python", ["missing", "without pubharvest"])
def test_python_without_pubharvest_is_its_own_exit_code(offline_site, tmp_path, python):
    repo, env = offline_site
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "cat", "mktemp", "rm"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    if python == "without pubharvest":
        (bin_dir / "python").symlink_to("/usr/bin/python3")
    step_env = {**os.environ, **env, "PATH": str(bin_dir)}
    done = subprocess.run([shutil.which("bash"), str(repo / ".github" / "scripts" / "refresh.sh")], cwd=repo, capture_output=True,
                          text=True, timeout=60, env=step_env)
    assert done.returncode == 20, done.stdout + done.stderr
    expected = "no 'python' on PATH" if python == "missing" else "pubharvest is not installed for"
    assert expected in done.stdout and head(repo) == git(repo, "rev-parse", "origin/main").strip()


def test_nul_in_fetched_metadata_is_committed_clean(homepage_repo, tmp_path):
    """A NUL byte in a source's title once made `git commit` fail while the job went green."""
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "RUNNER_TEMP": str(tmp_path), "PUBHARVEST_ARGS": ""}
    batch = json.loads((SEED / "s2" / "paper_batch_seed.json").read_text(encoding="utf-8"))
    batch[1]["title"] = "Towards Memory-\x00 and\x1b[2J Time-Efficient Backpropagation"
    with ReplayServer([SEED]) as server:
        server.faults["/s2/"] = Fault(status=200, body=json.dumps(batch).encode())
        write_config(homepage_repo / "config.toml", server, output=homepage_repo / "output")
        done = run_workflow_step(homepage_repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    message = git(homepage_repo, "log", "-1", "--format=%B")
    assert message.startswith("Update publications: 14 added") and "\x00" not in message and "\x1b" not in message
    assert head(homepage_repo) == git(homepage_repo, "rev-parse", "origin/main").strip()
