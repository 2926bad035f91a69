#!/usr/bin/env python3
"""introspection/annotate-docs.py on small interface files: what it writes,
and that it fails on a member whose documentation is missing or wrong.

    check-annotate-docs.py SOURCE_ROOT
"""

import pathlib
import subprocess
import sys
import tempfile
import xml.dom.minidom

HEAD = '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n'

GOOD = HEAD + """<node>
  <!--
      org.example.Thing:
      @short_description: A thing

      First paragraph,
      on two lines.

      Second &lt;paragraph&gt;.
  -->
  <interface name="org.example.Thing">
    <!--
        Poke:
        @how: 1 GENTLY,
          2 FIRMLY.
        @result: What it said.

        Pokes the thing.
    -->
    <method name="Poke">
      <annotation name="org.virtbus.Virt1.Authorization" value="org.virtbus.Virt1.read"/>
      <arg name="how" type="u" direction="in"/>
      <arg name="result" type="s" direction="out"/>
    </method>
    <!-- Size: in bytes -->
    <property name="Size" type="t" access="read"/>
    <!-- Poked: sent after each Poke -->
    <signal name="Poked"/>
  </interface>
</node>
"""

failures = []


def run(script, text):
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "in.xml"
        target = pathlib.Path(tmp) / "out.xml"
        source.write_text(text)
        done = subprocess.run([sys.executable, script, source, target], capture_output=True, text=True)
        return done, (target.read_text() if target.exists() else None)


def check(condition, what):
    if not condition:
        failures.append(what)


def annotation(element, name):
    for child in element.childNodes:
        if child.nodeType == child.ELEMENT_NODE and child.tagName == "annotation" and child.getAttribute("name") == name:
            return child.getAttribute("value")
    return None


def main():
    script = pathlib.Path(sys.argv[1]) / "introspection" / "annotate-docs.py"

    done, out = run(script, GOOD)
    check(done.returncode == 0, "a documented file is refused: " + done.stderr)
    if out:
        doc = xml.dom.minidom.parseString(out)
        interface = doc.getElementsByTagName("interface")[0]
        check(annotation(interface, "org.gtk.GDBus.DocString.Short") == "A thing", "DocString.Short")
        check(annotation(interface, "org.gtk.GDBus.DocString") == "First paragraph, on two lines.\n\nSecond <paragraph>.",
              "interface DocString: %r" % annotation(interface, "org.gtk.GDBus.DocString"))
        method = doc.getElementsByTagName("method")[0]
        check(annotation(method, "org.gtk.GDBus.DocString") == "Pokes the thing.", "method DocString")
        check(annotation(method, "org.virtbus.Virt1.Authorization") == "org.virtbus.Virt1.read", "other annotations stay")
        how, result = doc.getElementsByTagName("arg")
        check(annotation(how, "org.gtk.GDBus.DocString") == "1 GENTLY, 2 FIRMLY.", "continued @arg: %r" % annotation(how, "org.gtk.GDBus.DocString"))
        check(annotation(result, "org.gtk.GDBus.DocString") == "What it said.", "out @arg")
        prop = doc.getElementsByTagName("property")[0]
        check(annotation(prop, "org.gtk.GDBus.DocString") == "in bytes", "one-line comment")
        signal = doc.getElementsByTagName("signal")[0]
        check(annotation(signal, "org.gtk.GDBus.DocString") == "sent after each Poke", "signal")
        check("<!--" not in out.split("<node>", 1)[1], "the doc comments are gone")
        check("&#10;&#10;" in out, "newlines are written as references")

    bad = {
        "an undocumented member": GOOD.replace("<!-- Size: in bytes -->", ""),
        "a comment of another member": GOOD.replace("<!-- Size: in bytes -->", "<!-- Length: in bytes -->"),
        "an @arg the member lacks": GOOD.replace("@result: What it said.", "@answer: What it said."),
        "a comment of arguments only": GOOD.replace("\n        Pokes the thing.", ""),
        "an undocumented interface": GOOD.replace("org.example.Thing:", "org.example.Other:"),
    }
    for what, text in bad.items():
        done, _ = run(script, text)
        check(done.returncode == 1 and "annotate-docs.py:" in done.stderr, "%s is accepted (%d: %s)" % (what, done.returncode, done.stderr.strip()))

    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
