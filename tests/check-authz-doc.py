#!/usr/bin/env python3
"""Checks that docs/authorization.md's table of actions says what the
introspection XML says: every method and writable property is listed in the
row of the action its org.virtbus.Virt1.Authorization annotation names, and
nowhere else; every action of the policy file has a row.

    tests/check-authz-doc.py SOURCE_ROOT
"""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ANNOTATION = "org.virtbus.Virt1.Authorization"


def from_xml(root):
    """{(interface short name, member): action} for methods and writable properties."""
    guarded = {}
    for path in sorted((root / "introspection").glob("org.virtbus.Virt1.*.xml")):
        for iface in ET.parse(path).getroot().iter("interface"):
            short = iface.get("name").rsplit(".", 1)[1]
            for member in list(iface.iter("method")) + list(iface.iter("property")):
                if member.tag == "property" and "write" not in member.get("access", ""):
                    continue
                for note in member.iter("annotation"):
                    if note.get("name") == ANNOTATION:
                        guarded[(short, member.get("name"))] = note.get("value")
    return guarded


def from_doc(root):
    """{(interface short name, member): action} from the table's rows."""
    listed = {}
    doubled = []
    for line in (root / "docs" / "authorization.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`org.virtbus.Virt1."):
            continue
        action = cells[0].strip("`")
        iface = None
        for token in re.findall(r"`([A-Za-z.]+)(?:\(\))?`", cells[2]):
            if "." in token:
                iface, token = token.rsplit(".", 1)
            if iface is None:
                continue
            key = (iface, token)
            if key in listed:
                doubled.append(key)
            listed[key] = action
    return listed, doubled


def main():
    root = Path(sys.argv[1])
    guarded = from_xml(root)
    listed, doubled = from_doc(root)
    policy = (root / "policy" / "org.virtbus.Virt1.policy").read_text()
    actions = set(re.findall(r'<action id="([^"]+)"', policy))
    documented = {a for a in listed.values()}
    problems = []
    for key, action in sorted(guarded.items()):
        where = listed.get(key)
        if where is None:
            problems.append(f"{key[0]}.{key[1]} ({action}) is not in docs/authorization.md")
        elif where != action:
            problems.append(f"{key[0]}.{key[1]} is listed under {where}, the XML says {action}")
    for key in sorted(set(listed) - set(guarded)):
        problems.append(f"docs/authorization.md lists {key[0]}.{key[1]}, which the XML does not guard")
    for key in doubled:
        problems.append(f"docs/authorization.md lists {key[0]}.{key[1]} twice")
    for action in sorted(actions - documented - {"org.virtbus.Virt1.read"}):
        if action not in (root / "docs" / "authorization.md").read_text():
            problems.append(f"the policy's action {action} has no row in docs/authorization.md")
    for problem in problems:
        print(problem)
    print(f"{len(guarded)} guarded members, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
