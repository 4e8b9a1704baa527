# dataset.ref reads the dataset as committed at a revision, through libgit2,
# in a repository this test creates; the blob id recorded is git's.
. "$(dirname "$0")/lib.sh"
set -e
git_env
git init -q -b main "$PAWL_TMP/repo"
cd "$PAWL_TMP/repo"
mkdir evals
printf '{"id": "a", "input": "old question", "expected_output": "old"}\n' > evals/qa.jsonl
cat > pawl.yaml <<'YAML'
version: 1
dataset: {path: evals/qa.jsonl, ref: "HEAD~1"}
task: {provider: echo, prompt: prompt.txt}
scorers: [{name: echoed, type: contains, value: "{{expected_output}}"}]
YAML
printf '{{input}} -> {{expected_output}}\n' > prompt.txt
git add -A && git commit -qm one
old_blob=$(git hash-object evals/qa.jsonl)
printf '{"id": "a", "input": "new question", "expected_output": "new"}\n{"id": "b", "input": "x", "expected_output": "y"}\n' > evals/qa.jsonl
git commit -qam two
printf '{"id": "dirty", "input": "uncommitted", "expected_output": "z"}\n' > evals/qa.jsonl

run_pawl run --json r.json
expect_status 0 "dataset at HEAD~1"
expect_eq "$(json_get r.json 'd["dataset"]["blob"], d["dataset"]["ref"], [c["id"] for c in d["cases"]], d["cases"][0]["trials"][0]["output"]')" \
    "$old_blob HEAD~1 ['a'] old question -> old" "old content and blob at HEAD~1"
expect_eq "$(json_get r.json 'd["run"]["git"]["commit"], d["run"]["git"]["ref"], d["run"]["git"]["dirty"]')" \
    "$(git rev-parse HEAD) main True" "run.git describes the checkout"

# Without ref: the working tree, with its uncommitted blob id.
sed -i '/ref:/s/, ref: "HEAD~1"//' pawl.yaml
run_pawl run --json r2.json
expect_status 0 "working tree dataset"
expect_eq "$(json_get r2.json 'd["dataset"]["blob"], [c["id"] for c in d["cases"]]')" \
    "$(git hash-object evals/qa.jsonl) ['dirty']" "uncommitted blob id"

# A revision that does not exist, or a path missing there, is a data error.
sed -i 's|path: evals/qa.jsonl|path: evals/qa.jsonl, ref: nope|' pawl.yaml
run_pawl validate
expect_status 2 "unknown revision"
expect_eq "$err" "evals/qa.jsonl: unknown git revision 'nope'" "unknown revision message"
sed -i 's|ref: nope|ref: "HEAD~2"|' pawl.yaml
run_pawl validate
expect_status 2 "revision before the repository's first commit"
finish
