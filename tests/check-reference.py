#!/usr/bin/env python3
"""The API reference that the build renders (docs/meson.build): for every
interface of introspection/org.virtbus.Virt1.*.xml an HTML page and a manual
page, each with a section for every property, method and signal under the
right heading, the member's whole description (its DocString in the
build's annotated interface file) in the HTML, and an index linking every
page. Exit 1 naming what is missing.

    check-reference.py SOURCE_ROOT BUILD_ROOT
"""

import html.parser
import pathlib
import re
import sys
import xml.dom.minidom

GROUPS = (("property", "PROPERTIES"), ("method", "METHODS"), ("signal", "SIGNALS"))
DOC = "org.gtk.GDBus.DocString"


class Page(html.parser.HTMLParser):
    """The text of an HTML page, its h2 and h3 headings in order, its links."""

    def __init__(self):
        super().__init__()
        self.text = []
        self.headings = []  # (level, text)
        self.links = []
        self.heading = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self.heading = (tag, [])
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href"]

    def handle_endtag(self, tag):
        if self.heading and tag == self.heading[0]:
            self.headings.append((tag, "".join(self.heading[1]).strip()))
            self.heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self.heading:
            self.heading[1].append(data)


def man_sections(path):
    """[(SH title, [SS titles])] of a manual page."""
    sections = []
    for line in path.read_text().splitlines():
        if line.startswith(".SH "):
            sections.append((line[4:].strip().strip('"'), []))
        elif line.startswith(".SS ") and sections:
            sections[-1][1].append(line[4:].strip().strip('"').replace("\\-", "-"))
    return sections


def tokens(text):
    """The words and numbers of @text, one space apart: markup and
    punctuation do not matter."""
    return " ".join(re.findall(r"[A-Za-z0-9]+", text))


def documented(build, name):
    """member name -> its DocString, of interface @name as the build
    annotated it."""
    doc = xml.dom.minidom.parse(str(build / "introspection" / (name + ".xml")))
    found = {}
    for tag, _ in GROUPS:
        for member in doc.getElementsByTagName(tag):
            for child in member.childNodes:
                if child.nodeType == child.ELEMENT_NODE and child.getAttribute("name") == DOC:
                    found[(tag, member.getAttribute("name"))] = child.getAttribute("value")
    return found


def main():
    root, build = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    built = build / "docs"
    missing = []
    index = Page()
    index.feed((built / "index.html").read_text())
    for source in sorted((root / "introspection").glob("org.virtbus.Virt1.*.xml")):
        for interface in xml.dom.minidom.parse(str(source)).getElementsByTagName("interface"):
            name = interface.getAttribute("name")
            html_path, man_path = built / (name + ".html"), built / (name + ".5")
            if not html_path.exists() or not man_path.exists():
                missing.append("%s: no %s or no %s" % (name, html_path.name, man_path.name))
                continue
            if html_path.name not in index.links:
                missing.append("index.html: no link to %s" % html_path.name)
            page = Page()
            page.feed(html_path.read_text())
            text = tokens("".join(page.text))
            man = dict(man_sections(man_path))
            docs = documented(build, name)
            for tag, title in GROUPS:
                h3s = []
                in_group = False
                for level, heading in page.headings:
                    if level == "h2":
                        in_group = heading == title
                    elif in_group:
                        h3s.append(heading)
                for member in interface.getElementsByTagName(tag):
                    member_name = member.getAttribute("name")
                    if member_name not in h3s:
                        missing.append("%s: %s %s has no section under %s" % (html_path.name, tag, member_name, title))
                    if member_name not in man.get(title, []):
                        missing.append("%s: %s %s has no .SS under .SH %s" % (man_path.name, tag, member_name, title))
                    description = tokens(docs.get((tag, member_name), ""))
                    if not description or description not in text:
                        missing.append("%s: the description of %s %s is not there" % (html_path.name, tag, member_name))
    for what in missing:
        print(what)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
