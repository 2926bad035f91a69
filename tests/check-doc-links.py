#!/usr/bin/env python3
"""The documentation's links lead somewhere: every relative link in README.md
and docs/*.md names a file that exists and, with #anchor, a heading of that
file (as GitHub makes anchors of headings); and the README's Documentation
section links every docs/*.md, so no page is out of a reader's reach.

    check-doc-links.py SOURCE_ROOT
"""
import glob
import os
import re
import sys

LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(text):
    """The text without fenced code blocks and inline code spans, where a
    bracket is shell or C, not a link."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path):
    """GitHub's anchors of the headings: lower case, punctuation dropped,
    spaces as hyphens, a repeated one numbered."""
    seen = {}
    found = set()
    for line in prose(open(path, encoding="utf-8").read()).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def check_links(root, path, problems):
    text = prose(open(path, encoding="utf-8").read())
    links = 0
    for match in LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z][a-z+.-]*:", target):
            continue  # https:, mailto:: not ours to check
        links += 1
        file_part, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        where = os.path.relpath(path, root)
        if not os.path.exists(dest):
            problems.append(f"  {where}: ({target}): no such file")
        elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
            problems.append(f"  {where}: ({target}): no heading makes #{anchor}")
    return links


def check_docs_list(root, problems):
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    match = re.search(r"^## Documentation\n(.*?)(?=^## |\Z)", readme, flags=re.S | re.M)
    if not match:
        problems.append("  README.md: no '## Documentation' section")
        return
    listed = set(LINK.findall(match.group(1)))
    for page in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        name = os.path.relpath(page, root)
        if name not in listed:
            problems.append(f"  README.md: the Documentation section does not link {name}")


def main():
    root = sys.argv[1]
    pages = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    problems = []
    links = sum(check_links(root, page, problems) for page in pages)
    if links == 0:
        sys.exit("check-doc-links.py: found no link at all: the pattern is broken")
    check_docs_list(root, problems)
    if problems:
        sys.exit("The documentation's links are broken:\n" + "\n".join(problems))
    print(f"check-doc-links.py: {links} links in {len(pages)} pages lead somewhere; "
          "the README links every docs/*.md")


main()
