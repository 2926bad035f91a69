#!/usr/bin/env python3
"""virtbusctl(1) and docs/cli.md must list exactly the commands virtbusctl
has: the man page's COMMANDS section one entry per command whose tag is the
usage line `virtbusctl help COMMAND` prints, docs/cli.md one table row per
command starting with its usage (or its name).

    check-ctl-docs.py VIRTBUSCTL MAN_PAGE CLI_MD
"""
import re
import subprocess
import sys


def run(virtbusctl, *args):
    return subprocess.run([virtbusctl, *args], check=True, capture_output=True,
                          text=True).stdout


def program_commands(virtbusctl):
    # The hidden __complete command lists every command people see.
    names = [n for n in run(virtbusctl, "__complete", "--", "").splitlines() if n]
    if not names:
        sys.exit(f"{virtbusctl} lists no commands")
    usages = {}
    for name in names:
        first = run(virtbusctl, "help", name).splitlines()[0]
        usages[name] = first.removeprefix("Usage: virtbusctl ")
    return usages


def man_commands(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    try:
        start = lines.index(".SH COMMANDS")
    except ValueError:
        sys.exit(f"{path} has no COMMANDS section")
    found = {}
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(".SH"):
            break
        if lines[i] == ".TP" and i + 1 < len(lines):
            tag = re.sub(r"\\f[BIRP]", "", lines[i + 1]).replace("\\-", "-")
            found[tag.split(" ")[0]] = tag
    if not found:
        sys.exit(f"no .TP entry in the COMMANDS section of {path}")
    return found


def cli_md_commands(path):
    found = set()
    for line in open(path, encoding="utf-8"):
        match = re.match(r"\| `([a-z][a-z0-9-]*)[ `]", line)
        if match:
            found.add(match.group(1))
    return found


def main():
    virtbusctl, page, cli_md = sys.argv[1:4]
    usages = program_commands(virtbusctl)
    in_man = man_commands(page)
    in_md = cli_md_commands(cli_md)
    problems = []
    for name, usage in usages.items():
        if name not in in_man:
            problems.append(f"  {name}: a command of virtbusctl, missing from {page}")
        elif in_man[name] != usage:
            problems.append(f"  {name}: {page} says '{in_man[name]}', help says '{usage}'")
        if name not in in_md:
            problems.append(f"  {name}: a command of virtbusctl, missing from {cli_md}")
    for name in in_man:
        if name not in usages:
            problems.append(f"  {name}: in {page}, not a command of virtbusctl")
    for name in in_md - set(usages):
        problems.append(f"  {name}: in {cli_md}'s table, not a command of virtbusctl")
    if problems:
        sys.exit("virtbusctl's documentation is out of step with the program:\n"
                 + "\n".join(problems))
    print(f"check-ctl-docs.py: {len(usages)} commands, each in {page} and {cli_md}")


main()
