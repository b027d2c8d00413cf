// The error that travels up to the command line carrying the exit status
// (sysexits.h) the user sees. src/ throws it (spool/ throws SpoolError, which
// has a kind instead); cli/exit_status.h turns either into the status and the
// line "mcp-report: <what>: <why>", in one place.
#pragma once

#include <stdexcept>
#include <string>

namespace mcpr {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 64,
  kExitDataErr = 65,
  kExitNoInput = 66,
  kExitUnavailable = 69,
  kExitSoftware = 70,  // an internal error: a bug of ours, not the user's doing
  kExitCantCreate = 73,
  kExitIoErr = 74,  // standard output could not be written
  kExitTempFail = 75,
  kExitNoPerm = 77,
  kExitConfig = 78,
};

class Failure : public std::runtime_error {
 public:
  // `what` names the thing that failed (a path, a key, an argument), `why`
  // says what went wrong; `hint`, when set, is printed on a second line.
  Failure(int exit_code, const std::string& what, const std::string& why, std::string hint = {})
      : std::runtime_error(what.empty() ? why : what + ": " + why),
        exit_code_(exit_code),
        hint_(std::move(hint)) {}

  int exit_code() const { return exit_code_; }
  const std::string& hint() const { return hint_; }

 private:
  int exit_code_;
  std::string hint_;
};

}  // namespace mcpr
