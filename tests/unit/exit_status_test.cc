// The front door's one mapping from an error to what the user sees.
#include "cli/exit_status.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "src/util/failure.h"

namespace mcpr::cli {
namespace {

TEST(ExitStatusTest, EverySpoolErrorKindIsCantCreate) {
  const SpoolError::Kind kinds[] = {SpoolError::Kind::kIo, SpoolError::Kind::kRefused,
                                    SpoolError::Kind::kNoUniqueName};
  for (SpoolError::Kind kind : kinds)
    EXPECT_EQ(exit_status_for(kind), kExitCantCreate) << static_cast<int>(kind);
}

TEST(ExitStatusTest, DescribesEachErrorType) {
  struct Row {
    const char* name;
    std::exception_ptr error;
    int exit_status;
    std::string message;
    std::string hint;
  };
  const Row rows[] = {
      {"failure keeps its status and hint",
       std::make_exception_ptr(Failure(kExitConfig, "mcp_id", "not set", "set it")), kExitConfig,
       "mcp_id: not set", "set it"},
      {"failure without a what", std::make_exception_ptr(Failure(kExitNoInput, "", "gone")),
       kExitNoInput, "gone", ""},
      {"spool i/o error",
       std::make_exception_ptr(
           SpoolError(SpoolError::Kind::kIo, "/s/queue/x", "No space left on device", 28)),
       kExitCantCreate, "/s/queue/x: No space left on device", ""},
      {"spool refused",
       std::make_exception_ptr(
           SpoolError(SpoolError::Kind::kRefused, "spool /s", "not a directory")),
       kExitCantCreate, "spool /s: not a directory", ""},
      {"anything else is ours: internal error, 70",
       std::make_exception_ptr(std::logic_error("vector::at")), kExitSoftware,
       "internal error: vector::at", ""},
      {"a bare runtime_error too", std::make_exception_ptr(std::runtime_error("boom")),
       kExitSoftware, "internal error: boom", ""},
  };
  for (const Row& row : rows) {
    try {
      std::rethrow_exception(row.error);
    } catch (const std::exception& e) {
      ErrorReport r = describe_error(e);
      EXPECT_EQ(r.exit_status, row.exit_status) << row.name;
      EXPECT_EQ(r.message, row.message) << row.name;
      EXPECT_EQ(r.hint, row.hint) << row.name;
    }
  }
}

TEST(ExitStatusTest, SoftwareIsSeventy) { EXPECT_EQ(kExitSoftware, 70); }

}  // namespace
}  // namespace mcpr::cli
