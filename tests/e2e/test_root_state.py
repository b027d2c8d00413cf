"""The spool's root state (state.json: the Retry-After hold, the last run,
the counters) changed by two real processes at once: a `flush --follow`
that holds for a Retry-After, and an operator's `requeue` that clears the
hold (man page DELIVERY, "Holds are bounded"; FILES)."""
import json
import os
import signal
import subprocess
import time

from harness import BIN, Case, wait_until


class RootStateTest(Case):
    def state(self):
        try:
            with open(os.path.join(self.spool, "state.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def wait_for(self, cond, what):
        wait_until(cond, what)

    def held_follower(self, c):
        """A follower held by a 429 with Retry-After 600, and a coordinator
        that accepts everything from now on."""
        c.control(always=429, retry_after="600")
        self.ok("start", "--id", "held")
        p = subprocess.Popen([BIN, "flush", "--follow"], env=self.env, cwd=self.cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.wait_for(lambda: self.state().get("hold_until", 0) > time.time() + 500,
                      "the follower kept the Retry-After hold")
        # The coordinator is back; the operator says "try now". (Were it
        # still answering 429, a follower that heard the "try now" could
        # rightly be held again before it stops.)
        c.control(always=0)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 0, err)

    def test_a_hold_cleared_by_requeue_stays_cleared_when_the_follower_stops(self):
        c = self.coordinator()
        p = self.held_follower(c)
        try:
            self.ok("requeue", "--all")
            self.assertEqual(self.state()["hold_until"], 0)
        finally:
            self.stop(p)
        self.assertEqual(self.state()["hold_until"], 0)
        self.assertIsNone(json.loads(self.ok("status", "--json").stdout)["hold_until"])

    def test_a_follower_hears_the_requeue_and_sends_now(self):
        c = self.coordinator()
        p = self.held_follower(c)
        try:
            self.ok("requeue", "--all")
            self.wait_for(lambda: len(c.received()) == 1, "the event was sent after the requeue")
        finally:
            self.stop(p)
        self.assertEqual(self.files(), [])
        self.assertEqual(self.state()["hold_until"], 0)
