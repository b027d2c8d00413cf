"""crashfs from the tests: a folder mounted over FUSE that loses power on
command (tests/crashfs/crashfs.cc says what survives a power loss there).

    m = Mount(backing, mountpoint, cut_after=5)
    m.run([BIN, "start"], env=...)    # under crashfs-run: syncfs is seen
    report = m.power_off()            # backing now holds the durable image
"""
import os
import signal
import subprocess

CRASHFS = os.environ.get("MCP_REPORT_CRASHFS", "")
CRASHFS_RUN = os.path.join(os.path.dirname(CRASHFS), "crashfs-run") if CRASHFS else ""


def missing():
    """Why crashfs cannot run here, or None. The tests fail with it: a
    power-loss suite that quietly skips would prove nothing."""
    if not CRASHFS or not os.access(CRASHFS, os.X_OK):
        return ("crashfs was not built: libfuse3-dev was not found when the build was "
                "configured (scripts/install-deps.sh installs it)")
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing: crashfs needs FUSE (a container needs --device /dev/fuse)"
    return None


class MountError(RuntimeError):
    pass


class Mount:
    """crashfs over `mountpoint`, passing through to `backing`."""

    def __init__(self, backing, mountpoint, cut_after=None, cut_at=None, commit_prefix=None,
                 trace=None):
        os.makedirs(mountpoint, exist_ok=True)
        self.mountpoint = mountpoint
        self.control = os.path.join(mountpoint, ".crashfs")
        self.report_path = mountpoint.rstrip("/") + ".report"
        argv = [CRASHFS, "--report", self.report_path]
        if cut_after is not None:
            argv += ["--cut-after", str(cut_after)]
        if cut_at is not None:
            argv += ["--cut-at", cut_at]
        if commit_prefix is not None:
            argv += ["--commit-prefix", str(commit_prefix)]
        if trace:
            argv += ["--trace", trace]
        self.proc = subprocess.Popen(argv + [backing, mountpoint], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "mounted":
            self.proc.kill()
            _, err = self.proc.communicate()
            raise MountError("crashfs could not mount %s: %s" % (mountpoint, err.strip()))
        self.mounted = True

    def argv(self, argv):
        """`argv` under crashfs-run, so that its syncfs and sync reach crashfs."""
        return [CRASHFS_RUN, self.control, "--", *argv]

    def run(self, argv, **kw):
        return subprocess.run(self.argv(argv), **kw)

    def popen(self, argv, **kw):
        return subprocess.Popen(self.argv(argv), **kw)

    def power_off(self):
        """Unmounts; the backing folder then holds only what was durable.
        Returns crashfs's report: {"operations": N, "cut": bool}."""
        if not self.mounted:
            return self.report
        self.mounted = False
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            subprocess.run(["umount", "-l", self.mountpoint], stderr=subprocess.DEVNULL)
            raise MountError("crashfs did not stop")
        self.proc.stdout.close()
        self.proc.stderr.close()
        with open(self.report_path) as f:
            fields = dict(line.split() for line in f if line.strip())
        self.report = {"operations": int(fields["operations"]), "cut": fields["cut"] == "1"}
        return self.report

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.mounted:
            self.power_off()
