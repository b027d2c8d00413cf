"""Configuration through the real binary: the old reporter's file unchanged,
discovery, precedence, `config`, and every error's line and exit status."""
import os
import shutil
import time

from harness import SOURCE, Case

OLD_CONFIG = """# mcp_config.toml
[mcp]
mcp_id = "your_mcp_001"
name = "Your MCP"
version = "1.0.0"

[interaction_logging]
# 可选启用交互日志功能
enable_interaction_logging = false  # 默认关闭
coordinator_url = "http://mcp-coordinator:8080"
coordinator_api_key = "your_api_key_here"

# 高级配置
max_retries = 3
retry_delay = 1.0
local_cache_path = "./data/interaction_cache.db"
"""


class ConfigTest(Case):
    def setUp(self):
        super().setUp()
        # Only the config file speaks in these tests.
        del self.env["MCP_REPORT_SPOOL_DIR"]
        del self.env["MCP_REPORT_MCP_ID"]

    def test_old_config_file_found_in_the_working_folder_and_loaded_unchanged(self):
        with open(os.path.join(self.cwd, "mcp_config.toml"), "w") as f:
            f.write(OLD_CONFIG)
        os.chmod(os.path.join(self.cwd, "mcp_config.toml"), 0o600)
        # Disabled, as the file says: start prints an id and writes nothing.
        r = self.ok("start", "a=1")
        self.assertRegex(r.stdout, r"^int_\d+_[0-9a-f]{8}\n$")
        self.assertEqual(r.stderr, "")
        spool = os.path.join(self.cwd, "data", "interaction_cache.spool")
        self.assertFalse(os.path.exists(spool))
        # Enabled from the environment: the spool follows local_cache_path.
        self.ok("start", "a=1", env={"MCP_REPORT_ENABLED": "1"})
        [name] = os.listdir(os.path.join(spool, "queue"))
        with open(os.path.join(spool, "queue", name)) as f:
            self.assertIn('"mcp_id": "your_mcp_001"', f.read())

    def test_config_shows_values_with_sources_and_hides_the_key(self):
        cfg = self.write_config(OLD_CONFIG)
        r = self.ok("-c", cfg, "config", env={"MCP_REPORT_URL": "https://elsewhere"})
        self.assertNotIn("your_api_key_here", r.stdout + r.stderr)
        lines = {l.split()[0]: l for l in r.stdout.splitlines()}
        self.assertIn("***", lines["interaction_logging.coordinator_api_key"])
        self.assertIn("(%s:11)" % cfg, lines["interaction_logging.coordinator_api_key"])
        self.assertIn("(environment MCP_REPORT_URL)", lines["interaction_logging.coordinator_url"])
        self.assertIn("(default)", lines["interaction_logging.rate_limit"])
        self.assertIn(os.path.join(self.dir, "data", "interaction_cache.db"),
                      lines["interaction_logging.local_cache_path"])
        r = self.ok("-c", cfg, "--spool", "/x/y", "config")
        self.assertIn("(flag --spool)", r.stdout)

    def test_syntax_error_is_78_with_file_line_column(self):
        cfg = self.write_config("[mcp]\nmcp_id = \"a\"\n[interaction_logging\n")
        r = self.fails(78, "-c", cfg, "start")
        self.assertIn("%s:3:" % cfg, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1)

    def test_wrong_type_is_78_naming_the_key(self):
        cfg = self.write_config("[mcp]\nmcp_id = \"a\"\n[interaction_logging]\nmax_retries = \"three\"\n")
        r = self.fails(78, "-c", cfg, "start")
        self.assertIn("max_retries", r.stderr)
        self.assertIn("%s:4" % cfg, r.stderr)
        # Our tables too: a value where [interaction_logging] belongs.
        for text in ['interaction_logging = 3\n', 'mcp = "x"\n']:
            r = self.fails(78, "-c", self.write_config(text), "config")
            self.assertIn("expected a table", r.stderr)

    def test_missing_named_config_is_78(self):
        nope = os.path.join(self.dir, "nope.toml")
        r = self.fails(78, "-c", nope, "start")
        self.assertIn("--config %s: No such file" % nope, r.stderr)
        r = self.fails(78, "start", env={"MCP_REPORT_CONFIG": nope})
        self.assertIn("MCP_REPORT_CONFIG=%s: No such file" % nope, r.stderr)

    def test_config_names_where_the_file_name_came_from(self):
        cfg = self.write_config(OLD_CONFIG)
        def source(*args, env=None):
            line = [l for l in self.ok(*args, "config", env=env).stdout.splitlines()
                    if l.startswith("config_file")][0]
            self.assertIn(cfg if "search" not in line else "mcp_config.toml", line)
            return line[line.rindex("("):]
        self.assertEqual(source("-c", cfg), "(flag --config)")
        self.assertEqual(source(env={"MCP_REPORT_CONFIG": cfg}), "(environment MCP_REPORT_CONFIG)")
        shutil.copy(cfg, os.path.join(self.cwd, "mcp_config.toml"))
        self.assertEqual(source(), "(search)")

    def test_unknown_key_is_a_warning_with_file_and_line(self):
        cfg = self.write_config("[mcp]\nmcp_id = \"a\"\nmcpid = \"typo\"\n")
        r = self.ok("-c", cfg, "--spool", self.spool, "config")
        self.assertIn("warning: %s:3:1: unknown key in [mcp] (ignored; did you mean 'mcp_id'?)"
                      % cfg, r.stderr)
        r = self.ok("-c", cfg, "--spool", self.spool, "-q", "config")
        self.assertEqual(r.stderr, "")

    def test_key_readable_by_others_is_a_warning(self):
        cfg = self.write_config("[mcp]\nmcp_id = \"a\"\n[interaction_logging]\n"
                                "coordinator_api_key = \"s3cret-k\"\n", mode=0o644)
        r = self.ok("-c", cfg, "--spool", self.spool, "config")
        self.assertIn("%s holds coordinator_api_key: others can read it (chmod o-r %s)"
                      % (cfg, cfg), r.stderr)
        self.assertNotIn("s3cret-k", r.stderr)

    def test_recording_commands_print_no_config_warnings(self):
        """The old file often holds the application's own settings, and its
        key may be readable: a wrapper must not print four lines per event.
        The commands that use the key or deliver say each warning once."""
        c = self.coordinator()
        cfg = self.write_config(
            "[mcp]\nmcp_id = \"a\"\n[app]\ndb = \"x\"\n[interaction_logging]\n"
            "coordinator_url = \"%s\"\ncoordinator_api_key = \"%s\"\ntheme = \"dark\"\n"
            "cache_size = 3\n" % (c.url, self.env["MCP_REPORT_API_KEY"]), mode=0o644)
        warnings = [":3:2: unknown table", ":8:1: unknown key in [interaction_logging]",
                    ":9:1: unknown key in [interaction_logging]", "others can read it"]
        for args in (["start", "--id", "w1"], ["progress", "w1"], ["complete", "w1"],
                     ["error", "w1"], ["run", "--", "true"], ["start", "--data", "{}"]):
            r = self.ok("-c", cfg, "--spool", self.spool, *args)
            self.assertEqual(r.stderr, "", args)
        # Not even with -v, which says what was spooled.
        r = self.ok("-c", cfg, "--spool", self.spool, "-v", "start", "--id", "w2")
        self.assertNotIn("warning", r.stderr)
        r = self.ok("-c", cfg, "--spool", self.spool, "import", "-",
                    input='{"action": "interaction_start", "interaction_id": "i", '
                          '"mcp_id": "a", "timestamp": %.6f, "request_data": {}}\n' % time.time())
        self.assertEqual(r.stderr, "")
        for args in (["flush"], ["health"], ["validate-key"], ["config"]):
            r = self.run_cli("-c", cfg, "--spool", self.spool, *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            for w in warnings:
                self.assertEqual(r.stderr.count(w), 1, (args, w, r.stderr))
            self.assertEqual(len(r.stderr.splitlines()), 4, (args, r.stderr))
        # Commands that only look say the unknown keys with -v, never the key's file.
        self.assertEqual(self.ok("-c", cfg, "--spool", self.spool, "status").stderr, "")
        r = self.ok("-c", cfg, "--spool", self.spool, "-v", "status")
        self.assertEqual(len(r.stderr.splitlines()), 3, r.stderr)
        self.assertNotIn("others can read", r.stderr)

    def test_a_key_shared_with_the_service_group_draws_no_advice(self):
        """0640 root:service-group is how a secret is shared with a service
        account: no warning (and no 'chmod 600' that would lock it out)."""
        c = self.coordinator()
        key = os.path.join(self.dir, "key")
        with open(key, "w") as f:
            f.write(self.env["MCP_REPORT_API_KEY"] + "\n")
        os.chown(key, 0, 1)  # root:daemon, say
        os.chmod(key, 0o640)
        cfg = self.write_config('[mcp]\nmcp_id = "svc"\n[interaction_logging]\n'
                                'coordinator_url = "%s"\napi_key_file = "%s"\n' % (c.url, key),
                                mode=0o640)
        env = {"MCP_REPORT_API_KEY": None}
        self.ok("-c", cfg, "start", "--id", "g")
        for args in (["config"], ["flush"], ["health"], ["validate-key"]):
            r = self.ok("-c", cfg, *args, env=env)
            self.assertEqual(r.stderr, "", args)
        os.chmod(key, 0o644)
        r = self.ok("-c", cfg, "config", env=env)
        self.assertEqual(r.stderr, "mcp-report: warning: api_key_file %s: others can read it "
                                   "(chmod o-r %s)\n" % (key, key))

    def test_the_docs_give_the_default_of_enable_interaction_logging_the_binary_has(self):
        """Without the key, logging is on: the binary, the man page and the
        README say so alike (the README once called false the default)."""
        r = self.ok("--mcp-id", "m", "-c", "/dev/null", "config")
        [line] = [l for l in r.stdout.splitlines() if "enable_interaction_logging" in l]
        self.assertEqual(line.split()[1:], ["true", "(default)"])
        with open(os.path.join(SOURCE, "man", "mcp-report.1")) as f:
            man = f.read()
        self.assertIn("enable_interaction_logging \" (true when nothing says otherwise)\"", man)
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        lines = [l for l in readme.splitlines() if "enable_interaction_logging" in l]
        self.assertTrue(any("default true" in l or "logging is on" in l for l in lines), lines)
        self.assertFalse(any("old default" in l for l in lines), lines)

    def test_plain_http_to_a_remote_host_is_a_warning(self):
        cfg = self.write_config("[interaction_logging]\ncoordinator_url = \"http://coord.example\"\n")
        r = self.ok("-c", cfg, "config")
        self.assertIn("plain http", r.stderr)
        cfg = self.write_config("[interaction_logging]\ncoordinator_url = \"http://127.0.0.1:9\"\n",
                                name="local.toml")
        self.assertNotIn("plain http", self.ok("-c", cfg, "config").stderr)

    def test_relative_paths_are_relative_to_the_file(self):
        sub = os.path.join(self.dir, "etc")
        os.makedirs(sub)
        cfg = os.path.join(sub, "c.toml")
        with open(cfg, "w") as f:
            f.write("[mcp]\nmcp_id = \"r\"\n[interaction_logging]\nspool_dir = \"spool-here\"\n")
        self.ok("-c", cfg, "start")
        self.assertTrue(os.path.isdir(os.path.join(sub, "spool-here", "queue")))

    def test_xdg_default_spool(self):
        self.ok("--mcp-id", "m", "start", env={"XDG_STATE_HOME": os.path.join(self.dir, "state")})
        self.assertEqual(len(os.listdir(os.path.join(self.dir, "state", "mcp-report", "spool",
                                                     "queue"))), 1)
        self.ok("--mcp-id", "m", "start")
        self.assertEqual(len(os.listdir(os.path.join(self.home, ".local", "state", "mcp-report",
                                                     "spool", "queue"))), 1)

    def test_xdg_config_file(self):
        d = os.path.join(self.home, ".config", "mcp-report")
        os.makedirs(d, exist_ok=True)  # the harness made it, with an empty config
        with open(os.path.join(d, "config.toml"), "w") as f:
            f.write("[mcp]\nmcp_id = \"from-xdg\"\n")
        r = self.ok("config")
        self.assertIn("from-xdg", r.stdout)

    def test_api_key_file_and_no_key_in_output(self):
        key = os.path.join(self.dir, "key")
        with open(key, "w") as f:
            f.write("file-key-123\n")
        cfg = self.write_config("[interaction_logging]\napi_key_file = \"key\"\n"
                                "coordinator_url = \"http://127.0.0.1:1\"\n")
        r = self.ok("-c", cfg, "config")
        self.assertNotIn("file-key-123", r.stdout + r.stderr)
        r = self.fails(69, "-c", cfg, "validate-key")
        self.assertNotIn("file-key-123", r.stdout + r.stderr)
        cfg2 = self.write_config("[interaction_logging]\napi_key_file = \"missing\"\n"
                                 "coordinator_url = \"http://127.0.0.1:1\"\n", name="c2.toml")
        self.fails(78, "-c", cfg2, "validate-key")

    def test_bad_mcp_id_from_any_source_writes_nothing(self):
        for env, args in [({"MCP_REPORT_MCP_ID": b"\xff"}, ()),
                          ({}, ("--mcp-id", b"\xc3")),
                          ({"MCP_REPORT_MCP_ID": "a\nb"}, ()),
                          ({"MCP_REPORT_MCP_ID": "x" * 129}, ())]:
            r = self.run_cli(*args, "start", "a=1", env=env)
            self.assertEqual(r.returncode, 78, (env, args, r.stderr))
            self.assertIn("mcp_id", r.stderr)
        queue = os.path.join(self.spool, "queue")
        self.assertEqual(os.listdir(queue) if os.path.isdir(queue) else [], [])

    def test_control_characters_in_key_or_url_are_78(self):
        self.env["MCP_REPORT_URL"] = "http://127.0.0.1:9/"
        r = self.run_cli("validate-key", env={"MCP_REPORT_API_KEY": "k\r\nX-Evil: 1"})
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertNotIn("X-Evil", r.stderr)
        path = self.write_config('[interaction_logging]\ncoordinator_api_key = "k\\r\\nX-Evil: 1"\n')
        self.assertEqual(self.run_cli("-c", path, "health").returncode, 78)
        for url in ["ftp://x", "not a url", "http://exa mple/", "http://h\x01/",
                    "http://h/?token=q", "http://h/base#frag"]:
            r = self.run_cli("health", env={"MCP_REPORT_URL": url, "MCP_REPORT_API_KEY": "k"})
            self.assertEqual(r.returncode, 78, (url, r.stderr))

    def test_a_missing_ca_file_is_78_before_anything_is_sent(self):
        self.ok("--mcp-id", "m", "--spool", self.spool, "start", "--id", "kept")
        for ca in [os.path.join(self.dir, "none.crt"), self.dir]:
            path = self.write_config('[interaction_logging]\ncoordinator_url = "https://127.0.0.1:9"'
                                     '\ncoordinator_api_key = "k"\nca_file = "%s"\n' % ca)
            for command in ["health", "validate-key", "flush"]:
                r = self.run_cli("-c", path, "--spool", self.spool, command)
                self.assertEqual(r.returncode, 78, (ca, command, r.stderr))
                self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
                self.assertIn("ca_file " + ca, r.stderr)
        self.assertEqual(len(self.files()), 1)

    def test_a_directory_given_as_a_file_is_one_line(self):
        for args, env, code in [(("-c", self.dir, "config"), {}, 78),
                                (("config",), {"MCP_REPORT_CONFIG": self.dir}, 78),
                                (("import", self.dir), {}, 66)]:
            r = self.run_cli(*args, env=env)
            self.assertEqual(r.returncode, code, (args, r.stderr))
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn("is a directory", r.stderr)

    def test_looking_commands_never_create_a_spool(self):
        missing = os.path.join(self.dir, "typo", "deeper")
        for args in [("status",), ("status", "--json"), ("list",), ("show", "x"), ("cleanup",),
                     ("requeue", "--all"), ("delete", "--state", "dead")]:
            r = self.run_cli(*args, env={"MCP_REPORT_SPOOL_DIR": missing})
            self.assertEqual(r.returncode, 66, (args, r.stderr))
            self.assertIn("does not exist", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "typo")))

    def test_a_leading_tilde_is_the_home_folder_in_every_source(self):
        home = os.path.join(self.dir, "tilde-home")
        os.makedirs(home)
        path = self.write_config('[mcp]\nmcp_id = "x"\n[interaction_logging]\n'
                                 'spool_dir = "~/sp"\napi_key_file = "~/.mcp-key"\n')
        out = self.ok("-c", path, "config", env={"HOME": home, "MCP_REPORT_SPOOL_DIR": None}).stdout
        self.assertIn(os.path.join(home, "sp") + " ", out)
        self.assertIn(os.path.join(home, ".mcp-key") + " ", out)
        # (MCP_REPORT_CONFIG: the test's empty file, as this HOME has none.)
        self.ok("--mcp-id", "x", "start", "a=1", env={"HOME": home, "MCP_REPORT_SPOOL_DIR": "~/sp2",
                                                      "MCP_REPORT_CONFIG": self.user_config})
        self.assertTrue(os.path.isdir(os.path.join(home, "sp2", "queue")))
        self.assertFalse(os.path.exists("~"))
