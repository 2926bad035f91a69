#!/usr/bin/env python3
"""Keeps the list of the QEMU driver's refusals in docs/xml-subset.md equal to
the refusals in drivers/qemu/*.c: every refuse (error, node, "format", ...)
there is one line of the list between

  <!-- generated: qemu refusals (ninja -C build update-xml-subset) -->
  <!-- end of generated list -->

with its printf conversions written as "…".

  check-xml-refusals.py SOURCE_ROOT           fails when the list differs
  check-xml-refusals.py SOURCE_ROOT --update [TABLES]  rewrites it (and,
      with TABLES, the path of xml-subset-tables, the element tables too)
"""
import glob
import os
import re
import subprocess
import sys

OPEN = "<!-- generated: qemu refusals (ninja -C build update-xml-subset) -->\n"
CLOSE = "<!-- end of generated list -->\n"


def call_args(text, start):
    """The top-level arguments of the call whose '(' is at text[start]."""
    args, depth, current, i = [], 0, [], start
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "'":
            j = text.index("'", i + 2 if text[i + 1] == "\\" else i + 1)
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(current).strip())
                return args
        elif c == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    raise ValueError("unterminated call")


def literal_text(arg):
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', arg)
    if not parts:
        return None
    text = "".join(parts)
    text = text.replace('\\"', '"').replace("\\\\", "\\")
    return re.sub(r"%(?:\.\*)?[-0-9]*(?:l|ll|z|h)?[sdiuxcp]|%\" G_[A-Z0-9_]+ \"|%\"\s*G_\w+", "…", text)


def refusals(root):
    found = set()
    for path in sorted(glob.glob(os.path.join(root, "drivers", "qemu", "*.c"))):
        text = open(path, encoding="utf-8").read()
        # G_GUINT64_FORMAT and friends break a literal: write them as a conversion.
        text = re.sub(r'"\s*G_G?U?INT64_FORMAT\s*"', "u", text)
        for match in re.finditer(r"\brefuse \(", text):
            args = call_args(text, match.end() - 1)
            if len(args) < 3 or not args[0].startswith("error"):
                continue
            message = literal_text(args[2])
            if message:
                found.add(message.replace("%%", "%"))
    return sorted(found)


def main():
    root = sys.argv[1]
    update = "--update" in sys.argv[2:]
    doc_path = os.path.join(root, "docs", "xml-subset.md")
    doc = open(doc_path, encoding="utf-8").read()
    if OPEN not in doc or CLOSE not in doc:
        sys.exit(f"{doc_path}: no generated list of the QEMU driver's refusals")
    head, rest = doc.split(OPEN, 1)
    _, tail = rest.split(CLOSE, 1)
    lines = "".join(f"- `{m}`\n" for m in refusals(root))
    fresh = head + OPEN + lines + CLOSE + tail
    if update:
        open(doc_path, "w", encoding="utf-8").write(fresh)
        tables = sys.argv[sys.argv.index("--update") + 1:]
        if tables:
            subprocess.run([tables[0], "--update", doc_path], check=True)
        return
    if fresh != doc:
        sys.exit(f"{doc_path}: its list of the QEMU driver's refusals differs from drivers/qemu; "
                 "run 'ninja -C build update-xml-subset' and review the diff")


main()
