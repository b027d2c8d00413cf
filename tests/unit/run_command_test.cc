// `run` as a whole (src/event/wrapped_run.h, run_wrapped): recording is not
// the command's business unless --strict says so. The command is a fake that
// says whether it ran; the spool is a real one in the test's folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "src/event/wrapped_run.h"
#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

class RunWrappedTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    config.spool_dir = path("spool");
    config.mcp_id = "m1";
    config.min_free_mb = 0;
    config.sync = false;
    request.command = {"./job", "arg"};
    request.id = "int_1";
    world.load_config = [this] { return config; };
    world.warn = [this](const std::string& line) { warnings.push_back(line); };
    world.error = [this](const std::string& line) { errors.push_back(line); };
    world.run_child = [this](const std::vector<std::string>& argv, const EnvVars& env) {
      ran.push_back(argv);
      ran_with = env;
      return child;
    };
    world.now_us = 1764000000000000;
    child.started = true;
  }
  // The queued events, by the action letter of their names.
  size_t queued() const {
    const std::string queue = path("spool/queue");
    if (!std::filesystem::exists(queue)) return 0;
    size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(queue)) {
      (void)entry;
      ++n;
    }
    return n;
  }
  // The spool's root made a file: nothing can be recorded there.
  void break_spool() { std::ofstream(path("spool")) << "not a folder"; }

  Config config;
  RunRequest request;
  RunWorld world;
  ChildResult child;
  std::vector<std::vector<std::string>> ran;
  EnvVars ran_with;
  std::vector<std::string> warnings, errors;
};

TEST_F(RunWrappedTest, RecordsTheStartAndTheEndAroundTheCommand) {
  child.code = 3;
  EXPECT_EQ(run_wrapped(request, world), 3);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], request.command);
  EXPECT_EQ(ran_with.front(), (std::pair<std::string, std::string>{"MCP_REPORT_INTERACTION_ID", "int_1"}));
  EXPECT_EQ(queued(), 2u);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(RunWrappedTest, ABrokenConfigIsAWarningAndTheCommandRuns) {
  world.load_config = []() -> Config { throw Failure(kExitConfig, "c.toml:1:1", "bad value"); };
  request.flags.mcp_id = "m2";
  EXPECT_EQ(run_wrapped(request, world), 0);
  EXPECT_EQ(ran.size(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "run: could not record interaction_start: c.toml:1:1: bad value");
  // The flags go to the command, as nothing else is known.
  EXPECT_EQ(ran_with.back(), (std::pair<std::string, std::string>{"MCP_REPORT_MCP_ID", "m2"}));
}

TEST_F(RunWrappedTest, StrictStopsOnABrokenConfigBeforeTheCommand) {
  world.load_config = []() -> Config { throw Failure(kExitConfig, "c.toml:1:1", "bad value"); };
  request.strict = true;
  try {
    run_wrapped(request, world);
    ADD_FAILURE() << "no Failure";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitConfig);
  }
  EXPECT_TRUE(ran.empty());
}

TEST_F(RunWrappedTest, ASpoolThatCannotBeWrittenWarnsTwiceUnlessStrict) {
  break_spool();
  EXPECT_EQ(run_wrapped(request, world), 0);
  EXPECT_EQ(ran.size(), 1u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].rfind("run: could not record interaction_start: ", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1].rfind("run: could not record interaction_complete: ", 0), 0u) << warnings[1];

  ran.clear();
  warnings.clear();
  request.strict = true;
  EXPECT_ANY_THROW(run_wrapped(request, world));
  EXPECT_TRUE(ran.empty());
  EXPECT_TRUE(warnings.empty());
}

TEST_F(RunWrappedTest, BadDataStopsBeforeTheCommandStrictOrNot) {
  config.max_event_kb = 1;
  for (bool strict : {false, true}) {
    SCOPED_TRACE(strict);
    request.strict = strict;
    request.fields = {"big=" + std::string(2000, 'x')};
    try {
      run_wrapped(request, world);
      ADD_FAILURE() << "no Failure";
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitDataErr);
    }
    EXPECT_TRUE(ran.empty());
  }
}

TEST_F(RunWrappedTest, ACommandThatCannotStartIsAnErrorAndRecorded) {
  child.started = false;
  child.exec_errno = ENOENT;
  EXPECT_EQ(run_wrapped(request, world), 127);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "run: cannot run './job': No such file or directory");
  EXPECT_EQ(queued(), 2u);
}

TEST_F(RunWrappedTest, NoCommandIsUsage) {
  request.command.clear();
  try {
    run_wrapped(request, world);
    ADD_FAILURE() << "no Failure";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitUsage);
  }
}

}  // namespace
}  // namespace mcpr
