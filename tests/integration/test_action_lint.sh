# The GitHub Action and its example workflows pass ci/lint-action.sh
# (shellcheck, action-validator, actionlint and the action's own checks),
# and each of those checks rejects a copy of the action broken on purpose,
# so a linter that silently checks nothing fails this test.
. "$(dirname "$0")/lib.sh"
set -e

lint="$PAWL_SRC/ci/lint-action.sh"

lint_status() { # lint_status DIR: leaves $status and $err
    set +e
    err=$(sh "$lint" "$1" 2>&1)
    status=$?
    out=""
    set -e
}

lint_status "$PAWL_SRC/action"
expect_status 0 "the action lints clean"
printf '%s\n' "$err" | tail -1

# broken NAME WANT-IN-OUTPUT EDIT...: a copy of action/ edited by sed, which the lint must reject.
broken() {
    local name=$1 want=$2 file=$3 script=$4
    rm -rf "${PAWL_TMP:?}/$name"
    cp -R "$PAWL_SRC/action" "$PAWL_TMP/$name"
    sed -i -e "$script" "$PAWL_TMP/$name/$file"
    if cmp -s "$PAWL_SRC/action/$file" "$PAWL_TMP/$name/$file"; then
        fail "$name: the edit changed nothing"
        return
    fi
    lint_status "$PAWL_TMP/$name"
    expect_status 1 "$name is rejected"
    expect_contains "$err" "$want" "$name: the right check says so"
}

# shellcheck disable=SC2016 # sed scripts and expressions, not shell expansions
{
    broken injection "interpolates an expression" action.yml \
        's|run: bash "$GITHUB_ACTION_PATH/run.sh"|run: bash "$GITHUB_ACTION_PATH/run.sh" ${{ inputs.args }}|'
    broken schema "action-validator rejects" action.yml 's|^  steps:|  stepz:|'
    broken unknown-input "'confg' is not an input" examples/pr.yml 's|config: pawl.yaml|confg: pawl.yaml|'
    broken unknown-output "'verdikt' is not an output" examples/pr.yml \
        's|steps.pawl.outputs.junit != |steps.pawl.outputs.verdikt != |'
    broken untrusted "potentially untrusted" examples/shards.yml \
        's|echo "expected 4 shard results|echo "${{ github.event.pull_request.title }} expected 4 shard results|'
    broken stale-readme "does not show examples/pr.yml" examples/pr.yml 's|check_name: pawl cases|check_name: pawl|'
    broken shell "SC2086" run.sh 's|cat -- "$outputs" >>|cat -- $outputs >>|'
}

finish
