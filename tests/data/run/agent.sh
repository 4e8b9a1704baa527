# An exec agent for tests/unit/check_run.c, run as `sh agent.sh`. It reads its
# case as one line of JSON, sleeps for input.delay seconds, fails with status 7
# when input.fail is true, and otherwise answers "answer <id> t<trial>".
# The JSON is pawl's compact encoding, so plain pattern matching can read it.
read -r line
id=${line#*\"id\":\"}
id=${id%%\"*}
trial=${line#*\"trial\":}
trial=${trial%%[,\}]*}
delay=0
case $line in *'"delay":"'*)
    delay=${line#*\"delay\":\"}
    delay=${delay%%\"*} ;;
esac
sleep "$delay"
case $line in *'"fail":true'*)
    echo 'model overloaded' >&2
    exit 7 ;;
esac
printf 'answer %s t%s\n' "$id" "$trial"
