# Every malformed config and dataset in tests/data gives exit status 2 and
# exactly the located message its `expected` file holds, under the sanitizers.
. "$(dirname "$0")/lib.sh"
set -e

n=0
for dir in "$PAWL_SRC"/tests/data/config/invalid/*/; do
    name=$(basename "$dir")
    cp -r "$dir" "$PAWL_TMP/c-$name"
    cd "$PAWL_TMP/c-$name"
    run_pawl validate -c pawl.yaml
    expect_status 2 "config/invalid/$name"
    expect_eq "$err" "$(cat expected)" "config/invalid/$name message"
    n=$((n + 1))
done

for dir in "$PAWL_SRC"/tests/data/dataset/invalid/*/; do
    name=$(basename "$dir")
    cp -r "$dir" "$PAWL_TMP/d-$name"
    cd "$PAWL_TMP/d-$name"
    file=$(ls | grep -v '^expected$' | head -n 1)
    cat > pawl.yaml <<YAML
version: 1
dataset: {path: "$file"}
task: {provider: echo, prompt: prompt.txt}
scorers: [{type: contains, value: x}]
YAML
    printf 'hello\n' > prompt.txt
    run_pawl validate -c pawl.yaml
    expect_status 2 "dataset/invalid/$name"
    expect_eq "$err" "$(cat expected)" "dataset/invalid/$name message"
    n=$((n + 1))
done

tests_run=$((tests_run + 1))
[ "$n" -ge 25 ] || fail "only $n invalid inputs found, want at least 25"
finish
