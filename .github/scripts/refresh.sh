#!/usr/bin/env bash
# Refresh the publication list and commit only what changed; fail loudly when any step fails.
# Used by .github/workflows/refresh.yml and by the composite action (action.yml).
#
# Environment:
#   PUBHARVEST_CONFIG   config file (default config.toml)
#   PUBHARVEST_ARGS     extra arguments for `python -m pipeline run` (e.g. --refresh)
#   PUBHARVEST_COMMIT   "true" (default) to commit and push changes, anything else to only run
#   PUBHARVEST_PUSH     "true" (default) to push the commit
#   GITHUB_STEP_SUMMARY where the Markdown summary goes (set by GitHub Actions)
#   RUNNER_TEMP         scratch folder (set by GitHub Actions; a temporary folder otherwise)
#   S2_API_KEY          Semantic Scholar API key, optional
#   OPENREVIEW_USERNAME, OPENREVIEW_PASSWORD (or OPENREVIEW_TOKEN)
#                       OpenReview login, optional; without it OpenReview refuses (403 challenge)
#
# Exit codes: those of `python -m pipeline run` (0 success, 4 success with stored records, 1, 3, 5:
# see README), and for the steps around it:
#   20 python or pubharvest is not installed     23 `git add` failed
#   21 not in a git repository, or HEAD detached   24 `git commit` failed (e.g. a hook refused it)
#   22 a file the run writes is outside the repo   25 `git push` failed (e.g. rejected: the remote moved on)
# "No change to commit." is the only success without a commit.
set -uo pipefail

fail() {  # fail CODE MESSAGE [DETAIL]: a GitHub error annotation, git's own words below it, exit CODE
  local code="$1" message="$2" detail="${3:-}"
  echo "::error::$message"
  if [ -n "$detail" ]; then printf '%s\n' "$detail" >&2; fi
  exit "$code"
}

config="${PUBHARVEST_CONFIG:-config.toml}"
if [ -n "${RUNNER_TEMP:-}" ]; then
  scratch="$RUNNER_TEMP"
else
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
fi
message="$scratch/pubharvest-commit-message.txt"
summary="${GITHUB_STEP_SUMMARY:-$scratch/pubharvest-summary.md}"
commit="${PUBHARVEST_COMMIT:-true}"

command -v python >/dev/null 2>&1 \
  || fail 20 "no 'python' on PATH; set up Python first (actions/setup-python) and install pubharvest"
not_installed() {
  fail 20 "pubharvest is not installed for $(command -v python); run: python -m pip install <pubharvest>" "$1"
}

if [ "$commit" = "true" ]; then
  top="$(git rev-parse --show-toplevel 2>&1)" || fail 21 "not inside a git repository; nothing could be committed" "$top"
  branch="$(git symbolic-ref --quiet --short HEAD)" \
    || fail 21 "HEAD is detached ($(git rev-parse --short HEAD 2>/dev/null)); check out a branch so the commit can be pushed"
  # Refuse before the run writes anything: a file outside the repository would be written but never committed.
  paths_out="$(python -m pipeline paths --config "$config" --inside "$top" 2>"$scratch/pubharvest-paths.err")"
  code=$?
  err="$(cat "$scratch/pubharvest-paths.err")"
  if [[ "$code" != 0 && "$err" == *"No module named"* ]]; then not_installed "$err"; fi
  case "$code" in
    0) ;;
    3) if [[ "$err" == *"outside the repository"* ]]; then
         fail 22 "a file the run writes is outside the repository $top" "$err"
       fi
       fail 3 "pubharvest config error" "$err" ;;
    *) fail "$code" "python -m pipeline paths failed with exit code $code" "$err" ;;
  esac
elif ! out="$(python -c 'import pipeline.cli, harvest' 2>&1)"; then
  not_installed "$out"
fi

# The commit message lists the changes against what the repository holds, so that a run committing the files
# an earlier run left uncommitted (its commit or push failed) says what the commit really changes.
base_args=()
if [ "$commit" = "true" ]; then
  base="$scratch/pubharvest-committed-publications.json"
  : > "$base"
  # The output folder's publications.json is the first such line `paths` prints (a [formats] file may
  # have the same name, e.g. csl_json = "cv/publications.json").
  while IFS= read -r path; do
    case "$path" in
      */publications.json|publications.json)
        if [[ "$path" == /* ]]; then spec="HEAD:${path#"$top"/}"; else spec="HEAD:./$path"; fi
        git show "$spec" > "$base" 2>/dev/null || : > "$base"
        break ;;
    esac
  done <<< "$paths_out"
  base_args=(--commit-message-base "$base")
fi

# shellcheck disable=SC2086  # PUBHARVEST_ARGS is a list of words
python -m pipeline run --config "$config" --summary-md "$summary" --commit-message "$message" "${base_args[@]}" \
  ${PUBHARVEST_ARGS:-}
code=$?
case "$code" in
  0) ;;
  4) echo "::warning::some sources could not be reached; their stored records were used (see the job summary)" ;;
  *) fail "$code" "pubharvest failed with exit code $code (see its message above and README, 'exit code')" ;;
esac

if [ "$commit" != "true" ]; then
  exit 0
fi

# Stage exactly the files the run writes that exist (the output folder's files, the homepage, the formats'
# files), and those of its files that git tracks and the run removed (a paper that left config).
paths=()
while IFS= read -r path; do
  if [ -e "$path" ] || git ls-files --error-unmatch -- "$path" >/dev/null 2>&1; then paths+=("$path"); fi
done <<< "$paths_out"
if [ "${#paths[@]}" -eq 0 ]; then
  echo "No change to commit."
  exit 0
fi
out="$(git add -- "${paths[@]}" 2>&1)" || fail 23 "git add failed" "$out"

git diff --cached --quiet -- "${paths[@]}"
case $? in
  0) echo "No change to commit."; exit 0 ;;
  1) ;;
  *) fail 23 "git could not compare the staged files with HEAD" ;;
esac

before="$(git rev-parse --quiet --verify HEAD || true)"
# Commit only the run's files, whatever else is staged.
if ! out="$(git -c user.name="github-actions[bot]" \
               -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
               commit --quiet --file "$message" -- "${paths[@]}" 2>&1)"; then
  git reset --quiet -- "${paths[@]}" 2>/dev/null  # leave the index as it was; the files keep the new content
  fail 24 "git commit failed; nothing was committed" "$out"
fi
after="$(git rev-parse --quiet --verify HEAD || true)"
if [ -z "$after" ] || [ "$after" = "$before" ]; then
  fail 24 "git commit made no commit; nothing was committed" "$out"
fi
echo "Committed: $(git log -1 --format=%s)"

if [ "${PUBHARVEST_PUSH:-true}" = "true" ]; then
  out="$(git push 2>&1)" \
    || fail 25 "git push of ${after:0:12} to $branch failed; the commit is only local (re-run the job once the remote is fixed or has been pulled)" "$out"
  printf '%s\n' "$out"
fi
