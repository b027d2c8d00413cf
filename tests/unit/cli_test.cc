// The plain-form parser of recording commands: what it takes itself and what
// it leaves to CLI11 (which must then give the same meaning).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli/command.h"

namespace mcpr::cli {
namespace {

std::optional<SimpleRecording> parse(std::initializer_list<const char*> words) {
  std::vector<std::string> storage{"mcp-report"};
  storage.insert(storage.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (std::string& w : storage) argv.push_back(w.data());
  return parse_simple_recording(static_cast<int>(argv.size()), argv.data());
}

TEST(PrintableTest, KeepsUtf8AndEscapesControlsAndStrayBytes) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain text", "plain text"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},  // kept
      {"a\nb\rc\td", "a\\nb\\rc\\td"},
      {"\x1b[31m\x7f", "\\x1b[31m\\x7f"},
      {"a\xff" "b", "a\\xffb"},               // not UTF-8
      {"\xc3", "\\xc3"},                       // truncated
      {"\xc0\xaf", "\\xc0\\xaf"},             // overlong
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},   // a surrogate
      {"\x80x", "\\x80x"},                     // a stray continuation byte
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(printable(in), want) << want;
}

TEST(GlobalOptionTest, ReadsEachWordAsCli11Does) {
  using G = GlobalOption;
  const struct {
    const char* word;
    std::optional<G::Name> name;  // nothing: not a global option
    bool takes_value;
  } cases[] = {
      {"-c", G::kConfig, true},          {"--config", G::kConfig, true},
      {"--spool", G::kSpool, true},      {"--mcp-id", G::kMcpId, true},
      {"-v", G::kVerbose, false},        {"--verbose", G::kVerbose, false},
      {"-q", G::kQuiet, false},          {"--quiet", G::kQuiet, false},
      {"-vv", G::kShortFlags, false},    {"-vq", G::kShortFlags, false},
      {"-vc", G::kShortFlags, true},     {"-qvc", G::kShortFlags, true},
      {"-cv", G::kShortFlags, false},    {"-x", G::kShortFlags, false},
      {"start", std::nullopt, false},    {"-", std::nullopt, false},
      {"--", std::nullopt, false},       {"--id", std::nullopt, false},
      {"--spool=/s", std::nullopt, false}, {"", std::nullopt, false},
  };
  for (const auto& c : cases) {
    const std::optional<G> got = global_option(c.word);
    ASSERT_EQ(got.has_value(), c.name.has_value()) << c.word;
    if (!got) continue;
    EXPECT_EQ(got->name, *c.name) << c.word;
    EXPECT_EQ(got->takes_value, c.takes_value) << c.word;
  }
}

TEST(NamedCommandTest, SkipsTheGlobalOptionsAndTheirValues) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"flush"}, "flush"},
      {{"-v", "flush"}, "flush"},
      {{"--spool", "run", "status"}, "status"},  // a value is not the command
      {{"-c", "list", "flush"}, "flush"},
      {{"-vc", "list", "flush"}, "flush"},
      {{"--mcp-id", "proxy", "-q", "run", "--", "x"}, "run"},
      {{"-vq", "start"}, "start"},
      {{"--", "flush"}, ""},
      {{"flsuh"}, ""},
      {{}, ""},
  };
  for (const auto& [words, want] : cases) {
    std::vector<std::string> storage{"mcp-report"};
    storage.insert(storage.end(), words.begin(), words.end());
    std::vector<char*> argv;
    for (std::string& w : storage) argv.push_back(w.data());
    EXPECT_EQ(named_command(static_cast<int>(argv.size()), argv.data()), want) << want;
  }
}

// What follows "--" is the wrapped command's only when the command line names
// run or proxy: a global option's value that reads "run" does not make it so.
TEST(RunCliTest, AGlobalOptionsValueIsNotTheCommand) {
  std::vector<std::string> storage{"mcp-report", "--spool", "run", "status", "--", "x"};
  std::vector<char*> argv;
  for (std::string& w : storage) argv.push_back(w.data());
  EXPECT_EQ(run_cli(static_cast<int>(argv.size()), argv.data(), {add_spool_commands}), 64);
}

TEST(SimpleRecordingTest, TakesThePlainForms) {
  auto r = parse({"start", "user_id=u1", "n:=1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->action, Action::kStart);
  EXPECT_TRUE(r->request.generate_id);
  EXPECT_EQ(r->request.fields, (std::vector<std::string>{"user_id=u1", "n:=1"}));
  EXPECT_FALSE(r->request.data);

  r = parse({"--spool", "/s", "start", "--id", "job-1", "-q", "--data", "-", "a=b", "-c", "f.toml",
             "--mcp-id", "m", "-vv"});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->request.generate_id);
  EXPECT_EQ(r->request.id, "job-1");
  EXPECT_EQ(*r->request.data, "-");
  EXPECT_EQ(r->request.fields, (std::vector<std::string>{"a=b"}));
  EXPECT_EQ(r->globals.spool_dir, "/s");
  EXPECT_EQ(r->globals.config_file, "f.toml");
  EXPECT_EQ(r->globals.mcp_id, "m");
  EXPECT_EQ(r->globals.verbose, 2);
  EXPECT_TRUE(r->globals.quiet);
  EXPECT_EQ(r->globals.named_command, "start");

  r = parse({"complete", "--data", "{}", "job-1", "success:=true"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->action, Action::kComplete);
  EXPECT_EQ(r->request.id, "job-1");
  EXPECT_EQ(r->request.fields, (std::vector<std::string>{"success:=true"}));
  EXPECT_TRUE(parse({"start", "--id", ""}));  // an empty id is the recorder's to refuse (65)
  EXPECT_FALSE(r->request.print_traceparent);

  r = parse({"start", "--print-traceparent", "--id", "job-1", "a=b"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->request.print_traceparent);
  EXPECT_EQ(r->request.id, "job-1");
  EXPECT_EQ(r->request.fields, (std::vector<std::string>{"a=b"}));
}

TEST(SimpleRecordingTest, LeavesEverythingElseToCli11) {
  const std::initializer_list<const char*> others[] = {
      {},
      {"flush"},
      {"run", "--", "true"},
      {"start", "--help"},
      {"-h", "start"},
      {"--version"},
      {"start", "--id=x"},
      {"start", "--id"},
      {"start", "--id", "a", "--id", "b"},
      {"start", "--id", "-x"},
      {"start", "--data", "a", "--data", "b"},
      {"start", "--", "a=1"},
      {"start", "-x=1"},
      {"start", "--bogus"},
      {"-c", "a", "-c", "b", "start"},
      {"--spool", "start"},
      {"progress"},
      {"progress", "--id", "x"},
      {"-vvv", "start"},
      {"strat", "a=1"},
      {"start", "--print-traceparent", "--print-traceparent"},
      {"complete", "--print-traceparent", "x"},  // start's option only
  };
  for (const auto& words : others) {
    std::string line;
    for (const char* w : words) line += std::string(w) + " ";
    EXPECT_FALSE(parse(words)) << line;
  }
}

}  // namespace
}  // namespace mcpr::cli
