#!/usr/bin/env python3
"""Checks that docs/authorization.md's table of actions says what the
introspection XML says (org.virtbus.Virt1's and the org.libvirt front end's,
whose members are written libvirt.<Interface>.<Member>): every method and
writable property is listed in the
row of the action its org.virtbus.Virt1.Authorization annotation names, and
nowhere else; every member with an org.virtbus.Virt1.Authorization.Also
annotation is in the row of that action in the section "Actions some calls
also need", and only those; every action of the policy file has a row.

    tests/check-authz-doc.py SOURCE_ROOT
"""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ANNOTATION = "org.virtbus.Virt1.Authorization"
ALSO_ANNOTATION = "org.virtbus.Virt1.Authorization.Also"
ALSO_HEADING = "## Actions some calls also need"


def from_xml(root, annotation=ANNOTATION):
    """{(interface short name, member): action} for methods and writable properties."""
    guarded = {}
    paths = sorted((root / "introspection").glob("org.virtbus.Virt1.*.xml"))
    # The org.libvirt front end's members are written libvirt.<Interface>.<Member>.
    paths += sorted((root / "introspection").glob("org.libvirt.*.xml"))
    for path in paths:
        for iface in ET.parse(path).getroot().iter("interface"):
            name = iface.get("name")
            short = name.rsplit(".", 1)[1]
            if name.startswith("org.libvirt."):
                short = "libvirt." + short
            for member in list(iface.iter("method")) + list(iface.iter("property")):
                if member.tag == "property" and "write" not in member.get("access", ""):
                    continue
                for note in member.iter("annotation"):
                    if note.get("name") == annotation:
                        for action in note.get("value").split():
                            guarded.setdefault((short, member.get("name")), set()).add(action)
    return guarded


def from_doc(root, also=False):
    """{(interface short name, member): action} from the rows of the main
    table, or with @also of the table of actions some calls also need."""
    listed = {}
    doubled = []
    in_also = False
    for line in (root / "docs" / "authorization.md").read_text().splitlines():
        if line.startswith("## "):
            in_also = line.strip() == ALSO_HEADING
        if in_also != also:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`org.virtbus.Virt1."):
            continue
        action = cells[0].strip("`")
        iface = None
        members = cells[1] if also else cells[2]
        for token in re.findall(r"`([A-Za-z][A-Za-z0-9.]*)(?:\(\))?`", members):
            if "." in token:
                iface, token = token.rsplit(".", 1)
            if iface is None:
                continue
            key = (iface, token)
            if action in listed.get(key, set()) or (key in listed and not also):
                doubled.append(key)
            listed.setdefault(key, set()).add(action)
    return listed, doubled


def compare(guarded, listed, doubled, where_doc):
    problems = []
    for key, actions in sorted(guarded.items()):
        where = listed.get(key)
        said = " ".join(sorted(actions))
        if where is None:
            problems.append(f"{key[0]}.{key[1]} ({said}) is not in {where_doc}")
        elif where != actions:
            problems.append(f"{key[0]}.{key[1]} is listed under {' '.join(sorted(where))} in "
                            f"{where_doc}, the XML says {said}")
    for key in sorted(set(listed) - set(guarded)):
        problems.append(f"{where_doc} lists {key[0]}.{key[1]}, which the XML does not guard so")
    for key in doubled:
        problems.append(f"{where_doc} lists {key[0]}.{key[1]} twice")
    return problems


def main():
    root = Path(sys.argv[1])
    guarded = from_xml(root)
    listed, doubled = from_doc(root)
    also_guarded = from_xml(root, ALSO_ANNOTATION)
    also_listed, also_doubled = from_doc(root, also=True)
    policy = (root / "policy" / "org.virtbus.Virt1.policy").read_text()
    actions = set(re.findall(r'<action id="([^"]+)"', policy))
    documented = set().union(*listed.values(), *also_listed.values())
    problems = compare(guarded, listed, doubled, "docs/authorization.md")
    problems += compare(also_guarded, also_listed, also_doubled, f'"{ALSO_HEADING[3:]}"')
    for key, wanted in sorted(also_guarded.items()):
        for action in sorted(wanted - actions):
            problems.append(f"{key[0]}.{key[1]} also needs {action}, which the policy does not declare")
    for action in sorted(actions - documented - {"org.virtbus.Virt1.read"}):
        if action not in (root / "docs" / "authorization.md").read_text():
            problems.append(f"the policy's action {action} has no row in docs/authorization.md")
    for problem in problems:
        print(problem)
    print(f"{len(guarded)} guarded members ({len(also_guarded)} with a second action), "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
