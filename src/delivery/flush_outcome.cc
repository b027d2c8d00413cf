#include "src/delivery/flush_outcome.h"

#include "src/util/failure.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

int exit_of(FlushOutcome outcome) {
  switch (outcome) {
    case FlushOutcome::kOk:
    case FlushOutcome::kStopped:
      return kExitOk;
    case FlushOutcome::kKeyRejected:
      return kExitNoPerm;
    case FlushOutcome::kDead:
      return kExitDataErr;
    case FlushOutcome::kOutage:
    case FlushOutcome::kHeld:
    case FlushOutcome::kRetry:
    case FlushOutcome::kBudget:
      return kExitTempFail;
  }
  return kExitOk;
}

FlushOutcome outcome_of(const PassFacts& f) {
  if (f.stop == PassStop::kKeyRejected) return FlushOutcome::kKeyRejected;
  if (f.dead || f.corrupt) return FlushOutcome::kDead;
  if (f.stop == PassStop::kOutage) return FlushOutcome::kOutage;
  if (f.stop == PassStop::kInterrupted && f.follow) return FlushOutcome::kStopped;
  if (f.stop == PassStop::kHeld) return FlushOutcome::kHeld;
  if (f.retried) return FlushOutcome::kRetry;
  if (f.left || f.stop != PassStop::kNone) return FlushOutcome::kBudget;
  return FlushOutcome::kOk;
}

}  // namespace

FlushVerdict decide(const PassFacts& facts) {
  const FlushOutcome outcome = outcome_of(facts);
  return FlushVerdict{outcome, exit_of(outcome)};
}

const char* outcome_name(FlushOutcome outcome) {
  switch (outcome) {
    case FlushOutcome::kOk:
      return "ok";
    case FlushOutcome::kKeyRejected:
      return "key-rejected";
    case FlushOutcome::kDead:
      return "dead";
    case FlushOutcome::kOutage:
      return "outage";
    case FlushOutcome::kStopped:
      return "stopped";
    case FlushOutcome::kHeld:
      return "held";
    case FlushOutcome::kRetry:
      return "retry";
    case FlushOutcome::kBudget:
      return "budget";
  }
  return "ok";
}

int run_exit_status(int last_pass_exit, bool follow, bool locked_out) {
  if (locked_out) return kExitOk;
  if (follow && last_pass_exit != kExitNoPerm) return kExitOk;
  return last_pass_exit;
}

bool follow_ends(int pass_exit) { return pass_exit == kExitNoPerm; }

bool quiet_applies(int exit_code, bool quiet) {
  return quiet && exit_code == kExitTempFail;
}

bool quiet_outage_warns(double waited, double quiet_outage) { return waited >= quiet_outage; }

std::string quiet_outage_warning(int64_t waited, double quiet_outage,
                                 const std::vector<std::string>& messages) {
  if (!quiet_outage_warns(static_cast<double>(waited), quiet_outage)) return "";
  std::string line = "flush: events undelivered for " + human_duration(waited) +
                     " (longer than quiet_outage, " +
                     human_duration(static_cast<int64_t>(quiet_outage)) + ")";
  if (!messages.empty()) line += ": " + messages.front();
  return line;
}

FlushStart flush_start(bool enabled, bool follow, bool quiet, bool spool_exists) {
  if (!enabled) return FlushStart::kDisabled;
  if (follow || spool_exists) return FlushStart::kRun;
  return quiet ? FlushStart::kNothingYet : FlushStart::kNoSpool;
}

}  // namespace mcpr
