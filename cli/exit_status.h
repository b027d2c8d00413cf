// The one place an error becomes what the user sees: an exit status and one
// line (plus a hint). Low layers throw Failure (which carries its status) or
// SpoolError (which carries a kind); anything else reaching the front door is
// a bug of ours and reads "internal error", exit 70.
#pragma once

#include <exception>
#include <string>

#include "spool/spool_error.h"

namespace mcpr::cli {

struct ErrorReport {
  int exit_status = 0;
  std::string message;  // "<what>: <why>", without the "mcp-report: " prefix
  std::string hint;     // "" when none
};

// The exit status for a spool error of `kind`.
int exit_status_for(SpoolError::Kind kind);

// What to print and return for an exception that reached the front door.
ErrorReport describe_error(const std::exception& error);

}  // namespace mcpr::cli
