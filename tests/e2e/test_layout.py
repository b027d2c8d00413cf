"""The layers are the build's: each folder's library sees only the folders below it.

    cli/ (mcpr_cli) -> src/report/, src/http_proxy/
    src/http_proxy/ -> src/proxy/, src/curl/ (libcurl is src/curl/'s)
    src/report/, src/curl/ -> src/delivery/ -> src/event/, src/state/
    src/proxy/ -> src/event/, src/state/ (no delivery code)
    src/event/ -> src/config/, spool/;  src/state/ -> spool/
    src/config/, spool/ -> src/util/
    cli/ (mcpr_front, the recording front door) -> src/event/ and below

Each library is compiled with an include folder of its own that holds only
its source folder (CMakeLists.txt, mcpr_library), and sees the rest of the
tree only through the libraries it links. This test asks the compiler, with
the exact flags the build used for one file of each library
(compile_commands.json), which folders' headers it can find: an #include
that runs up the layers (or sideways) must be "No such file or directory".
"""
import glob
import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("MCP_REPORT_SOURCE",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.join(SOURCE, "build")

# Each folder, its library, and the folders it may include (besides itself).
BELOW_EVENT = ["src/config", "spool", "src/util"]
LAYERS = {
    "src/util": ("mcpr_util", []),
    "spool": ("mcpr_spool", ["src/util"]),
    "src/config": ("mcpr_config", ["src/util"]),
    "src/event": ("mcpr_event", BELOW_EVENT),
    "src/state": ("mcpr_state", ["spool", "src/util"]),
    "src/delivery": ("mcpr_delivery", ["src/event", "src/state"] + BELOW_EVENT),
    "src/report": ("mcpr_report", ["src/delivery", "src/event", "src/state"] + BELOW_EVENT),
    "src/proxy": ("mcpr_proxy", ["src/event", "src/state"] + BELOW_EVENT),
    "src/http_proxy": ("mcpr_http_proxy",
                       ["src/proxy", "src/curl", "src/delivery", "src/event", "src/state"]
                       + BELOW_EVENT),
    "src/curl": ("mcpr_curl", ["src/delivery", "src/event", "src/state"] + BELOW_EVENT),
    # mcpr_front (mcp-report's front door) sees only what a recording needs;
    # mcpr_cli (FULL_CLI below), every command on CLI11, sees everything.
    "cli": ("mcpr_front", BELOW_EVENT + ["src/event"]),
}

# cli/'s second library, mcp-report-cli's commands.
FULL_CLI = ("mcpr_cli", [f for f in LAYERS if f != "cli"])


def headers(folder):
    return sorted(os.path.relpath(p, SOURCE)
                  for p in glob.glob(os.path.join(SOURCE, folder, "*.h")))


def sources(folder):
    root = os.path.join(SOURCE, folder)
    for base, _, names in os.walk(root):
        for name in names:
            if name.endswith((".h", ".cc")):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, SOURCE), f.read()


def compile_flags(library):
    """The compiler and the preprocessor flags of one file of `library`."""
    with open(os.path.join(BUILD, "compile_commands.json")) as f:
        commands = json.load(f)
    for entry in commands:
        if "/%s.dir/" % library in entry.get("output", entry["command"]):
            words = shlex.split(entry["command"])
            keep, i = [words[0]], 1
            while i < len(words):
                w = words[i]
                if w in ("-I", "-isystem", "-D", "-include"):
                    keep += words[i:i + 2]
                    i += 2
                    continue
                if w.startswith(("-I", "-D", "-std=", "-isystem")):
                    keep.append(w)
                i += 1
            return keep
    raise AssertionError("no file of %s in compile_commands.json" % library)


def visible_folders(library):
    """The folders whose headers a file of `library` finds."""
    probe = "".join('#if __has_include("%s")\nFOUND %s\n#endif\n' % (headers(f)[0], f)
                    for f in LAYERS)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "probe.cc")
        with open(path, "w") as f:
            f.write(probe)
        r = subprocess.run(compile_flags(library) + ["-E", "-P", path], capture_output=True,
                           text=True, cwd=d)
    assert r.returncode == 0, r.stderr
    return set(re.findall(r"^FOUND (\S+)$", r.stdout, re.M))


class LayoutTest(unittest.TestCase):
    def test_each_library_sees_only_the_layers_below_it(self):
        for folder, (library, below) in list(LAYERS.items()) + [("cli", FULL_CLI)]:
            with self.subTest(library=library):
                self.assertEqual(sorted(visible_folders(library)), sorted([folder] + below))

    def test_an_include_up_the_layers_does_not_build(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "up.cc")
            with open(path, "w") as f:
                f.write('#include "src/event/event.h"\n')
            r = subprocess.run(compile_flags("mcpr_config") + ["-fsyntax-only", path],
                               capture_output=True, text=True, cwd=d)
        self.assertNotEqual(r.returncode, 0)
        # g++ and clang++ (the sanitizer build) say it in their own words.
        self.assertRegex(r.stderr, r"src/event/event\.h'?: No such file or directory|"
                                   r"'src/event/event\.h' file not found")

    def test_every_folder_of_code_is_a_layer(self):
        folders = {os.path.dirname(p) for p in glob.glob(os.path.join(SOURCE, "*", "*.cc")) +
                   glob.glob(os.path.join(SOURCE, "src", "*", "*.cc"))}
        folders = {os.path.relpath(f, SOURCE) for f in folders}
        self.assertEqual(sorted(folders), sorted(LAYERS))

    def test_proxy_names_nothing_the_http_proxy_declares(self):
        # The include folders keep src/http_proxy/'s headers out of
        # src/proxy/, but a template there could still call, by name, a
        # function that the HTTP proxy defines for its own types (an overload
        # found only where the template is used): what a BoundedQueue item
        # holds is the item's own member, not a free function of each user.
        declared = set()
        for path in headers("src/http_proxy"):
            with open(os.path.join(SOURCE, path), encoding="utf-8") as f:
                text = f.read()
            declared |= set(re.findall(r"^(?:struct|class|enum class|enum|using)\s+(\w+)",
                                       text, re.M))
            declared |= set(re.findall(r"^(?!\s)(?:inline\s+|constexpr\s+|static\s+)*"
                                       r"[\w:<>,]+(?:\s*[*&])?\s+[*&]?(\w+)\(", text, re.M))
        self.assertIn("run_http_proxy", declared)  # the scan reads the declarations
        found = [(path, name) for path, text in sources("src/proxy")
                 for name in sorted(declared)
                 if re.search(r"\b%s\b" % name, re.sub(r"//.*", "", text))]
        self.assertEqual(found, [])

    def test_spool_knows_no_exit_statuses(self):
        # spool/ throws SpoolError with a kind; cli/exit_status.cc maps kinds
        # to sysexits in one place.
        found = [path for path, text in sources("spool")
                 if re.search(r"\bkExit\w*|\bFailure\b|failure\.h", text)]
        self.assertEqual(found, [])


if __name__ == "__main__":
    unittest.main()
