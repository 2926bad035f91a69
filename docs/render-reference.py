#!/usr/bin/env python3
"""The API reference as reStructuredText, one page per interface.

    render-reference.py VERSION OUTDIR ANNOTATED.xml...

Reads the interface files that introspection/annotate-docs.py wrote (every
member's text is its org.gtk.GDBus.DocString annotation) and writes, for
each interface, OUTDIR/<interface>.rst, a page that rst2man turns into the
manual page <interface>(5) and rst2html5 into HTML, and OUTDIR/index.rst
listing them. gdbus-codegen's own --generate-rst leaves out the out
arguments and the polkit action of each member; here both are shown.
"""

import os
import re
import sys
import xml.dom.minidom

DOC = "org.gtk.GDBus.DocString"
DOC_SHORT = "org.gtk.GDBus.DocString.Short"
AUTHORIZATION = "org.virtbus.Virt1.Authorization"
AUTHORIZATION_ALSO = "org.virtbus.Virt1.Authorization.Also"
SECTION = 5


def annotations(element):
    return {
        a.getAttribute("name"): a.getAttribute("value")
        for a in element.childNodes
        if a.nodeType == a.ELEMENT_NODE and a.tagName == "annotation"
    }


def children(element, tag):
    return [c for c in element.childNodes if c.nodeType == c.ELEMENT_NODE and c.tagName == tag]


def text(value):
    """A DocString as reStructuredText: inline markup characters are taken
    literally, @arg (gtk-doc's way to name an argument) is shown as code."""
    out = []
    for paragraph in value.split("\n\n"):
        pieces = re.split(r"@([A-Za-z_][A-Za-z0-9_]*)", paragraph)
        # Even pieces are text, odd ones the names after an @.
        escaped = "".join(
            "``%s``" % piece if i % 2 else re.sub(r"([\\*`_|\[\]<>])", r"\\\1", piece)
            for i, piece in enumerate(pieces)
        )
        # A paragraph that would start a list or a directive is plain text.
        if re.match(r"([-+*]|\d+[.)]|\.\.)\s", escaped):
            escaped = "\\" + escaped
        out.append(escaped)
    return "\n\n".join(out)


def heading(title, char, over=False):
    line = char * len(title)
    return [line, title, line, ""] if over else [title, line, ""]


def argument_list(args, with_direction):
    lines = []
    for arg in args:
        doc = annotations(arg).get(DOC, "")
        direction = (arg.getAttribute("direction") or "in") + ", " if with_direction else ""
        lines += ["``%s`` (%s``%s``)" % (arg.getAttribute("name"), direction, arg.getAttribute("type"))]
        lines += ["    " + (text(doc).replace("\n\n", "\n\n    ") if doc else "Not described."), ""]
    return lines


def signature(member):
    args = children(member, "arg")
    if member.tagName == "method":
        parts = ["%s %s %s" % ((a.getAttribute("direction") or "in").upper(), a.getAttribute("type"), a.getAttribute("name")) for a in args]
    else:
        parts = ["%s %s" % (a.getAttribute("type"), a.getAttribute("name")) for a in args]
    return "%s (%s)" % (member.getAttribute("name"), ", ".join(parts))


def authorization_lines(member):
    notes = annotations(member)
    lines = []
    if AUTHORIZATION in notes:
        lines.append("Authorization: polkit action ``%s``." % notes[AUTHORIZATION])
    if AUTHORIZATION_ALSO in notes:
        also = ", ".join("``%s``" % a for a in notes[AUTHORIZATION_ALSO].split())
        lines.append("In the cases described above also: %s." % also)
    return lines + [""] if lines else []


def member_section(member):
    name = member.getAttribute("name")
    lines = heading(name, "-")
    if member.tagName == "property":
        access = {"read": "read-only", "write": "write-only", "readwrite": "read-write"}[member.getAttribute("access")]
        lines += ["::", "", "    %s %s (%s)" % (member.getAttribute("type"), name, access), ""]
    else:
        lines += ["::", "", "    " + signature(member), ""]
    lines += [text(annotations(member)[DOC]), ""]
    args = children(member, "arg")
    if args:
        lines += argument_list(args, member.tagName == "method")
    lines += authorization_lines(member)
    return lines


def render_interface(interface, version, all_names):
    name = interface.getAttribute("name")
    notes = annotations(interface)
    lines = heading(name, "=", over=True)
    lines += heading(notes.get(DOC_SHORT, name), "-", over=True)
    lines += [":Manual section: %d" % SECTION, ":Manual group: virtbus", ":Version: virtbus %s" % version, ""]
    lines += heading("DESCRIPTION", "=")
    lines += [text(notes[DOC]), ""]
    groups = [("PROPERTIES", "property"), ("METHODS", "method"), ("SIGNALS", "signal")]
    for title, tag in groups:
        members = children(interface, tag)
        if not members:
            continue
        lines += heading(title, "=")
        for member in members:
            lines += member_section(member)
    others = [n for n in all_names if n != name]
    lines += heading("SEE ALSO", "=")
    lines += [", ".join(["**virtbus**\\ (7)", "**virtbusd**\\ (8)"] + ["**%s**\\ (%d)" % (n, SECTION) for n in others]), ""]
    return "\n".join(lines)


def render_index(interfaces, version):
    lines = heading("The org.virtbus.Virt1 API", "=", over=True)
    lines += ["virtbus %s. One page per interface, from the interface files that the" % version,
              "service is built from; each is also the manual page *interface*\\ (%d)." % SECTION, ""]
    for interface in interfaces:
        name = interface.getAttribute("name")
        short = annotations(interface).get(DOC_SHORT, "")
        lines += ["`%s <%s.html>`__" % (name, name), "    " + text(short), ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: render-reference.py VERSION OUTDIR ANNOTATED.xml...")
    version, outdir, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    interfaces = []
    for source in sources:
        interfaces += children(xml.dom.minidom.parse(source).documentElement, "interface")
    names = [i.getAttribute("name") for i in interfaces]
    for interface in interfaces:
        with open(os.path.join(outdir, interface.getAttribute("name") + ".rst"), "w", encoding="utf-8") as f:
            f.write(render_interface(interface, version, names))
    with open(os.path.join(outdir, "index.rst"), "w", encoding="utf-8") as f:
        f.write(render_index(interfaces, version))


if __name__ == "__main__":
    main()
