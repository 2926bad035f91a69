#!/usr/bin/env python3
"""virtbusctl(1) and docs/cli.md must list exactly the commands virtbusctl
has: the man page's COMMANDS section one entry per command whose tag is the
usage line `virtbusctl help COMMAND` prints, docs/cli.md one table row per
command starting with its usage (or its name). docs/cli.md must also name
every option of a command's usage, in its row or in a paragraph that names
the command; give a row of its --json table to every command whose help
mentions --json; and, with the man page's GLOBAL OPTIONS, name every global
option `virtbusctl help` lists.

    check-ctl-docs.py VIRTBUSCTL MAN_PAGE CLI_MD
"""
import re
import subprocess
import sys


def run(virtbusctl, *args):
    return subprocess.run([virtbusctl, *args], check=True, capture_output=True,
                          text=True).stdout


def program_commands(virtbusctl):
    """Each command's usage line (without "Usage: virtbusctl ") and the
    whole of its help."""
    # The hidden __complete command lists every command people see.
    names = [n for n in run(virtbusctl, "__complete", "--", "").splitlines() if n]
    if not names:
        sys.exit(f"{virtbusctl} lists no commands")
    usages = {}
    helps = {}
    for name in names:
        helps[name] = run(virtbusctl, "help", name)
        first = helps[name].splitlines()[0]
        usages[name] = first.removeprefix("Usage: virtbusctl ")
    return usages, helps


def global_options(virtbusctl):
    """The options of the "Global options:" block of `virtbusctl help`."""
    text = run(virtbusctl, "help")
    block = text.partition("Global options:\n")[2].partition("\n\n")[0]
    found = re.findall(r"^  (--[a-z-]+)", block, flags=re.M)
    if not found:
        sys.exit(f"{virtbusctl} help lists no global option")
    return found


def man_global_options(path):
    text = open(path, encoding="utf-8").read().replace("\\-", "-")
    section = text.partition(".SH GLOBAL OPTIONS\n")[2].partition("\n.SH ")[0]
    return set(re.findall(r"^\\fB(--[a-z-]+)\\fR", section, flags=re.M))


def cli_md_blocks(path):
    """docs/cli.md's table rows by command, its --json table's commands, and
    its other paragraphs."""
    rows = {}
    json_rows = set()
    paragraphs = []
    in_json_table = False
    for block in open(path, encoding="utf-8").read().split("\n\n"):
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("| command | `--json` gives"):
            in_json_table = True
        for line in lines:
            match = re.match(r"\| `([a-z][a-z0-9-]*)[ `]", line)
            if match and in_json_table:
                json_rows.add(match.group(1))
            elif match:
                rows[match.group(1)] = line
        if not any(line.startswith("|") for line in lines):
            paragraphs.append(block)
        in_json_table = False
    return rows, json_rows, paragraphs


def option_problems(usages, helps, cli_md):
    rows, json_rows, paragraphs = cli_md_blocks(cli_md)
    problems = []
    for name, usage in usages.items():
        for option in re.findall(r"(--[a-z0-9-]+)", usage):
            named = re.compile(re.escape(option) + r"(?![a-z0-9-])")
            if named.search(rows.get(name, "")):
                continue
            mention = re.compile(r"`(virtbusctl )?" + re.escape(name) + r"[ `]")
            if any(mention.search(p) and named.search(p) for p in paragraphs):
                continue
            problems.append(f"  {name}: {cli_md} does not name its option {option}")
        if "--json" in helps[name].partition("\n\n")[2] and name not in json_rows:
            problems.append(f"  {name}: its help mentions --json, {cli_md}'s --json table has no row")
    return problems


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
    usages, helps = program_commands(virtbusctl)
    in_man = man_commands(page)
    in_md = cli_md_commands(cli_md)
    problems = option_problems(usages, helps, cli_md)
    man_globals = man_global_options(page)
    md_text = open(cli_md, encoding="utf-8").read()
    for option in global_options(virtbusctl):
        if option not in man_globals:
            problems.append(f"  {option}: a global option of virtbusctl, not in {page}'s GLOBAL OPTIONS")
        if not re.search(re.escape(option) + r"(?![a-z0-9-])", md_text):
            problems.append(f"  {option}: a global option of virtbusctl, not named in {cli_md}")
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
    print(f"check-ctl-docs.py: {len(usages)} commands, each in {page} and {cli_md} with its "
          "options")


main()
