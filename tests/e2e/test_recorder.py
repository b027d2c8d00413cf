"""mcp-report reads plain recording command lines itself (cli/record.cc,
parse_simple_recording) and hands every other line to mcp-report-cli, where
CLI11 parses it. The two parsers must mean the same: for many generated
command lines, mcp-report copied on its own (so that it cannot hand over)
either records exactly what mcp-report-cli records, with the same output,
errors and exit status, or says it would hand the line over."""
import json
import os
import random
import re
import shutil
import subprocess
import unittest

from harness import BIN, Case

FULL = os.path.join(os.path.dirname(BIN), "mcp-report-cli")
CASES = int(os.environ.get("MCPR_RECORDER_CASES", "400"))

GLOBALS = [["-v"], ["-q"], ["-vv"], ["-vq"], ["--verbose"], ["--quiet"], ["-c", "@CFG@"],
           ["--config", "@CFG@"], ["-c@CFG@"], ["--config=@CFG@"], ["--spool", "@SPOOL@"],
           ["--spool=@SPOOL@"], ["--mcp-id", "m1"], ["--mcp-id", ""], ["--mcp-id", "-m"],
           ["--mcp-id=m2"], ["-c", ""], ["--spool", ""], ["-c", "@MISSING@"], ["-c"],
           ["--spool"], ["--mcp-id"]]
COMMANDS = ["start", "progress", "complete", "error", "strat", "START"]
OPTIONS = [["--id", "i1"], ["--id", "i 2"], ["--id", ""], ["--id", "-i"], ["--id=i3"], ["--id"],
           ["--data", '{"a": 1}'], ["--data", "@DATA@"], ["--data", "-"], ["--data", "[1]"],
           ["--data", ""], ["--data", "@@MISSING@"], ["--data={}"], ["--data"], ["--help"],
           ["-h"], ["--"], ["--bogus"], ["-x"], ["-"], ["--print-traceparent"]]
WORDS = ["i1", "k=v", "n:=1", "o:={\"x\": [1, 2]}", "bad:=nojson", "novalue", "k=", "=v",
         "k=a=b", "u=\u00e9", "id-2", "x" * 130, "k=v"]


PLAIN_GLOBALS = [["-v"], ["-q"], ["-vv"], ["--verbose"], ["--quiet"], ["-c", "@CFG@"],
                 ["--config", "@CFG@"], ["--spool", "@SPOOL@"], ["--mcp-id", "m1"],
                 ["-c", "@MISSING@"]]
PLAIN_OPTIONS = [["--id", "i1"], ["--id", "i 2"], ["--data", '{"a": 1}'], ["--data", "@DATA@"],
                 ["--data", "-"], ["--data", "[1]"], ["--data", "@@MISSING@"],
                 ["--print-traceparent"]]
# The caller's trace context a start joins (man page OPENTELEMETRY SINK):
# none, valid, invalid.
TRACE_ENVS = [{}, {}, {"TRACEPARENT": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                       "TRACESTATE": "congo=t61rcWkgMzE"},
              {"TRACEPARENT": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
               "TRACESTATE": "bad key=1"},
              {"TRACEPARENT": "00-00000000000000000000000000000000-b7ad6b7169203331-01"}]


def command_line(rng):
    """Half plain lines (mostly the fast path's), half anything."""
    plain = rng.random() < 0.5
    globals_, options = (PLAIN_GLOBALS, PLAIN_OPTIONS) if plain else (GLOBALS, OPTIONS)
    args = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        args += rng.choice(globals_)
    if plain or rng.random() < 0.95:
        args.append(rng.choice(COMMANDS[:4] if plain else COMMANDS[:4] * 5 + COMMANDS[4:]))
    for _ in range(rng.choice([0, 1, 2, 3, 4])):
        r = rng.random()
        if r < 0.3:
            args += rng.choice(options)
        elif r < 0.85:
            args.append(rng.choice(WORDS))
        else:
            args += rng.choice(globals_)  # global options may follow the command
    return args


class RecorderTest(Case):
    def setUp(self):
        super().setUp()
        if os.path.exists(os.path.join(os.path.dirname(BIN), "..", "libexec", "mcp-report",
                                       "mcp-report-cli")):
            self.skipTest("an installed mcp-report-cli would be found")
        alone = os.path.join(self.dir, "alone")
        os.makedirs(alone)
        shutil.copy(BIN, alone)
        self.alone = os.path.join(alone, "mcp-report")
        self.cfg = self.write_config('[mcp]\nmcp_id = "from_file"\n'
                                     '[interaction_logging]\nsync = false\n')
        self.data = os.path.join(self.dir, "data.json")
        with open(self.data, "w") as f:
            f.write('{"from": "file"}')

    def run_one(self, binary, args, tag, trace_env):
        spool = os.path.join(self.dir, "spool-" + tag)
        shutil.rmtree(spool, ignore_errors=True)
        subst = {"@CFG@": self.cfg, "@SPOOL@": spool, "@DATA@": self.data,
                 "@MISSING@": os.path.join(self.dir, "missing")}
        argv = []
        for a in args:
            for k, v in subst.items():
                a = a.replace(k, v)
            argv.append(a)
        env = dict(self.env, MCP_REPORT_SPOOL_DIR=spool, **trace_env)
        r = subprocess.run([binary, *argv], env=env, input='{"from": "stdin"}',
                           capture_output=True, text=True, cwd=self.cwd, timeout=30)

        def same(text):
            text = text.replace(spool, "SPOOL").replace(binary, "BIN")
            text = re.sub(r"\d{16}-[0-9a-f]{12}\.", "NAME.", text)  # a spool file's name
            # A generated id's traceparent (--print-traceparent) is derived from it.
            text = re.sub(r"(int_\d+_[0-9a-f]{8}) 00-[0-9a-f]{32}-[0-9a-f]{16}-",
                          r"\1 00-TRACE-SPAN-", text)
            return re.sub(r"int_\d+_[0-9a-f]{8}", "int_ID", text)
        events = []
        queue = os.path.join(spool, "queue")
        for name in sorted(os.listdir(queue)) if os.path.isdir(queue) else []:
            with open(os.path.join(queue, name)) as f:
                body = json.loads(f.read())
            body["timestamp"] = 0
            events.append(same(json.dumps(body)))
        return r.returncode, same(r.stdout), same(r.stderr), events

    def check_part(self, part):
        """Part `part` of PARTS of the generated command lines: every
        PARTS-th of one sequence, so that ctest runs the parts side by side
        as shards of this file (tests/CMakeLists.txt)."""
        rng = random.Random(20261203)
        lines = [(command_line(rng), rng.choice(TRACE_ENVS)) for _ in range(CASES)]
        mine_part = lines[part::PARTS]
        fast = 0
        for args, trace_env in mine_part:
            mine = self.run_one(self.alone, args, "fast", trace_env)
            if mine[0] == 69 and "mcp-report-cli" in mine[2]:
                continue  # handed over: mcp-report-cli itself runs it
            fast += 1
            theirs = self.run_one(FULL, args, "cli", trace_env)
            self.assertEqual(mine, theirs, "command line: %r, %r" % (args, trace_env))
        print("\nrecorder: %d of %d command lines recorded without CLI11, each as "
              "mcp-report-cli records it" % (fast, len(mine_part)))
        self.assertGreater(fast, len(mine_part) // 4)


PARTS = 4
for _part in range(PARTS):
    def _test(self, part=_part):
        self.check_part(part)
    _test.__name__ = "test_the_fast_path_means_what_cli11_means_%d_of_%d" % (_part + 1, PARTS)
    setattr(RecorderTest, _test.__name__, _test)
del _part, _test


if __name__ == "__main__":
    unittest.main()
