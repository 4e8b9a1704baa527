# The pre-push hook in real repositories made here: a bare "remote" and a
# clone with the quickstart agent. Irrelevant pushes skip the gate, a dataset
# change that fails the gate blocks the push, new branches, deletions and
# tags, core.hooksPath, --no-verify, foreign hooks and uninstall.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
git_env

# run_git [args...]: like run_pawl for git, stdout and stderr together in $out
# (git shows the hook's output on its stderr).
run_git() {
    set +e
    out=$(git "$@" 2>&1)
    status=$?
    set -e
    err=$out
    if printf '%s' "$out" | grep -q 'Sanitizer\|runtime error:'; then
        fail "sanitizer report from: git $*"
        printf '%s\n' "$out" >&2
    fi
}

expect_not_contains() { # expect_not_contains HAYSTACK NEEDLE what
    tests_run=$((tests_run + 1))
    case $1 in
    *"$2"*) fail "$3: unexpected '$2'"; printf '  in: %s\n' "$1" | head -c 2000 >&2 ;;
    esac
}

remote_head() { git -C "$PAWL_TMP/remote.git" rev-parse -q --verify "refs/heads/$1" || echo none; }

git init -q --bare -b main remote.git
git clone -q remote.git clone 2>/dev/null
cd clone
quickstart_bot .
printf '# bot\n' > README.md
printf 'reports/\n' > .gitignore
git add -A && git commit -qm "bot and its evals"

# --help teaches install, uninstall, run, what counts and how to skip.
run_pawl hook --help
expect_status 0 "hook --help"
for phrase in "pawl hook install [-c pawl.yaml] [--paths GLOB]... [--force]" "pawl hook uninstall" \
    "git push --no-verify" "dataset.path, baseline.file and every prompt file" \
    "Deleting a branch and pushing tags never run the gate" "core.hooksPath"; do
    expect_contains "$out" "$phrase" "hook --help"
done
run_pawl help hook
expect_status 0 "pawl help hook"
run_pawl hook
expect_status 2 "hook without a command"
expect_contains "$err" "pawl: expected 'install', 'uninstall' or 'run'" "hook without a command"
run_pawl hook instal
expect_status 2 "unknown hook command"
expect_contains "$err" "pawl: unknown hook command 'instal' (expected 'install', 'uninstall' or 'run')" "unknown hook command"
run_pawl hook uninstall --force
expect_status 2 "--force is for install"
expect_contains "$err" "pawl: unknown option '--force' for 'hook uninstall'" "--force is for install"
run_pawl hook uninstall -c other.yaml
expect_status 2 "-c is not for uninstall"
expect_contains "$err" "pawl: unknown option '-c' for 'hook uninstall'" "-c is not for uninstall"
run_pawl hook run -c pawl.yaml origin
expect_status 2 "hook run without URL"

# Install, then the first push: everything is new to the remote, so the gate runs and passes.
run_pawl hook install
expect_status 0 "install"
expect_eq "$out" "installed the pre-push hook '.git/hooks/pre-push': it runs the gate of 'pawl.yaml' before a push that changes what the gate reads
skip it once with 'git push --no-verify'; remove it with 'pawl hook uninstall'" "install message"
test -x .git/hooks/pre-push || fail "the hook is executable"
expect_contains "$(cat .git/hooks/pre-push)" "exec \"\$pawl\" hook run -c 'pawl.yaml' -- \"\$@\"" "hook script"
run_git push -q origin main
expect_status 0 "first push"
expect_contains "$out" "pawl: eval-relevant changes (agent.sh, evals/support.jsonl, pawl.yaml); running the gate" "first push runs the gate"
expect_contains "$out" "pawl: the gate passed" "first push passes"
expect_eq "$(remote_head main)" "$(git rev-parse HEAD)" "first push arrived"
git branch -q -u origin/main
rm -rf reports

# An irrelevant change: the push goes through without running the gate.
printf 'More words.\n' >> README.md
git commit -qam "docs"
run_git push -q origin main
expect_status 0 "irrelevant push"
expect_eq "$out" "pawl: no eval-relevant changes in this push" "irrelevant push is skipped"
test ! -e reports || fail "the gate did not run for an irrelevant push (no reports)"
expect_eq "$(remote_head main)" "$(git rev-parse HEAD)" "irrelevant push arrived"

# A dataset case the agent cannot answer fails the gate (pass_rate >= 1): the push is blocked.
printf '{"id": "swallow", "input": {"question": "What is the airspeed of a swallow?"}, "expected_output": "11 m/s"}\n' >> evals/support.jsonl
git commit -qam "a case the bot gets wrong"
run_git push -q origin main
expect_status 1 "failing gate blocks the push"
expect_contains "$out" "pawl: eval-relevant changes (evals/support.jsonl); running the gate" "blocked push names the change"
expect_contains "$out" "FAIL swallow" "blocked push shows the failing case"
expect_contains "$out" "pawl: the gate failed; push blocked (fix it, or push with --no-verify to skip)" "blocked push message"
expect_contains "$out" "failed to push some refs" "git reports the blocked push"
expect_not_contains "$(remote_head main)" "$(git rev-parse HEAD)" "blocked push did not arrive"

# --no-verify is honoured by git: the hook does not run at all.
rm -rf reports
run_git push -q --no-verify origin main
expect_status 0 "--no-verify"
expect_not_contains "$out" "pawl:" "--no-verify skips the hook"
test ! -e reports || fail "--no-verify ran no gate"
expect_eq "$(remote_head main)" "$(git rev-parse HEAD)" "--no-verify push arrived"

# The fix (the agent learns the answer) is relevant too, and passes.
sed -i 's/^\*open\*|/*swallow*)\n    echo "About 11 m\/s." ;;\n*open*|/' agent.sh
git commit -qam "the bot knows swallows"
run_git push -q origin main
expect_status 0 "fixed push"
expect_contains "$out" "pawl: eval-relevant changes (agent.sh); running the gate" "the agent counts"
expect_contains "$out" "pawl: the gate passed" "fixed push passes"

# New branches compare with where they left the remote.
git checkout -q -b docs-only
printf 'Even more.\n' >> README.md
git commit -qam "more docs"
run_git push -q origin docs-only
expect_status 0 "new irrelevant branch"
expect_eq "$out" "pawl: no eval-relevant changes in this push" "new irrelevant branch is skipped"
git checkout -q main
git checkout -q -b harder
printf '{"id": "unknown", "input": {"question": "Who won the 1904 Olympics?"}, "expected_output": "nobody knows"}\n' >> evals/support.jsonl
git commit -qam "another case the bot gets wrong"
run_git push -q origin harder
expect_status 1 "new failing branch is blocked"
expect_contains "$out" "pawl: eval-relevant changes (evals/support.jsonl); running the gate" "new branch diffed against main"
expect_eq "$(remote_head harder)" "none" "blocked branch did not arrive"
git checkout -q main

# Deleting a branch and pushing tags change nothing.
rm -rf reports
run_git push -q origin --delete docs-only
expect_status 0 "branch deletion"
expect_eq "$out" "pawl: no eval-relevant changes in this push" "deletion is skipped"
expect_eq "$(remote_head docs-only)" "none" "branch deleted"
git tag -a -m "known bad" bad harder
run_git push -q origin bad
expect_status 0 "tag push"
expect_eq "$out" "pawl: no eval-relevant changes in this push" "tag push is skipped"
test ! -e reports || fail "deletions and tags run no gate"

# Malformed hook input: a located error, and the push would be blocked.
printf 'refs/heads/main abc\n' > bad-input
run_pawl hook run -c pawl.yaml origin url < bad-input
expect_status 2 "malformed pre-push input"
expect_eq "$err" "pawl: pre-push input line 1: expected 4 fields (local ref, local sha, remote ref, remote sha), got 2
pawl: the gate could not run; push blocked (fix it, or push with --no-verify to skip)" "malformed input message"
rm bad-input

# --paths: other files can count too.
run_pawl hook install --paths 'docs/*.md'
expect_status 0 "reinstall with --paths"
expect_contains "$(cat .git/hooks/pre-push)" "hook run -c 'pawl.yaml' --paths 'docs/*.md' -- \"\$@\"" "hook with --paths"
mkdir -p docs && printf 'x\n' > docs/guide.md
git add docs && git commit -qm "a guide"
run_git push -q origin main
expect_status 0 "--paths match runs the gate"
expect_contains "$out" "pawl: eval-relevant changes (docs/guide.md); running the gate" "--paths match"

# A foreign hook is never overwritten or removed without --force.
printf '#!/bin/sh\necho "husky hook"\n' > .git/hooks/pre-push
run_pawl hook install
expect_status 2 "foreign hook"
expect_eq "$err" "pawl: '.git/hooks/pre-push' exists and was not installed by pawl (use --force to replace it)" "foreign hook message"
run_pawl hook uninstall
expect_status 2 "uninstall keeps a foreign hook"
expect_eq "$err" "pawl: '.git/hooks/pre-push' was not installed by pawl; leaving it in place" "uninstall foreign message"
expect_contains "$(cat .git/hooks/pre-push)" "husky hook" "foreign hook untouched"
run_pawl hook install --force
expect_status 0 "install --force"
expect_contains "$(cat .git/hooks/pre-push)" "# installed by pawl hook install" "--force replaced it"
run_pawl hook uninstall
expect_status 0 "uninstall"
expect_eq "$out" "removed the pre-push hook '.git/hooks/pre-push'" "uninstall message"
test ! -e .git/hooks/pre-push || fail "uninstall removed the hook"
run_pawl hook uninstall
expect_status 0 "uninstall without a hook"
expect_eq "$out" "no pre-push hook at '.git/hooks/pre-push'; nothing to remove" "nothing to uninstall"

# core.hooksPath: the hook goes where git looks for it, and git runs it from there.
git config core.hooksPath .githooks
run_pawl hook install
expect_status 0 "install with core.hooksPath"
expect_contains "$out" "installed the pre-push hook '.githooks/pre-push'" "core.hooksPath install message"
test -x .githooks/pre-push || fail "hook written to core.hooksPath"
test ! -e .git/hooks/pre-push || fail "nothing written to .git/hooks"
printf '{"id": "bees", "input": {"question": "Do bees sleep?"}, "expected_output": "yes"}\n' >> evals/support.jsonl
git commit -qam "bees"
run_git push -q origin main
expect_status 1 "core.hooksPath hook blocks"
expect_contains "$out" "pawl: the gate failed; push blocked" "core.hooksPath hook ran"
run_pawl hook uninstall
expect_eq "$out" "removed the pre-push hook '.githooks/pre-push'" "uninstall from core.hooksPath"
run_git push -q origin main
expect_status 0 "no hook, no gate"

# From a subdirectory, with the config beside the evals.
cd evals
cp ../pawl.yaml gate.yaml
sed -i 's|evals/support.jsonl|support.jsonl|; s|agent.sh|../agent.sh|' gate.yaml
run_pawl hook install -c gate.yaml
expect_status 0 "install from a subdirectory"
expect_contains "$(cat ../.githooks/pre-push)" "hook run -c 'evals/gate.yaml' -- \"\$@\"" "config path from the work tree root"
cd ..
git add evals/gate.yaml && git commit -qm "a second config"
run_git push -q origin main
expect_status 1 "subdirectory config runs the gate"
expect_contains "$out" "pawl: eval-relevant changes (evals/gate.yaml); running the gate" "subdirectory config change"

finish
