// How a flush ended and its exit status (man page DELIVERY, "A run's exit status is
// the first that applies"):
// every row of decide(), then the run-level rules (--follow, the lock, -q).
#include "src/delivery/flush_outcome.h"

#include <gtest/gtest.h>

#include <string>

namespace mcpr {
namespace {

using O = FlushOutcome;
using S = PassStop;

struct OutcomeRow {
  PassFacts facts;
  O outcome;
  int exit_code;
  const char* name;
};

PassFacts facts(S stop, unsigned dead, unsigned corrupt, unsigned retried, unsigned left,
                bool follow = false) {
  PassFacts f;
  f.stop = stop;
  f.dead = dead;
  f.corrupt = corrupt;
  f.retried = retried;
  f.left = left;
  f.follow = follow;
  return f;
}

TEST(FlushOutcomeTest, DecideEveryRow) {
  const OutcomeRow rows[] = {
      // nothing went wrong: 0, whatever is still deferred from earlier runs
      {facts(S::kNone, 0, 0, 0, 0), O::kOk, 0, "ok"},
      {facts(S::kNone, 0, 0, 0, 0, true), O::kOk, 0, "ok"},
      // 77 first: a rejected key wins over dead letters and everything else
      {facts(S::kKeyRejected, 0, 0, 0, 0), O::kKeyRejected, 77, "key-rejected"},
      {facts(S::kKeyRejected, 2, 1, 3, 4), O::kKeyRejected, 77, "key-rejected"},
      {facts(S::kKeyRejected, 0, 0, 0, 0, true), O::kKeyRejected, 77, "key-rejected"},
      // 65 next: dead-lettered or corrupt in this pass
      {facts(S::kNone, 1, 0, 0, 0), O::kDead, 65, "dead"},
      {facts(S::kNone, 0, 1, 0, 0), O::kDead, 65, "dead"},
      {facts(S::kOutage, 1, 0, 0, 5), O::kDead, 65, "dead"},
      {facts(S::kNone, 1, 0, 2, 0), O::kDead, 65, "dead"},
      {facts(S::kHeld, 0, 1, 0, 3), O::kDead, 65, "dead"},
      {facts(S::kInterrupted, 1, 0, 0, 0, true), O::kDead, 65, "dead"},
      // 75: an outage, a hold, retries, due events left
      {facts(S::kOutage, 0, 0, 0, 0), O::kOutage, 75, "outage"},
      {facts(S::kOutage, 0, 0, 2, 7), O::kOutage, 75, "outage"},
      {facts(S::kOutage, 0, 0, 0, 0, true), O::kOutage, 75, "outage"},
      {facts(S::kHeld, 0, 0, 0, 4), O::kHeld, 75, "held"},
      {facts(S::kHeld, 0, 0, 2, 4), O::kHeld, 75, "held"},
      {facts(S::kNone, 0, 0, 1, 0), O::kRetry, 75, "retry"},
      {facts(S::kBudget, 0, 0, 1, 3), O::kRetry, 75, "retry"},
      {facts(S::kBudget, 0, 0, 0, 3), O::kBudget, 75, "budget"},
      {facts(S::kBudget, 0, 0, 0, 0), O::kBudget, 75, "budget"},
      {facts(S::kNone, 0, 0, 0, 2), O::kBudget, 75, "budget"},
      // a signal: --follow stops cleanly; a one-shot run left work behind
      {facts(S::kInterrupted, 0, 0, 0, 0, true), O::kStopped, 0, "stopped"},
      {facts(S::kInterrupted, 0, 0, 2, 3, true), O::kStopped, 0, "stopped"},
      {facts(S::kInterrupted, 0, 0, 0, 0), O::kBudget, 75, "budget"},
      {facts(S::kInterrupted, 0, 0, 1, 0), O::kRetry, 75, "retry"},
  };
  for (const OutcomeRow& r : rows) {
    const PassFacts& f = r.facts;
    SCOPED_TRACE(testing::Message() << "stop " << int(f.stop) << " dead " << f.dead << " corrupt "
                                    << f.corrupt << " retried " << f.retried << " left " << f.left
                                    << " follow " << f.follow);
    const FlushVerdict v = decide(f);
    EXPECT_EQ(v.outcome, r.outcome);
    EXPECT_EQ(v.exit_code, r.exit_code);
    EXPECT_EQ(std::string(outcome_name(v.outcome)), r.name);
  }
}

TEST(FlushOutcomeTest, RunExitStatus) {
  struct RunRow {
    int pass_exit;
    bool follow, locked_out;
    int exit_code;
  } rows[] = {
      {0, false, false, 0},   {65, false, false, 65}, {75, false, false, 75},
      {77, false, false, 77}, {0, true, false, 0},    {65, true, false, 0},
      {75, true, false, 0},   {77, true, false, 77},  {0, false, true, 0},
      {75, false, true, 0},   {77, true, true, 0},
  };
  for (const RunRow& r : rows)
    EXPECT_EQ(run_exit_status(r.pass_exit, r.follow, r.locked_out), r.exit_code)
        << r.pass_exit << " follow " << r.follow << " locked out " << r.locked_out;
}

TEST(FlushOutcomeTest, FollowEndsOnlyOnARejectedKey) {
  for (int code : {0, 65, 75}) EXPECT_FALSE(follow_ends(code)) << code;
  EXPECT_TRUE(follow_ends(77));
}

TEST(FlushOutcomeTest, QuietOutage) {
  struct QuietRow {
    int exit_code;
    bool quiet, applies;
  } rows[] = {
      {75, true, true}, {75, false, false}, {0, true, false}, {65, true, false}, {77, true, false},
  };
  for (const QuietRow& r : rows)
    EXPECT_EQ(quiet_applies(r.exit_code, r.quiet), r.applies) << r.exit_code << " quiet " << r.quiet;
  struct WarnRow {
    double waited, quiet_outage;
    bool warns;
  } warn_rows[] = {{0, 3600, false}, {3599, 3600, false}, {3600, 3600, true},
                   {7200, 3600, true}, {0, 0, true}};
  for (const WarnRow& r : warn_rows)
    EXPECT_EQ(quiet_outage_warns(r.waited, r.quiet_outage), r.warns)
        << r.waited << " of " << r.quiet_outage;
}

TEST(FlushOutcomeTest, QuietOutageWarning) {
  const std::vector<std::string> none, outage = {"coordinator unreachable: refused", "more"};
  struct Row {
    int64_t waited;
    double quiet_outage;
    const std::vector<std::string>* messages;
    const char* line;
  } rows[] = {
      {3599, 3600, &outage, ""},
      {3600, 3600, &none, "flush: events undelivered for 1 h (longer than quiet_outage, 1 h)"},
      {5400, 3600, &outage,
       "flush: events undelivered for 1 h 30 min (longer than quiet_outage, 1 h): coordinator "
       "unreachable: refused"},
      {0, 0, &none, "flush: events undelivered for 0 s (longer than quiet_outage, 0 s)"},
  };
  for (const Row& r : rows)
    EXPECT_EQ(quiet_outage_warning(r.waited, r.quiet_outage, *r.messages), r.line)
        << r.waited << " of " << r.quiet_outage;
}

TEST(FlushOutcomeTest, FlushStart) {
  using S = FlushStart;
  struct Row {
    bool enabled, follow, quiet, spool_exists;
    FlushStart start;
  } rows[] = {
      {false, false, false, false, S::kDisabled}, {false, true, true, true, S::kDisabled},
      {true, false, false, true, S::kRun},        {true, false, true, true, S::kRun},
      {true, false, false, false, S::kNoSpool},   {true, false, true, false, S::kNothingYet},
      {true, true, false, false, S::kRun},        {true, true, true, false, S::kRun},
  };
  for (const Row& r : rows)
    EXPECT_EQ(flush_start(r.enabled, r.follow, r.quiet, r.spool_exists), r.start)
        << r.enabled << r.follow << r.quiet << r.spool_exists;
}

}  // namespace
}  // namespace mcpr
