#!/bin/sh
# A hostile agent for the GitHub tests: what it prints, on stdout and
# stderr, tries to pass for workflow commands. The file `mode` beside it
# says which version runs: `good` answers every case; `bad` breaks two
# cases with hostile output and crashes on a third; `all-crash` crashes
# on every case.
IFS= read -r case_json || true
mode=$(cat mode 2>/dev/null || echo good)
[ "$mode" = all-crash ] && { echo "::error::crashed" >&2; exit 1; }
case $case_json in
*'"id":"inject"'*)
    [ "$mode" = good ] && { echo fine; exit 0; }
    printf '::set-output name=verdict::pass\r\n::add-mask::fine\n%%0A::error file=x::pwned\n'
    printf '##[set-output name=exit-code;]0 \033[31mred\033[0m\n' ;;
*'"id":"::warning::'*)
    [ "$mode" = good ] && { echo fine; exit 0; }
    printf '  ::notice::indented\n' ;;
*'"id":"crash"'*)
    [ "$mode" = good ] && { echo fine; exit 0; }
    printf '::error::from agent stderr\n##[set-output name=verdict;]pass\n' >&2
    exit 1 ;;
*) echo fine ;;
esac
