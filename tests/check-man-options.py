#!/usr/bin/env python3
"""virtbusd(8) must list exactly the options `virtbusd --help` prints, each
written the same way ("-v, --verbose", "--state-dir=DIR").

    check-man-options.py VIRTBUSD MAN_PAGE
"""
import re
import subprocess
import sys


def help_options(virtbusd):
    text = subprocess.run([virtbusd, "--help"], check=True, capture_output=True,
                          text=True).stdout
    # GOption's layout: two spaces, the option (and its short form), two or
    # more spaces, the description.
    found = re.findall(r"^  ((?:-\w, )?--[\w-]+(?:=\S+)?)(?:\s{2,}|$)", text, re.M)
    if not found:
        sys.exit(f"no option found in `{virtbusd} --help`:\n{text}")
    return found


def man_options(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    try:
        start = lines.index(".SH OPTIONS")
    except ValueError:
        sys.exit(f"{path} has no OPTIONS section")
    found = []
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(".SH"):
            break
        if lines[i] == ".TP" and i + 1 < len(lines):
            tag = re.sub(r"\\f[BIRP]", "", lines[i + 1]).replace("\\-", "-")
            found.append(tag)
    if not found:
        sys.exit(f"no .TP entry in the OPTIONS section of {path}")
    return found


def main():
    virtbusd, page = sys.argv[1:3]
    in_help = help_options(virtbusd)
    in_man = man_options(page)
    problems = []
    for option in in_help:
        if option not in in_man:
            problems.append(f"  {option}: printed by --help, missing from {page}")
    for option in in_man:
        if option not in in_help:
            problems.append(f"  {option}: in {page}, not printed by --help")
    for option in set(in_man):
        if in_man.count(option) > 1:
            problems.append(f"  {option}: {in_man.count(option)} entries in {page}")
    if problems:
        sys.exit("virtbusd(8) and virtbusd --help disagree:\n" + "\n".join(problems))
    print(f"{len(in_help)} options agree")


main()
