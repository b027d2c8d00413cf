"""The stdio proxy's session end through the real binary: a signal after
the server exited, what the spool writer could not write by then, and the
counts that say so (man page PROXY, "The end of a session")."""
import json
import os
import signal
import subprocess
import sys
import unittest

from harness import BIN, Case

# Answers every tools/call at once (its result is its params) and exits at EOF.
ANSWERING = ("import sys\nout = sys.stdout.buffer\nfor line in sys.stdin.buffer:\n"
             "    out.write(line.replace(b'\"method\":\"tools/call\",\"params\":', b'\"result\":'))\n"
             "    out.flush()\n")


def calls(n):
    return b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo",'
                    b'"arguments":{"i":%d}}}\n' % (i, i) for i in range(1, n + 1))


class ProxySessionEndTest(Case):
    def counts(self):
        status = json.loads(self.ok("status", "--json").stdout)
        return status["proxy_dropped"], status["proxy_unseen_messages"]

    def test_a_signal_after_the_server_exited_ends_the_drain_not_the_proxy(self):
        # The client's stdout ends when the server's does: the proxy is then
        # finishing its queue (or done). A signal there must not kill it: the
        # exit status stays the server's, and every event is either in the
        # queue or counted as dropped, with the reason.
        n = 2000
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1):
            with self.subTest(signal=sig.name):
                for name in os.listdir(os.path.join(self.spool, "queue")) \
                        if os.path.isdir(os.path.join(self.spool, "queue")) else []:
                    os.unlink(os.path.join(self.spool, "queue", name))
                before = self.counts() if os.path.isdir(self.spool) else (0, 0)
                proc = subprocess.Popen([BIN, "proxy", "--", sys.executable, "-c", ANSWERING],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
                proc.stdin.write(calls(n))
                proc.stdin.close()
                answers = proc.stdout.read()  # to EOF: the server has exited
                proc.send_signal(sig)
                err = proc.stderr.read()
                self.assertEqual(proc.wait(60), 0, err)
                self.assertEqual(answers.count(b"\n"), n)
                dropped, unseen = (a - b for a, b in zip(self.counts(), before))
                recorded = len(self.files())
                if unseen == 0:
                    self.assertEqual(recorded + dropped, 2 * n, err)
                if dropped or unseen:
                    self.assertIn(b"events not recorded", err)
                    self.assertIn(b"after the server exited", err)
                    self.assertNotIn(b"queue full", err)


if __name__ == "__main__":
    unittest.main()
