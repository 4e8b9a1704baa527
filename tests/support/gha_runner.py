#!/usr/bin/env python3
"""Reads a step's output the way the GitHub Actions runner does and prints
the workflow commands it would obey, one raw line each.

Mirrors actions/runner (src/Runner.Common/ActionCommand.cs and
src/Runner.Worker/ActionCommandManager.cs): lines end at CR, LF or CRLF;
`::name props::data` is a command once leading white space is trimmed;
the legacy `##[name props]data` is a command anywhere in a line; a
`stop-commands` command ignores every command until `::TOKEN::` (or
`##[TOKEN]`) comes. Only registered command names count.

usage: gha_runner.py FILE...   (the files are one step's streams, read in
order with one shared state). The stop token is printed as TOKEN, so
expected files stay fixed; exit status 0.
"""
import re
import sys

REGISTERED = {
    "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
    "remove-matcher", "warning", "error", "notice", "debug", "group", "endgroup",
    "echo", "stop-commands",
}
# .NET char.IsWhiteSpace, which String.TrimStart() uses.
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + \
    "\u2028\u2029\u202f\u205f\u3000"


def unescape_data(s):
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse(line, registered):
    """Returns (name, data) for a command line, else None."""
    s = line.lstrip(WHITESPACE)
    if s.startswith("::"):
        end = s.find("::", 2)
        if end >= 0:
            name = s[2:end].split(" ", 1)[0]
            if name.lower() in registered:
                return name, unescape_data(s[end + 2:])
    start = line.find("##[")
    if start >= 0:
        rb = line.find("]", start)
        if rb >= 0:
            name = line[start + 3:rb].split(" ", 1)[0]
            if name.lower() in registered:
                return name, line[rb + 1:]
    return None


def main(paths):
    registered = set(REGISTERED)
    stopped, token = False, None
    for path in paths:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        for line in re.split(r"\r\n|\r|\n", text):
            cmd = parse(line, registered)
            if not cmd:
                continue
            name, data = cmd
            shown = line.replace(token, "TOKEN") if token else line
            if stopped:
                if name.lower() == token.lower():
                    print(shown)
                    registered.discard(token.lower())
                    stopped, token = False, None
                continue
            if name.lower() == "stop-commands":
                token = data
                stopped = True
                registered.add(token.lower())
                print(line.replace(token, "TOKEN") if token else line)
                continue
            print(shown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
