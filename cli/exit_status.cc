#include "cli/exit_status.h"

#include "src/util/failure.h"

namespace mcpr::cli {

int exit_status_for(SpoolError::Kind kind) {
  switch (kind) {
    case SpoolError::Kind::kIo:
    case SpoolError::Kind::kRefused:
    case SpoolError::Kind::kNoUniqueName:
      return kExitCantCreate;  // "the spool cannot be written", man page EXIT STATUS
  }
  return kExitSoftware;
}

ErrorReport describe_error(const std::exception& error) {
  if (const auto* failure = dynamic_cast<const Failure*>(&error))
    return {failure->exit_code(), failure->what(), failure->hint()};
  if (const auto* spool_error = dynamic_cast<const SpoolError*>(&error))
    return {exit_status_for(spool_error->kind()), spool_error->what(), ""};
  return {kExitSoftware, std::string("internal error: ") + error.what(), ""};
}

}  // namespace mcpr::cli
