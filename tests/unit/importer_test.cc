// `import` as a whole (src/event/importer.h, import_input): which lines it
// shows, its exit status, and the empty input that is no migration.
#include "src/event/importer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

class ImportInputTest : public TempDirTest {
 protected:
  std::string good(int n) const {
    return event_body(Action::kStart, "int_" + std::to_string(n), "m1",
                      1764000000000000 + n, "{}");
  }
  ImportRun import(const std::string& text, RejectsFile* rejects = nullptr) {
    RecorderOptions options;
    options.spool = path("spool");
    options.mcp_id = "m1";
    options.min_free_mb = 0;
    options.sync = false;
    Recorder recorder(options);
    std::istringstream in(text);
    lines.clear();
    return import_input(recorder, in, "in.ndjson", rejects,
                        [this](const std::string& line) { lines.push_back(line); });
  }
  std::vector<std::string> lines;
};

TEST_F(ImportInputTest, EveryLineInTheSpoolIsZeroAndSaysNothing) {
  const ImportRun run = import(good(1) + "\n\n" + good(2) + "\n");
  EXPECT_EQ(run.exit_status, kExitOk);
  EXPECT_EQ(run.counts.imported, 2u);
  EXPECT_TRUE(lines.empty());
  // The same lines again are already there: still every line in the spool.
  const ImportRun again = import(good(1) + "\n" + good(2) + "\n");
  EXPECT_EQ(again.exit_status, kExitOk);
  EXPECT_EQ(again.counts.duplicates, 2u);
}

TEST_F(ImportInputTest, TheFirstTenBadLinesAreShownThenCounted) {
  std::string text = good(1) + "\n";
  for (int i = 0; i < 12; ++i) text += "not json " + std::to_string(i) + "\n";
  RejectsFile rejects(path("rejects"));
  const ImportRun run = import(text, &rejects);
  EXPECT_EQ(run.exit_status, kExitDataErr);
  EXPECT_EQ(run.counts.imported, 1u);
  EXPECT_EQ(run.counts.bad, 12u);
  ASSERT_EQ(lines.size(), kShownBadLines + 1);
  EXPECT_EQ(lines[0].rfind("import: in.ndjson:2: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[9].rfind("import: in.ndjson:11: ", 0), 0u) << lines[9];
  EXPECT_EQ(lines[10], "import: in.ndjson: 2 more bad lines not shown (12 in all)");
  // Every bad line is set aside, shown or not.
  std::ifstream set_aside(path("rejects"));
  std::string line;
  unsigned n = 0;
  while (std::getline(set_aside, line)) EXPECT_EQ(line, "not json " + std::to_string(n++));
  EXPECT_EQ(n, 12u);
}

TEST_F(ImportInputTest, TenBadLinesAreAllShown) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "{\n";
  const ImportRun run = import(text);
  EXPECT_EQ(run.exit_status, kExitDataErr);
  EXPECT_EQ(lines.size(), 10u);
}

TEST_F(ImportInputTest, AnInputWithNoLinesIsNoInput) {
  for (const char* text : {"", "\n  \n\n"}) {
    SCOPED_TRACE(testing::Message() << '"' << text << '"');
    try {
      import(text);
      ADD_FAILURE() << "no Failure";
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitNoInput);
      EXPECT_NE(std::string(f.what()).find("holds no lines to import"), std::string::npos)
          << f.what();
    }
  }
}

TEST(ImportSummaryTest, SaysWhereTheRejectsWent) {
  ImportResult r;
  r.imported = 3;
  r.duplicates = 1;
  r.bad = 2;
  EXPECT_EQ(import_summary(r, "bad.ndjson"),
            "import: spooled 3 events, 1 already in the spool, 2 rejected (set aside in bad.ndjson)");
  EXPECT_EQ(import_summary(r, ""), "import: spooled 3 events, 1 already in the spool, 2 rejected");
  r.bad = 0;
  r.imported = 1;
  EXPECT_EQ(import_summary(r, "bad.ndjson"),
            "import: spooled 1 event, 1 already in the spool, 0 rejected");
}

}  // namespace
}  // namespace mcpr
