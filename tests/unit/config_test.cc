#include "src/config/config.h"

#include <sys/stat.h>

#include <fstream>
#include <map>

#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

class ConfigTest : public TempDirTest {
 protected:
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path(name)) << text;
    ::chmod(path(name).c_str(), mode);
    return path(name);
  }
  static ConfigOverrides file(const std::string& f) {
    ConfigOverrides o;
    o.config_file = f;
    return o;
  }
  // Loads as the binary would with only `env` and HOME (the test's folder)
  // in the environment, searching the test's folder for mcp_config.toml and
  // the system file (etc/mcp-report/config.toml in it): never the
  // machine's configuration or the caller's environment.
  Config load(const ConfigOverrides& o, std::map<std::string, std::string> env = {}) {
    env.emplace("HOME", dir_);
    ConfigSearch search;
    search.working_dir_file = path("mcp_config.toml");
    search.system_file = path("etc/mcp-report/config.toml");
    return load_config(
        o,
        [env](const char* name) -> const char* {
          auto it = env.find(name);
          return it == env.end() ? nullptr : it->second.c_str();
        },
        search);
  }
  // The Failure message of loading `text`, or "" when it loads.
  std::string error_of(const std::string& text) {
    std::string f = write("bad.toml", text);
    try {
      load(file(f));
    } catch (const Failure& e) {
      EXPECT_EQ(e.exit_code(), kExitConfig);
      return std::string(e.what()).substr(f.size());
    }
    return "";
  }
};

const char kOldConfig[] = R"(# mcp_config.toml
[mcp]
mcp_id = "your_mcp_001"
name = "Your MCP"
version = "1.0.0"

[interaction_logging]
enable_interaction_logging = false  # 默认关闭
coordinator_url = "http://mcp-coordinator:8080"
coordinator_api_key = "your_api_key_here"

max_retries = 3
retry_delay = 1.0
local_cache_path = "./data/interaction_cache.db"
)";

TEST_F(ConfigTest, TheOldReportersFileLoadsAsItIs) {
  Config c = load(file(write("mcp_config.toml", kOldConfig)));
  EXPECT_EQ(c.mcp_id, "your_mcp_001");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.coordinator_url(), "http://mcp-coordinator:8080");
  EXPECT_EQ(c.resolve_api_key(), "your_api_key_here");
  EXPECT_EQ(c.max_retries, 3);
  EXPECT_DOUBLE_EQ(c.retry_delay, 1.0);
  // Relative to the file's folder; .db becomes .spool.
  EXPECT_EQ(c.spool_path(), dir_ + "/data/interaction_cache.spool");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.origin("interaction_logging.max_retries").describe(),
            path("mcp_config.toml") + ":12");
}

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  Config c = load(ConfigOverrides());
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.max_retries, 3);
  EXPECT_EQ(c.rate_limit, 10);
  EXPECT_EQ(c.concurrency, 4);
  EXPECT_DOUBLE_EQ(c.timeout, 5.0);
  EXPECT_DOUBLE_EQ(c.max_backoff, 300.0);
  EXPECT_EQ(c.max_event_kb, 1024);
  EXPECT_EQ(c.min_free_mb, 64);
  EXPECT_TRUE(c.sync);
  EXPECT_EQ(c.spool_path(), dir_ + "/.local/state/mcp-report/spool");
  EXPECT_EQ(c.origin("interaction_logging.rate_limit").describe(), "default");
}

// The search reads the places it is given, in order: the working folder's
// mcp_config.toml, $XDG_CONFIG_HOME's (~/.config's), the system file.
TEST_F(ConfigTest, TheSearchReadsOnlyThePlacesItIsGiven) {
  ASSERT_EQ(::mkdir(path("etc").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(path("etc/mcp-report").c_str(), 0700), 0);
  write("etc/mcp-report/config.toml", "[mcp]\nmcp_id = \"system\"\n");
  EXPECT_EQ(load(ConfigOverrides()).mcp_id, "system");
  EXPECT_EQ(load(ConfigOverrides()).file_origin.kind, Origin::kDefault);
  ASSERT_EQ(::mkdir(path(".config").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(path(".config/mcp-report").c_str(), 0700), 0);
  write(".config/mcp-report/config.toml", "[mcp]\nmcp_id = \"user\"\n");
  EXPECT_EQ(load(ConfigOverrides()).mcp_id, "user");
  write("mcp_config.toml", "[mcp]\nmcp_id = \"here\"\n");
  EXPECT_EQ(load(ConfigOverrides()).mcp_id, "here");
}

TEST_F(ConfigTest, PrecedenceFlagsThenEnvironmentThenFile) {
  std::string f = write("c.toml",
                        "[mcp]\nmcp_id = \"from-file\"\n[interaction_logging]\n"
                        "spool_dir = \"/file/spool\"\ncoordinator_url = \"http://f\"\n");
  Config c =
      load(file(f), {{"MCP_REPORT_MCP_ID", "from-env"}, {"MCP_REPORT_SPOOL_DIR", "/env/spool"}});
  EXPECT_EQ(c.mcp_id, "from-env");
  EXPECT_EQ(c.spool_path(), "/env/spool");
  EXPECT_EQ(c.url, "http://f");
  EXPECT_EQ(c.origin("mcp.mcp_id").describe(), "environment MCP_REPORT_MCP_ID");
  ConfigOverrides flags = file(f);
  flags.spool_dir = "/flag/spool";
  flags.mcp_id = "from-flag";
  Config d = load(flags, {{"MCP_REPORT_MCP_ID", "from-env"}});
  EXPECT_EQ(d.mcp_id, "from-flag");
  EXPECT_EQ(d.spool_path(), "/flag/spool");
  EXPECT_EQ(d.origin("interaction_logging.spool_dir").describe(), "flag --spool");
}

TEST_F(ConfigTest, ConfigFileFromTheEnvironment) {
  std::string f = write("env.toml", "[mcp]\nmcp_id = \"e\"\n");
  EXPECT_EQ(load(ConfigOverrides(), {{"MCP_REPORT_CONFIG", f}}).mcp_id, "e");
}

TEST_F(ConfigTest, XdgConfigFileIsFound) {
  std::filesystem::create_directories(path("xdg/mcp-report"));
  write("xdg/mcp-report/config.toml", "[mcp]\nmcp_id = \"x\"\n");
  EXPECT_EQ(load(ConfigOverrides(), {{"XDG_CONFIG_HOME", path("xdg")}}).mcp_id, "x");
}

TEST_F(ConfigTest, NamedFileThatIsMissingIs78) {
  try {
    load(file(path("missing.toml")));
    FAIL();
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitConfig);
    EXPECT_EQ(std::string(f.what()), "--config " + path("missing.toml") + ": No such file or directory");
  }
}

TEST_F(ConfigTest, ErrorsNameTheFileLineAndKey) {
  EXPECT_EQ(error_of("[mcp]\nmcp_id = \n"), ":2:10: expected value, saw '\\n'");
  EXPECT_EQ(error_of("[interaction_logging]\nmax_retries = \"three\"\n"),
            ":2: interaction_logging.max_retries: expected an integer, not a string");
  EXPECT_EQ(error_of("[interaction_logging]\nsync = 1\n"),
            ":2: interaction_logging.sync: expected a boolean, not an integer");
  EXPECT_EQ(error_of("[interaction_logging]\ncoordinator_url = 8080\n"),
            ":2: interaction_logging.coordinator_url: expected a string, not an integer");
  EXPECT_EQ(error_of("[interaction_logging]\nretry_delay = \"1s\"\n"),
            ":2: interaction_logging.retry_delay: expected a number, not a string");
  EXPECT_EQ(error_of("[interaction_logging]\nconcurrency = 0\n"),
            ":2: interaction_logging.concurrency: must be at least 1");
  EXPECT_EQ(error_of("[interaction_logging]\nmax_retries = -1\n"),
            ":2: interaction_logging.max_retries: must be 0 or more");
  EXPECT_EQ(error_of("[interaction_logging]\ntimeout = 0\n"),
            ":2: interaction_logging.timeout: must be at least 0.001");
  // Above 0 but below the least: the message says the least, not "above 0".
  EXPECT_EQ(error_of("[interaction_logging]\nmax_age_days = 0.0001\n"),
            ":2: interaction_logging.max_age_days: must be at least 0.001");
  EXPECT_EQ(
      error_of("[interaction_logging]\nmax_retries = [1]\n"),
      ":2:15: interaction_logging.max_retries: expected a value of its own type, not an array");
}

TEST_F(ConfigTest, NumbersThatAreNotFiniteAre78) {
  // TOML has nan and inf; a timeout of nan would be no timeout at all.
  for (const char* key : {"timeout", "retry_delay", "max_backoff", "rate_period", "max_age_days",
                          "quiet_outage"})
    for (const char* value : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"})
      EXPECT_EQ(error_of(std::string("[interaction_logging]\n") + key + " = " + value + "\n"),
                std::string(":2: interaction_logging.") + key +
                    ": must be a finite number (not nan or inf)")
          << key << " = " << value;
}

TEST_F(ConfigTest, NonAsciiOnlyInStringsAndComments) {
  // Fine in strings and comments (the old file's comments are Chinese).
  Config c = load(file(write("ok.toml",
                             "# 配置 é\n[mcp] # 注释\nmcp_id = \"é☃\"\nname = 'ü'\n"
                             "version = \"\"\"\n多行 \\\" \"\"\"\n")));
  EXPECT_EQ(c.mcp_id, "é☃");
  EXPECT_EQ(load(file(write("bom.toml", "\xef\xbb\xbf[mcp]\nmcp_id = \"b\"\n"))).mcp_id, "b");
  // Refused elsewhere, before the TOML parser sees them.
  EXPECT_EQ(error_of("[mcp]\nmcp_id = é\n"),
            ":2:10: a character outside ASCII may only stand in a string or a comment");
  EXPECT_EQ(error_of("\xef\xbb\xbd[mcp]\n"),
            ":1:1: a character outside ASCII may only stand in a string or a comment");
  // A quote inside a bare value starts no string for TOML: what follows is
  // not in a string either (toml++ reached its unreachable on the é; found
  // by the 10^7-input run of fuzz_config).
  EXPECT_EQ(error_of("[other]\nx = [0FF'FF\xc3\xa9\x00F, {a = 1}]\n"),
            ":2:12: a character outside ASCII may only stand in a string or a comment");
  EXPECT_EQ(error_of("[other]\nx = 1'\xc3\xa9'\n"),
            ":2:7: a character outside ASCII may only stand in a string or a comment");
  // After a line-ending backslash in a multi-line string toml++ looked for
  // whitespace and reached its unreachable on the é (found by fuzz_config);
  // it is given the string's value in ASCII escapes.
  EXPECT_EQ(load(file(write("ml.toml", "[mcp]\nmcp_id = \"\"\"\\\n  \xc3\xa9\"\"\"\n"))).mcp_id,
            "\xc3\xa9");
  EXPECT_EQ(load(file(write("ml2.toml", "[mcp]\nversion = '''\\\n \xc3\xa9'''\n"))).version,
            "\\\n \xc3\xa9");
  // Strings that start after = [ , { . or at the start of a line are strings.
  Config quoted = load(file(write("q.toml", "[mcp]\nmcp_id = \"m\"\n[other]\na.'é' = 1\n"
                                            "x = [\n  'é',\n  \"ü\", {k = 'ß'}]\n")));
  EXPECT_EQ(quoted.mcp_id, "m");
}

TEST_F(ConfigTest, AFloatKeyTakesAnInteger) {
  Config c =
      load(file(write("c.toml", "[interaction_logging]\nretry_delay = 2\nmax_age_days = 1\n")));
  EXPECT_DOUBLE_EQ(c.retry_delay, 2.0);
  EXPECT_DOUBLE_EQ(c.max_age_days, 1.0);
}

TEST_F(ConfigTest, UnknownKeysAreWarningsWithFileAndLine) {
  Config c =
      load(file(write("c.toml", "[mcp]\nmcp_id = \"m\"\ncolour = \"red\"\n[other]\nx = 1\n")));
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_EQ(c.warnings[0], path("c.toml") + ":3:1: unknown key in [mcp] (ignored)");
  EXPECT_EQ(c.warnings[1], path("c.toml") + ":4:2: unknown table (ignored)");
}

// A line that may be the API key itself (pasted where a name goes) is never
// echoed: the warning names its line, and only a known key's name is said,
// as the setting a misspelt name most likely meant.
TEST_F(ConfigTest, AnUnknownKeysNameIsNeverPrinted) {
  const std::string secret = "sk-AbC123secret";
  struct Case {
    std::string text;
    std::string warning;
  } cases[] = {
      {secret + " = 1\n", ":1:1: unknown key outside [mcp] and [interaction_logging] (ignored)"},
      {"[" + secret + "]\n", ":1:2: unknown table (ignored)"},
      {"[interaction_logging]\n\"" + secret + "\" = \"\"\n",
       ":2:1: unknown key in [interaction_logging] (ignored)"},
      {"[mcp]\nmcpid = \"x\"\n", ":2:1: unknown key in [mcp] (ignored; did you mean 'mcp_id'?)"},
      {"[interaction_logging]\nmax_retires = 3\n",
       ":2:1: unknown key in [interaction_logging] (ignored; did you mean 'max_retries'?)"},
      // A key of another table is named with its table.
      {"[mcp]\nspool_dir = \"/x\"\n",
       ":2:1: unknown key in [mcp] (ignored; did you mean 'interaction_logging.spool_dir'?)"},
  };
  for (const Case& t : cases) {
    Config c = load(file(write("c.toml", t.text)));
    ASSERT_EQ(c.warnings.size(), 1u) << t.text;
    EXPECT_EQ(c.warnings[0], path("c.toml") + t.warning) << t.text;
    EXPECT_EQ(c.warnings[0].find("AbC"), std::string::npos);
  }
}

// A secret readable by its group (0640 root:service-group, the usual way to
// share it with a service account) is fine; readable by others it is a
// warning, said by the commands that use the key (secret_file_warnings), not
// at load time, with advice that keeps the group's access.
TEST_F(ConfigTest, SecretsOthersCanReadAreWarningsAndGroupReadIsFine) {
  const std::string key_file = write("key", "k\n", 0600);
  const std::string headers = write("headers", "X-Key: v\n", 0600);
  struct Row {
    mode_t config_mode, key_mode, headers_mode;
    size_t warnings;
  };
  const Row rows[] = {
      {0600, 0600, 0600, 0}, {0640, 0640, 0640, 0}, {0660, 0440, 0400, 0},
      {0644, 0600, 0600, 1}, {0600, 0604, 0600, 1}, {0600, 0600, 0666, 1},
      {0604, 0644, 0644, 3},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(testing::Message() << std::oct << r.config_mode << " " << r.key_mode << " "
                                    << r.headers_mode);
    const std::string cfg = write("c.toml",
                                  "[interaction_logging]\ncoordinator_api_key = \"s3cret\"\n"
                                  "api_key_file = \"" + key_file + "\"\notlp_headers_file = \"" +
                                      headers + "\"\n",
                                  r.config_mode);
    ::chmod(key_file.c_str(), r.key_mode);
    ::chmod(headers.c_str(), r.headers_mode);
    Config c = load(file(cfg));
    EXPECT_TRUE(c.warnings.empty());  // nothing said at load time
    std::vector<std::string> w = secret_file_warnings(c);
    EXPECT_EQ(w.size(), r.warnings);
    for (const std::string& line : w) {
      EXPECT_NE(line.find(": others can read it (chmod o-r "), std::string::npos) << line;
      EXPECT_EQ(line.find("s3cret"), std::string::npos);
    }
  }
  // A config file that holds no key may be read by anyone.
  ::chmod(key_file.c_str(), 0600);
  ::chmod(headers.c_str(), 0600);
  EXPECT_TRUE(
      secret_file_warnings(load(file(write("d.toml", "[mcp]\nmcp_id = \"m\"\n", 0644)))).empty());
  Config c = load(file(write("e.toml", "[interaction_logging]\ncoordinator_api_key = \"k\"\n", 0644)));
  ASSERT_EQ(secret_file_warnings(c).size(), 1u);
  EXPECT_EQ(secret_file_warnings(c)[0],
            path("e.toml") + " holds coordinator_api_key: others can read it (chmod o-r " +
                path("e.toml") + ")");
}

TEST_F(ConfigTest, PlainHttpToARemoteHostIsAWarning) {
  struct Row {
    const char* url;
    bool warns;
  } rows[] = {
      {"http://coordinator.example:8080", true},
      {"http://127.example.com/", true},  // a name, not an address in 127/8
      {"http://127.0.0.1.example.com", true},
      {"http://localhost.example.com", true},
      {"http://10.0.0.1", true},
      {"http://user@coordinator.example", true},
      {"https://coordinator.example", false},
      {"http://127.0.0.1:8080/x", false},
      {"http://127.1.2.3", false},
      {"http://localhost", false},
      {"http://[::1]:80", false},
      {"http://[::1]", false},
      {"http://user@127.0.0.1/", false},
  };
  for (const Row& row : rows) {
    Config c;
    c.url = row.url;
    EXPECT_EQ(c.url_warning().find("plain http") != std::string::npos, row.warns) << row.url;
  }
}

// "~" is the home folder of the environment load_config is given, as the
// configuration search's is, never the process's own $HOME.
TEST_F(ConfigTest, TildeIsTheHomeOfTheGivenEnvironment) {
  const std::string f = write("t.toml", "[interaction_logging]\nspool_dir = \"~/sp\"\n");
  EXPECT_EQ(load(file(f), {{"HOME", "/given/home"}}).spool_dir, "/given/home/sp");
  EXPECT_EQ(load(file(f), {{"HOME", "/given/home"}, {"MCP_REPORT_SPOOL_DIR", "~"}}).spool_dir,
            "/given/home");
  EXPECT_EQ(load(file(f), {{"HOME", "/"}}).spool_dir, "/sp");
  Config unloaded;  // not from load_config: no home, "~" stays as it is
  unloaded.set("interaction_logging.spool_dir", std::string("~/sp"), {Origin::kFlag, "--spool"});
  EXPECT_EQ(unloaded.spool_dir, "~/sp");
}

TEST_F(ConfigTest, ApiKeyFileRelativeToTheConfigAndTrimmed) {
  write("key", "from-file\n");
  Config c = load(file(write("c.toml", "[interaction_logging]\napi_key_file = \"key\"\n")));
  EXPECT_EQ(c.api_key_file, path("key"));
  EXPECT_EQ(c.resolve_api_key(), "from-file");
  // The environment's key outranks the file's api_key_file.
  Config d = load(file(path("c.toml")), {{"MCP_REPORT_API_KEY", "from-env"}});
  EXPECT_EQ(d.resolve_api_key(), "from-env");
  Config e = load(file(write("e.toml", "[interaction_logging]\napi_key_file = \"nokey\"\n")));
  EXPECT_THROW(e.resolve_api_key(), Failure);
}

// One rule for the key, whichever source holds it: white space (blanks,
// tabs, CR, LF) around it is not part of it. A key file's key is its first
// line that is not blank.
TEST_F(ConfigTest, AKeyIsTrimmedTheSameFromTheFileAndFromTheEnvironment) {
  for (const char* text : {"k1", "k1\n", "  k1  ", "\tk1\r\n", "\n\n  k1\n", " k1\r\n# note\n"}) {
    write("key", text);
    Config from_file =
        load(file(write("c.toml", "[interaction_logging]\napi_key_file = \"key\"\n")));
    EXPECT_EQ(from_file.resolve_api_key(), "k1") << "file: " << text;
    // A second line is the file's alone (elsewhere it would be a header).
    if (std::string(text).find("# note") != std::string::npos) continue;
    Config from_env = load(ConfigOverrides(), {{"MCP_REPORT_API_KEY", text}});
    EXPECT_EQ(from_env.resolve_api_key(), "k1") << "environment: " << text;
    Config from_config = load(file(write(
        "d.toml", "[interaction_logging]\ncoordinator_api_key = \"\"\"" + std::string(text) + "\"\"\"\n")));
    EXPECT_EQ(from_config.resolve_api_key(), "k1") << "config: " << text;
  }
}

TEST_F(ConfigTest, EnabledFromTheEnvironment) {
  EXPECT_FALSE(load(ConfigOverrides(), {{"MCP_REPORT_ENABLED", "false"}}).enabled);
  EXPECT_FALSE(load(ConfigOverrides(), {{"MCP_REPORT_ENABLED", "0"}}).enabled);
  EXPECT_TRUE(load(file(write("c.toml", kOldConfig)), {{"MCP_REPORT_ENABLED", "yes"}}).enabled);
  EXPECT_THROW(load(ConfigOverrides(), {{"MCP_REPORT_ENABLED", "perhaps"}}), Failure);
}

TEST_F(ConfigTest, DescribeShowsTheKeyAsStars) {
  Config c = load(file(write("c.toml", kOldConfig)));
  bool seen = false;
  for (const ConfigRow& row : describe_config(c)) {
    EXPECT_EQ(row.value.find("your_api_key_here"), std::string::npos);
    if (row.key == "interaction_logging.coordinator_api_key") {
      EXPECT_EQ(row.value, "***");
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace mcpr
