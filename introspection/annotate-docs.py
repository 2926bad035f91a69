#!/usr/bin/env python3
"""Turns the doc comments of an interface file into annotations.

    annotate-docs.py INPUT.xml OUTPUT.xml

The comment in front of an interface, method, property or signal (the
gdbus-codegen format: "Name:", then "@arg: text" lines, a text line indented
deeper continuing the one above, then the body) becomes its
org.gtk.GDBus.DocString annotation, @short_description the interface's
org.gtk.GDBus.DocString.Short, and each @arg the DocString of that argument.
The output is the input less those comments, so every later reader (the C
skeletons, the reference, the installed files, the service's introspection)
takes the text from one parse, this one: gdbus-codegen's own reading keeps
only the first line of an @arg and takes the rest for the body.

Fails (exit 1, naming the file and the member) when a member has no doc
comment, or one that documents only its arguments, when a comment names
another member than the one after it, or an @arg names no argument: every
member the service serves is documented.
"""

import html
import re
import sys
import textwrap
import xml.dom.minidom

DOCUMENTED = ("interface", "method", "property", "signal")
DOC = "org.gtk.GDBus.DocString"
DOC_SHORT = "org.gtk.GDBus.DocString.Short"


class DocError(Exception):
    pass


def parse_comment(text):
    """(symbol, {param: text}, body) of a doc comment, or None."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    first = lines.pop(0).strip()
    symbol, colon, rest = first.partition(":")
    if not colon or not symbol or " " in symbol:
        return None
    params = {}
    current = None  # (name, indent) of the @arg being read
    body_lines = [rest.strip()] if rest.strip() else []
    while lines:
        line = lines[0]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("@") and ": " in stripped:
            name, _, doc = stripped[1:].partition(": ")
            if name in params:
                raise DocError("@%s twice in the comment of %s" % (name, symbol))
            params[name] = doc.strip()
            current = (name, indent)
        elif stripped and current and indent > current[1]:
            params[current[0]] += " " + stripped
        else:
            break
        lines.pop(0)
    body_lines += lines
    body = textwrap.dedent("\n".join(line.rstrip() for line in body_lines)).strip("\n")
    return symbol, {k: plain(v) for k, v in params.items()}, plain(body)


def plain(text):
    """One line per paragraph (what a reader of the annotation sees is not
    wrapped at the source's 80 columns), paragraphs apart by a blank line,
    and "&lt;disk&gt;" (written so in some comments) as "<disk>"."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(html.unescape(" ".join(p.split())) for p in paragraphs if p.strip())


def previous_comment(element):
    """The comment right in front of @element (only white space between)."""
    node = element.previousSibling
    while node is not None and node.nodeType == node.TEXT_NODE and not node.data.strip():
        node = node.previousSibling
    if node is not None and node.nodeType == node.COMMENT_NODE:
        return node
    return None


def element_children(element, tag):
    return [c for c in element.childNodes if c.nodeType == c.ELEMENT_NODE and c.tagName == tag]


def add_annotation(element, name, value):
    """Inserts <annotation> as @element's first child, indented like its
    other children (a childless element is opened up)."""
    doc = element.ownerDocument
    outer = indent_of(element)
    annotation = doc.createElement("annotation")
    annotation.setAttribute("name", name)
    annotation.setAttribute("value", value)
    if not element.childNodes:
        element.appendChild(doc.createTextNode("\n" + outer))
    element.insertBefore(annotation, element.firstChild)
    element.insertBefore(doc.createTextNode("\n" + outer + "  "), annotation)


def indent_of(element):
    node = element.previousSibling
    if node is not None and node.nodeType == node.TEXT_NODE:
        return node.data.rpartition("\n")[2]
    return ""


def document(element, where):
    comment = previous_comment(element)
    name = element.getAttribute("name")
    parsed = parse_comment(comment.data) if comment is not None else None
    if parsed is None:
        raise DocError("%s: %s %s has no doc comment" % (where, element.tagName, name))
    symbol, params, body = parsed
    if symbol != name:
        raise DocError("%s: the comment in front of %s %s is for %s" % (where, element.tagName, name, symbol))
    if not body:
        raise DocError("%s: the comment of %s %s says what its arguments are, not what it does"
                       % (where, element.tagName, name))
    args = {a.getAttribute("name"): a for a in element_children(element, "arg")}
    for param, text in params.items():
        if element.tagName == "interface" and param == "short_description":
            continue
        if param not in args:
            raise DocError("%s: %s %s has no argument %s" % (where, element.tagName, name, param))
    # Arguments first: each insertion goes in front of the element's children.
    for arg in reversed(list(args.values())):
        text = params.get(arg.getAttribute("name"))
        if text:
            add_annotation(arg, DOC, text)
    if body:
        add_annotation(element, DOC, body)
    if element.tagName == "interface" and params.get("short_description"):
        add_annotation(element, DOC_SHORT, params["short_description"])
    # The comment's text now lives in the annotations.
    spacing = comment.previousSibling
    comment.parentNode.removeChild(comment)
    if spacing is not None and spacing.nodeType == spacing.TEXT_NODE and not spacing.data.strip():
        spacing.parentNode.removeChild(spacing)


def walk(element, path):
    # A copy: document() removes comments from the list.
    for child in list(element.childNodes):
        if child.nodeType == child.ELEMENT_NODE:
            if child.tagName in DOCUMENTED:
                walk(child, path)  # args are reached through their member
                document(child, "%s: <%s name=\"%s\">" % (path, child.tagName, child.getAttribute("name")))
            elif child.tagName == "node":
                walk(child, path)


# ---- writing: minidom's writer leaves a newline in an attribute as it is,
# which every XML reader turns into a space; here it is a character reference.


def escape_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text):
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def write(node, out):
    if node.nodeType == node.DOCUMENT_NODE:
        for child in node.childNodes:
            write(child, out)
            if child.nodeType != child.ELEMENT_NODE:
                out.append("\n")
        out.append("\n")
    elif node.nodeType == node.DOCUMENT_TYPE_NODE:
        out.append('<!DOCTYPE %s PUBLIC "%s"\n "%s">' % (node.name, node.publicId, node.systemId))
    elif node.nodeType == node.COMMENT_NODE:
        out.append("<!--%s-->" % node.data)
    elif node.nodeType == node.TEXT_NODE:
        out.append(escape_text(node.data))
    elif node.nodeType == node.ELEMENT_NODE:
        out.append("<" + node.tagName)
        for name, value in node.attributes.items():
            out.append(' %s="%s"' % (name, escape_attribute(value)))
        if not node.childNodes:
            out.append("/>")
            return
        out.append(">")
        for child in node.childNodes:
            write(child, out)
        out.append("</%s>" % node.tagName)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: annotate-docs.py INPUT.xml OUTPUT.xml")
    source, target = sys.argv[1], sys.argv[2]
    doc = xml.dom.minidom.parse(source)
    try:
        walk(doc.documentElement, source)
    except DocError as error:
        sys.exit("annotate-docs.py: %s" % error)
    out = []
    write(doc, out)
    with open(target, "w", encoding="utf-8") as f:
        f.write("".join(out))


if __name__ == "__main__":
    main()
