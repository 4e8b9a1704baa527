# The CI templates in ci/templates/: each must parse the way its CI system
# parses it, have the structure the README promises, pass shellcheck, and turn
# pawl's real exit status into the right build result. Runs offline once the
# npm tools are cached; without npm or Java those checks are skipped, loudly,
# and the structural ones still run.
. "$(dirname "$0")/lib.sh"

templates=$PAWL_SRC/ci/templates
py=/usr/bin/python3
tools=$PAWL_TMP/tools
mkdir -p "$tools"

# check WHAT CMD...: one check, passing when CMD exits 0; its output is shown when it fails.
check() {
    what=$1
    shift
    tests_run=$((tests_run + 1))
    if ! "$@" >"$PAWL_TMP/check.log" 2>&1; then
        fail "$what"
        tail -n 40 "$PAWL_TMP/check.log" >&2
    fi
}

skip() { echo "SKIP: $*"; }

# npm_tool PACKAGE@VERSION BIN: prints the path of BIN, installing the package
# once into a per-user cache (a directory per version, renamed into place
# whole, so runs in parallel never see half an install).
npm_cache=${PAWL_NPM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pawl-npm}
npm_tool() {
    dir=$npm_cache/$1
    if [ ! -e "$dir/node_modules/.bin/$2" ]; then
        [ ! -e "$PAWL_TMP/npm-unreachable" ] && command -v npm >/dev/null 2>&1 || return 1
        mkdir -p "$npm_cache" || return 1
        staging=$(mktemp -d "$npm_cache/.staging.XXXXXX") || return 1
        # Bounded, so that an unreachable registry leaves time for the rest of the test.
        if ! timeout 90 npm install --prefix "$staging" --prefer-offline --no-audit --no-fund \
            --ignore-scripts --fetch-retries=1 --loglevel=error "$1" >"$staging.log" 2>&1; then
            cat "$staging.log" >&2
            rm -rf "$staging" "$staging.log"
            touch "$PAWL_TMP/npm-unreachable"
            return 1
        fi
        rm -f "$staging.log"
        mv -T "$staging" "$dir" 2>/dev/null || rm -rf "$staging"
    fi
    echo "$dir/node_modules/.bin/$2"
}

# ---- the helpers: Python for the YAML templates, Groovy for the Jenkinsfile
cat >"$tools/tpl.py" <<'PYTHON'
"""Checks and runs the CI templates offline: a strict YAML parse, the structure
each CI system needs, the shell snippets, and a small stand-in for GitLab's and
Azure's job semantics that runs those snippets for real."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

problems = []


def want(cond, msg):
    if not cond:
        problems.append(msg)
    return cond


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which every CI system reads differently."""


def _strict_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=StrictLoader)
    except yaml.YAMLError as e:
        problems.append("%s: not strict YAML: %s" % (path, str(e).replace("\n", " ")))
        return None


def lines(value):
    return [] if value is None else value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- GitLab

GITLAB_GLOBAL = {"default", "include", "stages", "variables", "workflow", "image", "services",
                 "cache", "before_script", "after_script", "spec"}
GITLAB_JOB = {"after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
              "dast_configuration", "dependencies", "environment", "extends", "hooks",
              "id_tokens", "identity", "image", "inherit", "interruptible", "manual_confirmation",
              "needs", "pages", "parallel", "release", "resource_group", "retry", "rules", "run",
              "script", "secrets", "services", "stage", "tags", "timeout", "trigger", "variables",
              "when"}
GITLAB_ARTIFACTS = {"paths", "exclude", "expire_in", "expose_as", "name", "public", "access",
                    "reports", "untracked", "when"}


def gitlab_job(doc):
    jobs = {k: v for k, v in doc.items() if k not in GITLAB_GLOBAL and not k.startswith(".")}
    want(list(jobs) == ["pawl"], "gitlab: expected exactly one job 'pawl', got %s" % list(jobs))
    return jobs.get("pawl") or {}


def pawl_command(script_lines):
    runs = [s for s in script_lines if re.match(r'^"\$PAWL" run\b', s)]
    want(len(runs) == 1, "exactly one '\"$PAWL\" run' command, got %d" % len(runs))
    return runs[0] if runs else ""


def check_run_line(ci, cmd, junit):
    want("--junit %s" % junit in cmd, "%s: the run writes the JUnit file it publishes (%s)" % (ci, junit))
    want('${PAWL_BASELINE:+--baseline "$PAWL_BASELINE"}' in cmd,
         "%s: the run passes --baseline only when PAWL_BASELINE is set" % ci)
    want('-c "$PAWL_CONFIG"' in cmd, "%s: the run reads PAWL_CONFIG" % ci)


def check_build(ci, variables, script):
    want(variables.get("PAWL") == "%s/build/pawl" % variables.get("PAWL_SRC"),
         "%s: PAWL is where the build puts it, PAWL_SRC/build/pawl" % ci)
    want('-B "$PAWL_SRC/build"' in script and "-DPAWL_TESTS=OFF" in script
         and "-DCMAKE_BUILD_TYPE=Release" in script,
         "%s: the build is cmake -S \"$PAWL_SRC\" -B \"$PAWL_SRC/build\" -DCMAKE_BUILD_TYPE=Release "
         "-DPAWL_TESTS=OFF" % ci)
    want('"$PAWL_SRC/ci/setup.sh"' in script, "%s: the build runs pawl's ci/setup.sh" % ci)


def check_gitlab(path):
    doc = load(path)
    if not want(isinstance(doc, dict), "gitlab: %s is not a mapping" % path):
        return
    job = gitlab_job(doc)
    want(not (set(job) - GITLAB_JOB), "gitlab: unknown job keys %s" % sorted(set(job) - GITLAB_JOB))
    want(job.get("allow_failure") == {"exit_codes": [3]},
         "gitlab: allow_failure is {exit_codes: [3]}, got %r" % job.get("allow_failure"))
    art = job.get("artifacts") or {}
    want(not (set(art) - GITLAB_ARTIFACTS), "gitlab: unknown artifacts keys %s" % sorted(set(art) - GITLAB_ARTIFACTS))
    want(art.get("when") == "always", "gitlab: artifacts.when is always, got %r" % art.get("when"))
    junit = (art.get("reports") or {}).get("junit")
    want(junit == "reports/pawl-junit.xml", "gitlab: artifacts.reports.junit is reports/pawl-junit.xml, got %r" % junit)
    want("reports/" in lines(art.get("paths")), "gitlab: artifacts.paths keeps reports/")
    variables = dict(doc.get("variables") or {}, **(job.get("variables") or {}))
    want(variables.get("GIT_DEPTH") == "0", "gitlab: GIT_DEPTH is the string \"0\" (full clone)")
    want("stages" in doc or job.get("stage") in ("build", "test", "deploy"),
         "gitlab: the job's stage exists")
    before = "\n".join(lines(job.get("before_script")))
    want('git fetch' in before and
         '"+refs/heads/$CI_DEFAULT_BRANCH:refs/remotes/origin/$CI_DEFAULT_BRANCH"' in before,
         "gitlab: before_script fetches the default branch into origin/")
    script = lines(job.get("script"))
    want(len(script) >= 1 and re.match(r'^"\$PAWL" run\b', script[-1]),
         "gitlab: the job's last command is pawl run, so its exit status is the job's")
    check_run_line("gitlab", pawl_command(script), junit)
    check_build("gitlab", variables, before)


def gitlab_rule_matches(rule, env):
    m = re.fullmatch(r'\$(\w+)\s*==\s*(?:"([^"]*)"|\$(\w+))', rule.get("if", ""))
    if not want(m and set(rule) == {"if"}, "gitlab: rule outside this test's dialect: %r" % rule):
        return False
    right = m.group(2) if m.group(2) is not None else env.get(m.group(3))
    return env.get(m.group(1)) == right


def gitlab_rules(path):
    job = gitlab_job(load(path) or {})
    contexts = {
        "merge request": {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"},
        "push to main": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"},
        "push to a branch": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "wip", "CI_DEFAULT_BRANCH": "main"},
    }
    for name, env in contexts.items():
        runs = any(gitlab_rule_matches(r, env) for r in job.get("rules") or [])
        print("%s: %s" % (name, "runs" if runs else "skipped"))


def expand(value, env):
    """GitLab expands $VAR and ${VAR} in variables before the job sees them."""
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m.group(1) or m.group(2), ""), str(value))


def run_gitlab(path, workdir, overrides):
    doc = load(path) or {}
    job = gitlab_job(doc)
    env = dict(os.environ, CI="true", GITLAB_CI="true", CI_DEFAULT_BRANCH="main",
               CI_PROJECT_DIR=workdir, CI_PIPELINE_SOURCE="merge_request_event")
    for k, v in list((doc.get("variables") or {}).items()) + list((job.get("variables") or {}).items()):
        env[k] = expand(v, env)
    env.update(overrides)
    # The runner feeds before_script and script to one bash with errexit and pipefail.
    body = "\n".join(["set -eo pipefail"] + lines(job.get("before_script")) + lines(job.get("script")))
    status = subprocess.run(["bash", "-c", body], cwd=workdir, env=env).returncode
    codes = (job.get("allow_failure") or {}).get("exit_codes", []) if isinstance(job.get("allow_failure"), dict) else []
    outcome = "passed" if status == 0 else "warning" if status in codes else "failed"
    art = job.get("artifacts") or {}
    uploaded = art.get("when") == "always" or (status == 0 and art.get("when", "on_success") == "on_success")
    junit = (art.get("reports") or {}).get("junit", "")
    published = "yes" if uploaded and os.path.isfile(os.path.join(workdir, junit)) else "no"
    print("status=%d outcome=%s junit=%s" % (status, outcome, published))


# ---------------------------------------------------------------- Azure Pipelines

AZURE_TOP = {"trigger", "pr", "pool", "variables", "steps", "jobs", "stages", "name", "resources",
             "parameters", "schedules", "extends", "lockBehavior", "appendCommitMessageToRunName"}
AZURE_STEP_COMMON = {"condition", "continueOnError", "displayName", "enabled", "env", "name",
                     "retryCountOnTaskFailure", "target", "timeoutInMinutes"}
AZURE_STEP = {
    "checkout": {"clean", "fetchDepth", "fetchFilter", "fetchTags", "lfs", "path", "persistCredentials",
                 "submodules", "sparseCheckoutDirectories", "sparseCheckoutPatterns", "workspaceRepo"},
    "script": {"failOnStderr", "workingDirectory"},
    "bash": {"failOnStderr", "workingDirectory", "noProfile", "noRc"},
    "task": {"inputs"},
}
PUBLISH_TEST_RESULTS_INPUTS = {"testResultsFormat", "testRunner", "testResultsFiles", "searchFolder",
                               "mergeTestResults", "failTaskOnFailedTests",
                               "failTaskOnFailureToPublishResults", "failTaskOnMissingResultsFile",
                               "testRunTitle", "buildPlatform", "platform", "buildConfiguration",
                               "configuration", "publishRunAttachments"}
AZURE_CONDITION = re.compile(r"(always|succeeded|failed|succeededOrFailed|canceled)\(\)")


def azure_kind(step):
    kinds = [k for k in AZURE_STEP if k in step]
    want(len(kinds) == 1, "azure: a step has exactly one of %s: %r" % (sorted(AZURE_STEP), step))
    return kinds[0] if kinds else None


def azure_gate(steps):
    gates = [i for i, s in enumerate(steps) if "script" in s and '"$PAWL" run' in s["script"]]
    want(len(gates) == 1, "azure: exactly one step runs pawl, got %d" % len(gates))
    return gates[0] if gates else -1


def check_azure(path):
    doc = load(path)
    if not want(isinstance(doc, dict), "azure: %s is not a mapping" % path):
        return
    want(not (set(doc) - AZURE_TOP), "azure: unknown top-level keys %s" % sorted(set(doc) - AZURE_TOP))
    steps = doc.get("steps") or []
    want(isinstance(steps, list) and steps, "azure: steps is a non-empty list")
    for step in steps:
        kind = azure_kind(step)
        if kind is None:
            continue
        extra = set(step) - {kind} - AZURE_STEP_COMMON - AZURE_STEP[kind]
        want(not extra, "azure: unknown keys %s in %s step" % (sorted(extra), kind))
        if "condition" in step:
            want(AZURE_CONDITION.fullmatch(step["condition"]), "azure: condition %r" % step["condition"])
        if kind == "task":
            want(re.fullmatch(r"[A-Za-z][\w.-]*@\d+", step["task"]), "azure: task %r has a major version" % step["task"])
        if kind in ("script", "bash"):
            want(isinstance(step[kind], str), "azure: a script is a string")
    checkout = [s for s in steps if "checkout" in s]
    want(len(checkout) == 1 and checkout[0]["checkout"] == "self" and checkout[0].get("fetchDepth") == 0,
         "azure: checkout self with fetchDepth: 0 (full clone)")
    want(checkout and checkout[0].get("persistCredentials") is True,
         "azure: the checkout persists credentials for the fetch")
    gate = azure_gate(steps)
    publish = [i for i, s in enumerate(steps) if s.get("task") == "PublishTestResults@2"]
    if want(len(publish) == 1, "azure: one PublishTestResults@2 task"):
        step = steps[publish[0]]
        inputs = step.get("inputs") or {}
        want(publish[0] > gate, "azure: PublishTestResults@2 runs after the gate")
        want(step.get("condition") == "succeededOrFailed()",
             "azure: PublishTestResults@2 has condition: succeededOrFailed(), got %r" % step.get("condition"))
        want(inputs.get("testResultsFormat") == "JUnit", "azure: testResultsFormat is JUnit")
        want(inputs.get("failTaskOnFailedTests") is False, "azure: failTaskOnFailedTests is false")
        want(not (set(inputs) - PUBLISH_TEST_RESULTS_INPUTS),
             "azure: unknown PublishTestResults@2 inputs %s" % sorted(set(inputs) - PUBLISH_TEST_RESULTS_INPUTS))
        if gate >= 0:
            check_run_line("azure", re.sub(r"\\\n\s*", "", steps[gate]["script"]), inputs.get("testResultsFiles"))
    if gate >= 0:
        script = steps[gate]["script"]
        want("##vso[task.complete result=SucceededWithIssues;]" in script,
             "azure: exit 3 completes the gate step as SucceededWithIssues")
    variables = doc.get("variables") or {}
    want(isinstance(variables, dict), "azure: variables is a mapping")
    builds = [s["script"] for s in steps if "script" in s and "cmake" in s["script"]]
    want(len(builds) == 1, "azure: one step builds pawl")
    check_build("azure", variables, builds[0] if builds else "")
    fetch = [s["script"] for s in steps if "script" in s and "git fetch" in s["script"]]
    want(len(fetch) == 1 and "refs/remotes/origin/$PAWL_BASELINE_BRANCH" in fetch[0],
         "azure: one step fetches the baseline branch into origin/")


def junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)


def run_azure(path, workdir, overrides):
    doc = load(path) or {}
    env = dict(os.environ, TF_BUILD="True", SYSTEM_DEFAULTWORKINGDIRECTORY=workdir, SYSTEM_JOBATTEMPT="1")
    for k, v in (doc.get("variables") or {}).items():
        env[k.upper().replace(".", "_")] = str(v)
    env.update(overrides)
    state = "succeeded"
    published = "no"
    for step in doc.get("steps") or []:
        condition = step.get("condition", "succeeded()")
        if condition == "succeeded()" and state == "failed":
            continue
        if condition == "failed()" and state != "failed":
            continue
        failed = False
        if "script" in step:
            res = subprocess.run(["bash", "--noprofile", "--norc", "-c", step["script"]], cwd=workdir,
                                 env=env, stdout=subprocess.PIPE, text=True)
            sys.stdout.write(res.stdout)
            failed = res.returncode != 0
            if not failed and "##vso[task.complete result=SucceededWithIssues;]" in res.stdout:
                state = "partiallySucceeded" if state == "succeeded" else state
        elif step.get("task") == "PublishTestResults@2":
            inputs = step.get("inputs") or {}
            junit = os.path.join(workdir, inputs.get("testResultsFiles", ""))
            if os.path.isfile(junit):
                published = "yes"
                failed = inputs.get("failTaskOnFailedTests", False) is True and junit_counts(junit) > 0
            else:
                failed = inputs.get("failTaskOnMissingResultsFile", False) is True
        elif step.get("task") == "PublishPipelineArtifact@1":
            failed = not os.path.exists(os.path.join(workdir, (step.get("inputs") or {}).get("targetPath", "")))
        if failed and not step.get("continueOnError"):
            state = "failed"
    print("outcome=%s junit=%s" % (state, published))


# ---------------------------------------------------------------- Jenkins (structure only)

GROOVY_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"",
                          re.S)


def blank(text):
    """Groovy code without comments, each single-quoted string an S and each GString a D
    (newlines kept, so that offsets still give the line)."""
    def repl(m):
        tok = m.group(0)
        kind = "" if tok.startswith("/") else "S" if tok.startswith("'") else "D"
        return kind + "\n" * tok.count("\n")
    return GROOVY_TOKEN.sub(repl, text)


def groovy_blocks(text):
    """The tree of `name {` and `name(...) {` blocks."""
    code = blank(text)
    root = {"name": "", "children": [], "text": ""}
    stack = [root]
    pairs = {")": "(", "]": "[", "}": "{"}
    opened = []  # (bracket, line)
    for m in re.finditer(r"(\w+)\s*(?:\([^(){}]*\))?\s*\{|[{}()\[\]]|\w+|[^\w{}()\[\]]+", code):
        tok = m.group(0)
        line = code.count("\n", 0, m.start()) + 1
        if tok.endswith("{"):
            opened.append(("{", line))
            block = {"name": m.group(1) or "", "children": [], "text": ""}
            stack[-1]["children"].append(block)
            stack.append(block)
        elif tok in ("(", "["):
            opened.append((tok, line))
            stack[-1]["text"] += tok
        elif tok in (")", "]", "}"):
            if not want(opened and opened[-1][0] == pairs[tok], "jenkins: unbalanced '%s' on line %d" % (tok, line)):
                return root
            opened.pop()
            if tok == "}":
                stack.pop()
            else:
                stack[-1]["text"] += tok
        else:
            for b in stack:
                b["text"] += tok
    for bracket, line in opened:
        want(False, "jenkins: '%s' on line %d is never closed" % (bracket, line))
    return root


def find(block, *names):
    for name in names:
        found = [c for c in block["children"] if c["name"] == name]
        if not want(len(found) == 1, "jenkins: one '%s' block where expected" % name):
            return {"name": name, "children": [], "text": ""}
        block = found[0]
    return block


def jenkins_sh(text):
    """The shell scripts of every sh step."""
    return [m.group(2) for m in re.finditer(
        r"\bsh\s*\(?\s*(?:returnStatus\s*:\s*true\s*,\s*)?(?:script\s*:\s*)?('''|')(.*?)\1", text, re.S)]


def check_jenkins(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    root = groovy_blocks(text)
    if problems:
        return
    want([c["name"] for c in root["children"]] == ["pipeline"], "jenkins: one top-level pipeline block")
    pipeline = find(root, "pipeline")
    want(re.search(r"\bagent\b", pipeline["text"]), "jenkins: the pipeline names an agent")
    stages = find(pipeline, "stages")
    want(stages["children"] and all(c["name"] == "stage" for c in stages["children"]),
         "jenkins: stages holds stage blocks")
    always = find(pipeline, "post", "always")
    want(re.search(r"\bjunit\b", always["text"]), "jenkins: post { always { junit ... } }")
    junit = re.search(r"^\s*junit\s+(.*)", text, re.M)
    want(junit and "testResults: 'reports/pawl-junit.xml'" in junit.group(1)
         and "allowEmptyResults: true" in junit.group(1) and "skipMarkingBuildUnstable: true" in junit.group(1),
         "jenkins: junit publishes reports/pawl-junit.xml, tolerates its absence and leaves the result to pawl")
    want(re.search(r"sh\s*\(\s*returnStatus\s*:\s*true", text), "jenkins: the gate runs sh with returnStatus: true")
    want(re.search(r"status == 3\)\s*\{\s*unstable\(", text), "jenkins: exit 3 calls unstable")
    want(re.search(r"status == 1\)\s*\{\s*error\(", text), "jenkins: exit 1 calls error")
    want(re.search(r"status == 2\)\s*\{\s*error\(", text), "jenkins: exit 2 calls error")
    scripts = jenkins_sh(text)
    want(len(scripts) == len(re.findall(r"\bsh\b", blank(text))) and
         not re.search(r"\bsh\s*(D|\([^)]*D)", blank(text)),
         "jenkins: every sh step takes a single-quoted string (a GString would expand $ in Groovy)")
    for s in scripts:
        want("\\" not in s, "jenkins: no backslash in an sh string (Groovy reads it as an escape)")
    gate = [s for s in scripts if '"$PAWL" run' in s]
    if want(len(gate) == 1, "jenkins: one sh step runs pawl"):
        check_run_line("jenkins", gate[0], "reports/pawl-junit.xml")
    find(pipeline, "environment")
    block = re.search(r"\benvironment\s*\{(.*?)\}", text, re.S)
    env = dict(re.findall(r"^\s*(\w+)\s*=\s*'([^']*)'", block.group(1) if block else "", re.M))
    builds = [s for s in scripts if "cmake" in s]
    check_build("jenkins", env, builds[0] if builds else "")


# ---------------------------------------------------------------- snippets for shellcheck

def extract(path, kind, outdir):
    """Writes every shell snippet of a template to its own file, with the shebang of the shell that runs it."""
    out = []
    if kind == "gitlab":
        job = gitlab_job(load(path) or {})
        # GitLab runs a Debian image's commands with bash when it has one; sh keeps them portable.
        out.append(("sh", lines(job.get("before_script")) + lines(job.get("script"))))
    elif kind == "azure":
        for step in (load(path) or {}).get("steps") or []:
            if "script" in step:
                out.append(("bash", [step["script"]]))
    else:
        with open(path, encoding="utf-8") as f:
            for s in jenkins_sh(f.read()):
                out.append(("sh", [s]))
    for i, (shell, body) in enumerate(out):
        name = os.path.join(outdir, "%s-%d.sh" % (kind, i))
        with open(name, "w", encoding="utf-8") as f:
            f.write("#!/bin/%s\n%s\n" % (shell, "\n".join(body)))
        print(name)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "check":
        {"gitlab": check_gitlab, "azure": check_azure, "jenkins": check_jenkins}[args[0]](args[1])
    elif cmd == "rules":
        gitlab_rules(args[0])
    elif cmd == "extract":
        extract(args[1], args[0], args[2])
    elif cmd == "run":
        overrides = dict(a.split("=", 1) for a in args[3:])
        {"gitlab": run_gitlab, "azure": run_azure}[args[0]](args[1], args[2], overrides)
    for p in problems:
        print("PROBLEM: " + p)
    sys.exit(1 if problems else 0)


main()
PYTHON

cat >"$tools/harness.groovy" <<'GROOVY'
// A stand-in for Jenkins' declarative pipeline, just big enough to run the
// template: stages in order, sh steps for real (sh -xe, as Jenkins does), error
// and unstable with their effect on the result, post { always } at the end.
// usage: harness.groovy JENKINSFILE [--run LABEL WORKDIR [NAME=VALUE...]]... [--file JENKINSFILE --run...]...
// NAME=VALUE overrides the environment block; prints 'run LABEL: result=...' for each run.

class PipelineError extends RuntimeException {
    PipelineError(String msg) { super(msg) }
}

class Pipeline {
    String label
    File workdir
    Map<String, String> overrides
    Map<String, String> env = [:]
    List stages = []
    Map<String, Closure> post = [:]
    String agentSpec
    String result = 'SUCCESS'
    List<String> published = []

    def propertyMissing(String name) {
        if (name == 'any' || name == 'none') return name
        throw new MissingPropertyException(name, Pipeline)
    }

    private def run(Closure c, Object delegate) {
        c = (Closure) c.clone()
        c.resolveStrategy = Closure.DELEGATE_FIRST
        c.delegate = delegate
        return c.call()
    }

    def pipeline(Closure body) {
        run(body, this)
        for (s in stages) {
            if (result == 'FAILURE') {
                println "stage '${s.name}' skipped"
                continue
            }
            try {
                run(s.body, this)
            } catch (PipelineError e) {
                println "ERROR: ${e.message}"
                result = 'FAILURE'
            } catch (Exception e) {
                // As in Jenkins: any exception in a stage fails the build.
                println "ERROR: ${e}"
                result = 'FAILURE'
            }
        }
        if (post.always) run(post.always, this)
        println "run ${label}: result=${result} junit=${published ? 'yes' : 'no'}"
    }

    def agent(spec) { agentSpec = String.valueOf(spec) }
    def options(Closure body) { run(body, new Object() { def timeout(Map m) { assert m.time && m.unit } }) }

    def environment(Closure body) {
        def collected = [:]
        run(body, new Object() { def propertyMissing(String name, value) { collected[name] = value } })
        env.putAll(collected)
        env.putAll(overrides)
    }

    def stages(Closure body) { run(body, this) }
    def stage(String name, Closure body) { stages << [name: name, body: body] }
    def steps(Closure body) { run(body, this) }
    def script(Closure body) { run(body, this) }
    def post(Closure body) {
        def p = post
        run(body, new Object() { def always(Closure c) { p.always = c } })
    }

    def echo(String msg) { println msg }
    def error(String msg) { throw new PipelineError(msg) }
    def unstable(String msg) {
        println "WARNING: ${msg}"
        if (result == 'SUCCESS') result = 'UNSTABLE'
    }

    def sh(String script) { sh(script: script) }
    def sh(Map args) {
        def pb = new ProcessBuilder(['/bin/sh', '-xe', '-c', args.script as String])
        pb.directory(workdir)
        pb.environment().putAll(env)
        pb.inheritIO()
        int status = pb.start().waitFor()
        if (args.returnStatus) return status
        if (status != 0) throw new PipelineError("script returned exit code ${status}")
        return null
    }

    def junit(Map args) {
        def file = new File(workdir, args.testResults as String)
        if (!file.exists()) {
            if (!args.allowEmptyResults) result = 'FAILURE'
            return
        }
        published << args.testResults
        def root = new groovy.xml.XmlSlurper().parse(file)
        def suites = root.name() == 'testsuite' ? [root] : root.testsuite.list()
        int bad = suites.sum { (it.@failures.text() ?: '0').toInteger() + (it.@errors.text() ?: '0').toInteger() } ?: 0
        if (bad > 0 && !args.skipMarkingBuildUnstable && result == 'SUCCESS') result = 'UNSTABLE'
    }

    def archiveArtifacts(Map args) {
        def reports = new File(workdir, 'reports')
        if (!reports.exists() && !args.allowEmptyArchive) result = 'FAILURE'
    }
}

// Each run gets a fresh pipeline and its own evaluation of the Jenkinsfile.
def runs = []
def file = args[0]
args.drop(1).each { a ->
    if (file == null) file = a
    else if (a == '--file') file = null
    else if (a == '--run') runs << [file: file, overrides: [:]]
    else if (runs.last().label == null) runs.last().label = a
    else if (runs.last().workdir == null) runs.last().workdir = new File(a)
    else { def i = a.indexOf('='); runs.last().overrides[a.substring(0, i)] = a.substring(i + 1) }
}
runs.each { r ->
    def p = new Pipeline(label: r.label, workdir: r.workdir, overrides: r.overrides)
    new GroovyShell(new Binding([pipeline: { Closure c -> p.pipeline(c) }])).evaluate(new File(r.file))
}
GROOVY

# ---- the npm tools. gitlab-ci-local bundles GitLab's JSON schema for
# .gitlab-ci.yml; npm-groovy-lint parses Groovy with CodeNarc on Java and
# ships the Groovy jars the Jenkinsfile runs on below. Both are pinned to
# releases that run on the machine's Node.js 20 (the newest need 22).
gcl="" ngl="" groovy_jars=""
gcl=$(npm_tool gitlab-ci-local@4.70.1 gitlab-ci-local) ||
    skip "gitlab-ci-local could not be installed from npm; GitLab's schema was not checked"
if ! command -v java >/dev/null 2>&1; then
    skip "no java: the Jenkinsfile was neither parsed nor run"
elif ngl=$(npm_tool npm-groovy-lint@16.2.0 npm-groovy-lint); then
    lib=$(dirname "$(readlink -f "$ngl")")/java/groovy/lib
    groovy_jars=$(ls "$lib"/groovy-[0-9]*.jar):$(ls "$lib"/groovy-xml-[0-9]*.jar) || groovy_jars=""
else
    skip "npm-groovy-lint could not be installed from npm; the Jenkinsfile was neither parsed nor run"
fi

structure() { # structure KIND FILE: a strict parse (duplicate keys are errors) and the structure KIND needs
    "$py" "$tools/tpl.py" check "$1" "$2"
}

gitlab_schema() { # gitlab_schema FILE: FILE as .gitlab-ci.yml, parsed and validated by gitlab-ci-local
    d=$(mktemp -d "$PAWL_TMP/gitlab.XXXXXX")
    cp "$1" "$d/.gitlab-ci.yml"
    git -C "$d" init -q -b main
    (cd "$d" && "$gcl" --list) >"$d.out" 2>&1
    s=$?
    cat "$d.out"
    [ "$s" -eq 0 ] && grep -q "schema validated" "$d.out"
}

# groovy_lint FILE: parsed, no error-level finding (a syntax error is one: the
# Groovy stand-in below also parses it); --noserver leaves no server running.
groovy_lint() {
    d=$(mktemp -d "$PAWL_TMP/jenkins.XXXXXX")
    cp "$1" "$d/Jenkinsfile"
    (cd "$d" && FORCE_COLOR=0 "$ngl" --noserver --failon error --loglevel error Jenkinsfile) >"$d.out" 2>&1
    s=$?
    cat "$d.out"
    [ "$s" -eq 0 ] && grep -q "results in 1 linted files" "$d.out"
}

shell_lint() { # shell_lint KIND FILE: shellcheck over every shell snippet of FILE, as the shell that runs it
    d=$(mktemp -d "$PAWL_TMP/snippets.XXXXXX")
    "$py" "$tools/tpl.py" extract "$1" "$2" "$d" && shellcheck "$d"/*.sh
}

for t in gitlab:gitlab-ci.yml azure:azure-pipelines.yml jenkins:Jenkinsfile; do
    check "${t#*:}: structure" structure "${t%%:*}" "$templates/${t#*:}"
    check "${t#*:}: shellcheck" shell_lint "${t%%:*}" "$templates/${t#*:}"
done
[ -z "$gcl" ] || check "gitlab-ci.yml: GitLab's schema" gitlab_schema "$templates/gitlab-ci.yml"
[ -z "$ngl" ] || check "Jenkinsfile: Groovy parse and lint" groovy_lint "$templates/Jenkinsfile"
expect_eq "$("$py" "$tools/tpl.py" rules "$templates/gitlab-ci.yml" 2>&1)" "merge request: runs
push to main: runs
push to a branch: skipped" "gitlab: the job runs on merge requests and the default branch only"

# broken NAME FILE SED-SCRIPT WANT CMD...: CMD, with {} standing for a copy of
# FILE edited by SED-SCRIPT, must reject it saying WANT. So no check above
# passes by checking nothing.
broken() {
    name=$1 file=$2 script=$3 want=$4
    shift 4
    mkdir -p "$PAWL_TMP/broken/$name"
    copy=$PAWL_TMP/broken/$name/$file
    sed -e "$script" "$templates/$file" >"$copy"
    tests_run=$((tests_run + 1))
    if cmp -s "$templates/$file" "$copy"; then
        fail "broken $name: the edit changed nothing"
        return
    fi
    set -- "${@//\{\}/$copy}"
    if "$@" >"$PAWL_TMP/broken/$name.log" 2>&1; then
        fail "broken $name: accepted"
    elif ! grep -qF -- "$want" "$PAWL_TMP/broken/$name.log"; then
        fail "broken $name: rejected, but not with '$want'"
        tail -n 20 "$PAWL_TMP/broken/$name.log" >&2
    fi
}

broken duplicate-key gitlab-ci.yml 's/^  interruptible: true/&\n  stage: build/' \
    "duplicate key 'stage'" structure gitlab {}
broken regression-warns gitlab-ci.yml 's/exit_codes: \[3\]/exit_codes: [1, 3]/' \
    "allow_failure is {exit_codes: [3]}" structure gitlab {}
[ -z "$gcl" ] || broken schema gitlab-ci.yml 's/expire_in:/expires_in:/' \
    "'expires_in' property is not expected" gitlab_schema {}
broken publish-on-success azure-pipelines.yml 's/condition: succeededOrFailed()/condition: succeeded()/' \
    "has condition: succeededOrFailed()" structure azure {}
broken input-typo azure-pipelines.yml 's/testRunTitle:/testRunName:/' \
    "unknown PublishTestResults@2 inputs ['testRunName']" structure azure {}
broken unquoted azure-pipelines.yml 's/ -j "$(nproc)"/ -j $(nproc)/' SC2046 shell_lint azure {}
broken outage-fails Jenkinsfile 's/status == 3) {/status == 9) {/' "exit 3 calls unstable" structure jenkins {}
broken paren Jenkinsfile 's/status == 2) {/status == 2 {/' "unbalanced '}' on line" structure jenkins {}

# ---- the templates' own commands against the real pawl.
# A bare origin whose main branch holds the quickstart and its promoted
# baseline; each run clones only the feature branch (no baseline in its tree,
# no origin/main), so the fetch step and --baseline REF:PATH are exercised.
git_env
seed=$PAWL_TMP/seed
cp -r "$PAWL_SRC/examples/quickstart" "$seed"
rm -rf "$seed/reports" "$seed/.pawl"
(
    set -e
    cd "$seed"
    sed -e 's/min: 0.9/min: 0.7/' -e 's/worse-/lenient-/' pawl.worse.yaml >pawl.lenient.yaml
    sed -e 's/command: .*/command: [sh, -c, "exit 7"]   # every call fails/' pawl.yaml >pawl.outage.yaml
    # pawl's source, as a stub at the templates' default PAWL_SRC: its "build"
    # links the binary under test into place, and refuses the wrong options.
    mkdir -p pawl/ci
    printf '#!/bin/sh\ntouch "$(dirname "$0")/../../setup-ran"\n' >pawl/ci/setup.sh
    chmod +x pawl/ci/setup.sh
    cat >pawl/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.13)
project(pawl_stub NONE)
option(PAWL_TESTS "" ON)
if(PAWL_TESTS OR NOT CMAKE_BUILD_TYPE STREQUAL "Release")
  message(FATAL_ERROR "build pawl with -DCMAKE_BUILD_TYPE=Release -DPAWL_TESTS=OFF")
endif()
add_custom_target(pawl ALL COMMAND \${CMAKE_COMMAND} -E create_symlink "$PAWL" "\${CMAKE_BINARY_DIR}/pawl")
EOF
    printf 'reports/\nsetup-ran\n/pawl/build/\n' >.gitignore
    git init -q -b main
    git add -A
    git commit -qm "quickstart"
    "$PAWL" run -q
    "$PAWL" baseline promote reports/pawl-results.json >/dev/null
    git add .pawl/baseline.json
    git commit -qm "baseline"
    git checkout -q -b feature
    git rm -q .pawl/baseline.json
    git commit -qm "feature"
    git clone -q --bare . "$PAWL_TMP/origin.git"
) >"$PAWL_TMP/seed.log" 2>&1 || { cat "$PAWL_TMP/seed.log" >&2; fail "fixture repository"; finish; }

checkout() { # checkout DIR: a feature-branch clone, as a CI system makes it
    git clone -q --single-branch --branch feature "$PAWL_TMP/origin.git" "$1"
}

# scenario NAME CONFIG STATUS GITLAB JENKINS AZURE JUNIT: what each system must make of it.
# 'lenient' passes its gate with six failed cases, which must not demote the build.
scenarios="pass pawl.yaml 0 passed SUCCESS succeeded yes
lenient pawl.lenient.yaml 0 passed SUCCESS succeeded yes
regression pawl.worse.yaml 1 failed FAILURE failed yes
config pawl.missing.yaml 2 failed FAILURE failed no
outage pawl.outage.yaml 3 warning UNSTABLE partiallySucceeded yes"

# The 'pass' run uses the templates' defaults untouched (and so the stub build);
# the others point PAWL at the binary and change only the config.
overrides() { # overrides NAME CONFIG
    [ "$1" = pass ] || printf 'PAWL=%s PAWL_CONFIG=%s' "$PAWL" "$2"
}

expect_last() { # expect_last LOG WANT WHAT: the log's last line, with the log shown when it differs
    tests_run=$((tests_run + 1))
    if [ "$(tail -n 1 "$1")" != "$2" ]; then
        fail "$3"
        printf '  want: %s\n  log %s:\n' "$2" "$1" >&2
        tail -n 25 "$1" >&2
    fi
}

# run_template CI FILE NAME CONFIG: the template FILE run by the CI stand-in in a fresh
# checkout $dir, its log in $dir.log.
run_template() {
    dir=$PAWL_TMP/runs/$1-$3
    checkout "$dir"
    # shellcheck disable=SC2046 # the overrides are NAME=VALUE words
    "$py" "$tools/tpl.py" run "$1" "$2" "$dir" $(overrides "$3" "$4") >"$dir.log" 2>&1
}

after_run() { # after_run CI NAME DIR LOG
    if grep -q 'Sanitizer\|runtime error:' "$4"; then
        fail "$1 $2: sanitizer report"
        grep -m5 'Sanitizer\|runtime error:' "$4" >&2
    fi
    expect_eq "$(git -C "$3" rev-parse -q --verify refs/remotes/origin/main >/dev/null && echo fetched)" \
        fetched "$1 $2: the job fetched origin/main"
    if [ "$2" = pass ]; then
        expect_eq "$(test -e "$3/setup-ran" && test -L "$3/pawl/build/pawl" && echo built)" built \
            "$1 pass: the default PAWL is built from PAWL_SRC by its ci/setup.sh and cmake"
        expect_contains "$(cat "$3/reports/pawl-summary.md" 2>/dev/null)" \
            'Compared with baseline `origin/main:.pawl/baseline.json`' "$1 pass: compared with the baseline on origin/main"
    fi
}

while read -r name config status gitlab jenkins azure junit; do
    run_template gitlab "$templates/gitlab-ci.yml" "$name" "$config"
    expect_last "$dir.log" "status=$status outcome=$gitlab junit=$junit" "gitlab $name: job result and JUnit report"
    after_run gitlab "$name" "$dir" "$dir.log"

    run_template azure "$templates/azure-pipelines.yml" "$name" "$config"
    expect_last "$dir.log" "outcome=$azure junit=$junit" "azure $name: run result and published tests"
    after_run azure "$name" "$dir" "$dir.log"
    case $status in
    1 | 2) expect_contains "$(cat "$dir.log")" "##vso[task.logissue type=error]pawl: " "azure $name: an error is logged" ;;
    3) expect_contains "$(cat "$dir.log")" "##vso[task.logissue type=warning]pawl: " "azure outage: a warning is logged" ;;
    esac
    if [ "$junit" = yes ]; then
        expect_contains "$(cat "$dir.log")" "##vso[task.uploadsummary]$dir/reports/pawl-summary.md" \
            "azure $name: the Markdown summary is attached to the run"
    fi
done <<EOF
$scenarios
EOF

# The stand-ins read what the templates say: with exit 1 allowed to fail, a
# regression only warns.
run_template gitlab "$PAWL_TMP/broken/regression-warns/gitlab-ci.yml" broken pawl.worse.yaml
expect_last "$dir.log" "status=1 outcome=warning junit=yes" "gitlab stand-in: allow_failure comes from the template"

if [ -n "$groovy_jars" ]; then
    set --
    while read -r name config _; do
        checkout "$PAWL_TMP/runs/jenkins-$name"
        # shellcheck disable=SC2046
        set -- "$@" --run "$name" "$PAWL_TMP/runs/jenkins-$name" $(overrides "$name" "$config")
    done <<EOF
$scenarios
EOF
    # The stand-in reads what the Jenkinsfile says: without skipMarkingBuildUnstable,
    # the failed cases of a passing gate demote the build.
    sed 's/, skipMarkingBuildUnstable: true//' "$templates/Jenkinsfile" >"$PAWL_TMP/broken/Jenkinsfile.marking"
    checkout "$PAWL_TMP/runs/jenkins-marking"
    java -cp "$groovy_jars" groovy.ui.GroovyMain "$tools/harness.groovy" "$templates/Jenkinsfile" "$@" \
        --file "$PAWL_TMP/broken/Jenkinsfile.marking" \
        --run marking "$PAWL_TMP/runs/jenkins-marking" PAWL="$PAWL" PAWL_CONFIG=pawl.lenient.yaml \
        >"$PAWL_TMP/jenkins.log" 2>&1
    while read -r name _ status _ jenkins _ junit; do
        expect_eq "$(grep "^run $name: " "$PAWL_TMP/jenkins.log")" "run $name: result=$jenkins junit=$junit" \
            "jenkins $name: build result and JUnit report"
        after_run jenkins "$name" "$PAWL_TMP/runs/jenkins-$name" "$PAWL_TMP/jenkins.log"
    done <<EOF
$scenarios
EOF
    expect_eq "$(grep "^run marking: " "$PAWL_TMP/jenkins.log")" "run marking: result=UNSTABLE junit=yes" \
        "jenkins stand-in: the junit step marks the build unless told not to"
    expect_contains "$(cat "$PAWL_TMP/jenkins.log")" "WARNING: pawl: the provider or the infrastructure failed (exit 3)" \
        "jenkins outage: unstable says why"
    [ "$tests_failed" -eq 0 ] || tail -n 60 "$PAWL_TMP/jenkins.log" >&2
fi
finish
