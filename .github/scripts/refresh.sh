#!/usr/bin/env bash
# Refresh the publication list and commit only what changed.
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
set -uo pipefail

config="${PUBHARVEST_CONFIG:-config.toml}"
if [ -n "${RUNNER_TEMP:-}" ]; then
  scratch="$RUNNER_TEMP"
else
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
fi
message="$scratch/pubharvest-commit-message.txt"
summary="${GITHUB_STEP_SUMMARY:-$scratch/pubharvest-summary.md}"

# shellcheck disable=SC2086  # PUBHARVEST_ARGS is a list of words
python -m pipeline run --config "$config" --summary-md "$summary" --commit-message "$message" ${PUBHARVEST_ARGS:-}
code=$?
case "$code" in
  0) ;;
  4) echo "::warning::some sources could not be reached; their stored records were used (see the job summary)" ;;
  *) echo "::error::pubharvest failed with exit code $code"; exit "$code" ;;
esac

if [ "${PUBHARVEST_COMMIT:-true}" != "true" ]; then
  exit 0
fi

# Stage exactly what the run writes: the output folder and the homepage, if any.
mapfile -t paths < <(python -m pipeline paths --config "$config")
git add -- "${paths[@]}"
if git diff --cached --quiet; then
  echo "No change to commit."
  exit 0
fi
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  commit --quiet --file "$message"
echo "Committed: $(git log -1 --format=%s)"
if [ "${PUBHARVEST_PUSH:-true}" = "true" ]; then
  git push
fi
