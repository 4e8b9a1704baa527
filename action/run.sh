#!/usr/bin/env bash
# The action's run step: runs `pawl run` and hands its results to the job.
#
# pawl itself writes the step summary, the outputs and the annotations when
# GITHUB_ACTIONS=true (src/report/github.c); this script maps the action's
# inputs to arguments, fills in the outputs when pawl stopped before writing
# any (a usage, config or data error), writes the body of the sticky pull
# request comment for a later step, and exits with pawl's status, so the
# step fails exactly when the gate does.
#
# Inputs arrive as environment variables (action.yml maps them with `env:`,
# never by pasting them into a script):
#   PAWL_INPUT_CONFIG          config file (default pawl.yaml)
#   PAWL_INPUT_BASELINE_REF    git revision whose committed baseline to compare with
#   PAWL_INPUT_BASELINE_FILE   that baseline's path (default .pawl/baseline.json)
#   PAWL_INPUT_ARGS            more arguments, split on white space (no quoting)
#   PAWL_INPUT_COMMENT         true: write the pull request comment body
#   PAWL_INPUT_INSTALL_ONLY    true: only put pawl on PATH, run nothing
# and PAWL_BIN (a prebuilt binary, for tests) or PAWL_HOME (where build.sh
# installed it). Uses GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH,
# RUNNER_TEMP and, for links, GITHUB_SERVER_URL/REPOSITORY/RUN_ID.
set -uo pipefail

marker='<!-- pawl-summary -->'
comment_max=60000 # bytes; GitHub refuses comments over 65536 characters

pawl=${PAWL_BIN:-${PAWL_HOME:?PAWL_HOME or PAWL_BIN must name the pawl build}/bin/pawl}
temp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

if [ -n "${GITHUB_PATH:-}" ]; then
    dirname -- "$pawl" >>"$GITHUB_PATH"
fi
if [ "${PAWL_INPUT_INSTALL_ONLY:-false}" = true ]; then
    exec "$pawl" --version
fi

args=(run -c "${PAWL_INPUT_CONFIG:-pawl.yaml}")
if [ -n "${PAWL_INPUT_BASELINE_REF:-}" ]; then
    args+=(--baseline "$PAWL_INPUT_BASELINE_REF:${PAWL_INPUT_BASELINE_FILE:-.pawl/baseline.json}")
fi
if [ -n "${PAWL_INPUT_ARGS:-}" ]; then
    # Word splitting only: `read -a` neither expands globs nor runs anything.
    read -r -d '' -a extra <<<"$PAWL_INPUT_ARGS" || true
    args+=("${extra[@]}")
fi

# pawl writes its outputs all at once or not at all; collect them apart to know which.
outputs=$(mktemp "$temp/pawl-outputs.XXXXXX") || exit 3
GITHUB_OUTPUT=$outputs "$pawl" "${args[@]}"
status=$?

run_url=""
if [ -n "${GITHUB_SERVER_URL:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] && [ -n "${GITHUB_RUN_ID:-}" ]; then
    run_url="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
fi

stopped=""
if [ ! -s "$outputs" ]; then
    stopped="## ⚠️ pawl stopped with exit status $status before writing a report"
    printf 'verdict=error\nexit-code=%d\njunit=\nresults=\nsummary=\nhtml=\n' "$status" >>"$outputs"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        printf '%s\n\nThe step log shows the error.\n' "$stopped" >>"$GITHUB_STEP_SUMMARY"
    fi
fi

if [ "${PAWL_INPUT_COMMENT:-true}" = true ]; then
    body="$temp/pawl-comment.md"
    summary=$(sed -n 's/^summary=//p' "$outputs")
    # pawl names reports relative to the workspace; this step may run in a subfolder of it.
    case $summary in
    /* | "") ;;
    *) summary="${GITHUB_WORKSPACE:-.}/$summary" ;;
    esac
    {
        printf '%s\n' "$marker"
        if [ -n "$stopped" ]; then
            printf '%s\n\nThe job log shows the error%s.\n' "$stopped" "${run_url:+: $run_url}"
        elif [ -f "$summary" ] && [ "$(wc -c <"$summary")" -le "$comment_max" ]; then
            cat -- "$summary"
        elif [ -f "$summary" ]; then
            # Too long to post: the verdict line, and where the whole summary is.
            head -n 1 -- "$summary"
            printf '\nThe full summary is too long for a comment; it is in the job summary%s.\n' \
                "${run_url:+: $run_url}"
        else
            printf 'pawl wrote no summary.\n'
        fi
    } >"$body"
    printf 'comment-body=%s\n' "$body" >>"$outputs"
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
    cat -- "$outputs" >>"$GITHUB_OUTPUT"
fi
rm -f -- "$outputs"
exit "$status"
