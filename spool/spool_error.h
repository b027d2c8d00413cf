// What goes wrong in the spool, said as a kind rather than an exit status:
// spool/ knows nothing of sysexits; cli/ maps each kind to the status the user
// sees, in one place (cli/exit_status.h). Thrown only for real failures: a
// file someone else moved or deleted first is an outcome (SpoolOutcome::kGone),
// not an error.
#pragma once

#include <stdexcept>
#include <string>

namespace mcpr {

class SpoolError : public std::runtime_error {
 public:
  enum class Kind {
    kIo,            // a system call failed; error_number() says which errno
    kRefused,       // not what a spool may use: a symlink, not a directory or
                    // not a regular file, owned by another user
    kNoUniqueName,  // every fresh file name tried was taken
  };

  // `what` names the thing that failed (usually a path), `why` says what went
  // wrong; the message reads "<what>: <why>".
  SpoolError(Kind kind, const std::string& what, const std::string& why, int error_number = 0)
      : std::runtime_error(what.empty() ? why : what + ": " + why),
        kind_(kind),
        error_number_(error_number) {}

  Kind kind() const { return kind_; }
  int error_number() const { return error_number_; }

 private:
  Kind kind_;
  int error_number_;
};

}  // namespace mcpr
