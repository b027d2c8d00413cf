"""The house reads top-down: cli/ -> src/ -> spool/ -> src/util/.

A source check, not a run of the binary: an #include that reaches up a layer
compiles (every target sees the whole tree), so only this notices it.
"""
import os
import re
import unittest

SOURCE = os.environ.get("MCP_REPORT_SOURCE",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(folder):
    root = os.path.join(SOURCE, folder)
    for base, _, names in os.walk(root):
        for name in names:
            if name.endswith((".h", ".cc")):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, SOURCE), f.read()


def includes_outside(folder, allowed):
    return [(path, inc) for path, text in sources(folder) for inc in INCLUDE.findall(text)
            if not inc.startswith(allowed)]


class LayoutTest(unittest.TestCase):
    def test_spool_depends_only_on_util(self):
        self.assertEqual(includes_outside("spool", ("spool/", "src/util/")), [])

    def test_util_depends_on_nothing_of_ours(self):
        self.assertEqual(includes_outside("src/util", ("src/util/",)), [])

    def test_src_never_reaches_into_the_front_door(self):
        self.assertEqual([(p, i) for p, i in includes_outside("src", ("src/", "spool/"))
                          if i.startswith("cli/")], [])

    def test_spool_knows_no_exit_statuses(self):
        # spool/ throws SpoolError with a kind; cli/exit_status.cc maps kinds
        # to sysexits in one place.
        found = [path for path, text in sources("spool")
                 if re.search(r"\bkExit\w*|\bFailure\b|failure\.h", text)]
        self.assertEqual(found, [])


if __name__ == "__main__":
    unittest.main()
