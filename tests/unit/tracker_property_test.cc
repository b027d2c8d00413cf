// A property of the tracker over random sessions: however the messages of
// many calls interleave (with server requests of colliding ids, the
// client's answers to them, ids reused, lines a strict parser refuses, long
// lines and noise), every call the server answered has exactly one outcome
// event and it is the right one, and none is invented for a call that had
// no answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "proxy_steps.h"
#include "src/proxy/interaction_tracker.h"

namespace mcpr {
namespace {

enum class Outcome {
  kSuccess,        // a result
  kToolError,      // a result with isError
  kRpcError,       // a JSON-RPC error
  kCancelled,      // notifications/cancelled, maybe with a late answer
  kUnanswered,     // still open at the end
  kTaskSuccess,    // a task, completed (2025-11-25 via tasks/result, or inline)
  kTaskFailed,     // a task that failed
  kTaskCancelled,  // a task cancelled by tasks/cancel
};

// What the outcome event says, as "action error_type".
std::string expected(Outcome o, SessionEnd end) {
  switch (o) {
    case Outcome::kSuccess:
    case Outcome::kTaskSuccess: return "c ";
    case Outcome::kToolError: return "e ToolError";
    case Outcome::kRpcError: return "e JsonRpcError";
    case Outcome::kCancelled:
    case Outcome::kTaskCancelled: return "e Cancelled";
    case Outcome::kTaskFailed: return "e TaskFailed";
    case Outcome::kUnanswered:
      return end == SessionEnd::kClientClosed ? "e ClientClosed" : "e ServerExited";
  }
  return "?";
}

class SessionMaker {
 public:
  explicit SessionMaker(uint32_t seed) : rng_(seed) {}

  // The calls' message sequences, and what each call's outcome must be (by
  // the tool name each call uses, "cN").
  std::vector<std::vector<Step>> sequences;
  std::map<std::string, Outcome> outcomes;

  void make(int calls) {
    std::vector<std::string> ids;
    for (int c = 0; c < calls; ++c) {
      std::string id = pick_id(ids);
      std::vector<Step> seq = call(c, id);
      // An id reused after its call ended follows that call in one sequence.
      if (reused_ && !sequences.empty()) {
        sequences.back().insert(sequences.back().end(), seq.begin(), seq.end());
      } else {
        sequences.push_back(std::move(seq));
      }
      ids.push_back(id);
    }
    // Server requests whose ids collide with the client's, and the client's
    // answers to them; noise.
    for (int k = 0; k < calls / 2 + 1; ++k) {
      const std::string id = ids[rng_() % ids.size()];
      Step ask{kDown, R"({"method":"sampling/createMessage","params":{"messages":[],"maxTokens":5},)"
                      R"("jsonrpc":"2.0","id":)" + id + "}"};
      if (rng_() % 3 == 0)  // long, in the SDK's key order: the id at its end
        ask = {kDown, R"({"method":"sampling/createMessage","params":{"messages":[{"x":"yy)",
               kept(R"(yy"}]},"jsonrpc":"2.0","id":)" + id + "}")};
      sequences.push_back({ask, {kUp, R"({"jsonrpc":"2.0","id":)" + id +
                                          R"(,"result":{"role":"assistant","content":{"type":"text","text":"\ud83c"}}})"}});
    }
    sequences.push_back({{kDown, "this is not json {"},
                         {kUp, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"},
                         {kDown, R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":NaN}})"}});
  }

  // One random interleaving of the sequences, each kept in its order.
  std::vector<Step> interleave() {
    std::vector<size_t> next(sequences.size(), 0);
    std::vector<Step> out;
    for (;;) {
      std::vector<size_t> open;
      for (size_t i = 0; i < sequences.size(); ++i)
        if (next[i] < sequences[i].size()) open.push_back(i);
      if (open.empty()) return out;
      const size_t i = open[rng_() % open.size()];
      out.push_back(sequences[i][next[i]++]);
    }
  }

 private:
  std::string pick_id(const std::vector<std::string>& used) {
    reused_ = false;
    const std::string previous = used.empty() ? "" : used.back();
    const uint32_t choice = rng_() % 4;
    // The previous call's id again (that call ended before this one starts).
    if (!previous.empty() && last_ != Outcome::kUnanswered && choice == 0) {
      reused_ = true;
      return previous;
    }
    // Equal to the previous id as text, of the other kind: 7 and "7".
    if (!previous.empty() && choice == 1) {
      const std::string flipped = previous[0] == '"' ? previous.substr(1, previous.size() - 2)
                                                     : "\"" + previous + "\"";
      if (std::find(used.begin(), used.end(), flipped) == used.end()) return flipped;
    }
    const std::string digits = std::to_string(1 + serial_++);
    return rng_() % 2 ? digits : "\"" + digits + "\"";
  }

  // A long line's tail, kept as long as the session.
  const char* kept(std::string tail) {
    tails_.push_back(std::move(tail));
    return tails_.back().c_str();
  }

  static std::string answer(const std::string& id, const std::string& result) {
    return R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + result + "}";
  }

  std::string task_request(const char* method, const std::string& task) {
    return R"({"jsonrpc":"2.0","id":"poll-)" + std::to_string(serial_++) + R"(","method":")" +
           method + R"(","params":{"taskId":")" + task + R"("}})";
  }

  std::vector<Step> call(int c, const std::string& id) {
    const std::string name = "c" + std::to_string(c);
    const std::string token = "\"tok-" + name + "\"";
    const Outcome o = static_cast<Outcome>(rng_() % 8);
    outcomes[name] = o;
    const bool task = o == Outcome::kTaskSuccess || o == Outcome::kTaskFailed ||
                      o == Outcome::kTaskCancelled;
    const bool legacy = rng_() % 2;  // 2025-11-25 tasks, or the extension's
    std::vector<Step> seq;
    seq.push_back({kUp, R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":")" + name +
                            R"(","arguments":{"s":"\udc00"},)" + (task && legacy ? R"("task":{},)" : "") +
                            R"("_meta":{"progressToken":)" + token + "}}}"});
    if (rng_() % 2)
      seq.push_back({kDown, R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                                token + R"(,"progress":NaN}})"});
    const std::string text = R"({"content":[{"type":"text","text":"ok \ud83d"}]})";
    const std::string cancel = R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":)" + id + "}}";
    const std::string task_id = "T-" + name;
    switch (o) {
      case Outcome::kSuccess:
        if (rng_() % 3 == 0) {
          // Long: only its ends are seen.
          seq.push_back({kDown, R"({"result":{"content":[{"type":"text","text":"xx)",
                         kept(R"(xx"}]},"jsonrpc":"2.0","id":)" + id + "}")});
        } else {
          seq.push_back({kDown, answer(id, text)});
        }
        if (rng_() % 2) seq.push_back({kUp, cancel});  // too late: the answer stands
        break;
      case Outcome::kToolError:
        seq.push_back({kDown, answer(id, R"({"isError":true,"content":[{"type":"text","text":"no"}]})")});
        break;
      case Outcome::kRpcError:
        seq.push_back({kDown, R"({"jsonrpc":"2.0","id":)" + id + R"(,"error":{"code":-32000,"message":"x"}})"});
        break;
      case Outcome::kCancelled:
        seq.push_back({kUp, cancel});
        if (rng_() % 2) seq.push_back({kDown, answer(id, text)});  // late, ignored
        break;
      case Outcome::kUnanswered:
        break;
      default: {
        seq.push_back({kDown, answer(id, legacy ? R"({"task":{"taskId":")" + task_id + R"(","status":"working"}})"
                                                : R"({"resultType":"task","taskId":")" + task_id + R"(","status":"working"})")});
        if (o == Outcome::kTaskSuccess && legacy) {
          seq.push_back({kUp, task_request("tasks/result", task_id)});
          seq.push_back({kDown, answer("\"poll-" + std::to_string(serial_ - 1) + "\"", text)});
        } else if (o == Outcome::kTaskSuccess) {
          seq.push_back({kDown, R"({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":")" + task_id +
                                    R"(","status":"completed","result":)" + text + "}}"});
        } else if (o == Outcome::kTaskFailed) {
          seq.push_back({kDown, R"({"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":")" +
                                    task_id + R"(","status":"failed"}})"});
        } else {
          seq.push_back({kUp, task_request("tasks/cancel", task_id)});
          seq.push_back({kDown, answer("\"poll-" + std::to_string(serial_ - 1) + "\"",
                                       R"({"taskId":")" + task_id + R"(","status":"cancelled"})")});
        }
      }
    }
    last_ = o;
    return seq;
  }

  std::mt19937 rng_;
  int serial_ = 0;
  bool reused_ = false;
  Outcome last_ = Outcome::kUnanswered;  // the previous call's
  std::deque<std::string> tails_;
};

TEST(TrackerPropertyTest, EveryAnsweredCallHasExactlyItsOneOutcome) {
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    SessionMaker maker(seed);
    maker.make(4 + static_cast<int>(seed % 9));
    const std::vector<Step> steps = maker.interleave();
    const SessionEnd end = seed % 2 ? SessionEnd::kClientClosed : SessionEnd::kServerExited;

    std::map<std::string, std::string> name_of;  // interaction id -> tool name
    std::map<std::string, std::vector<std::string>> events;  // by tool name, "s", "p", "c ", "e TYPE"
    int made = 0;
    InteractionTracker tracker(
        {},
        [&](ProxyEvent e) {
          const char code = action_info(e.action).code;
          if (e.action == Action::kStart) {
            const size_t at = e.payload.find("\"gen_ai.tool.name\": \"");
            name_of[e.interaction_id] = e.payload.substr(at + 21, e.payload.find('"', at + 21) - at - 21);
          }
          std::string what(1, code);
          if (e.action == Action::kComplete) what += " ";
          if (e.action == Action::kError) {
            const size_t at = e.payload.find("\"error_type\": \"") + 15;
            what += " " + e.payload.substr(at, e.payload.find('"', at) - at);
          }
          events[name_of[e.interaction_id]].push_back(what);
        },
        [&](int64_t) { return "i" + std::to_string(++made); });
    int64_t t = 0;
    for (const Step& s : steps) {
      const SeenAt at{++t, t};
      if (s.tail) tracker.on_long_line(s.direction, s.line, s.tail, 20u << 20, at);
      else tracker.on_line(s.direction, s.line, at);
    }
    tracker.close_all(end, "gone", {++t, t});

    std::string trace;
    for (const Step& s : steps) trace += (s.direction == kUp ? "> " : "< ") + s.line + (s.tail ? s.tail : "") + "\n";
    EXPECT_EQ(events.size(), maker.outcomes.size()) << "seed " << seed << "\n" << trace;
    for (const auto& [name, outcome] : maker.outcomes) {
      const std::vector<std::string>& got = events[name];
      ASSERT_GE(got.size(), 2u) << "seed " << seed << " " << name << "\n" << trace;
      EXPECT_EQ(got.front(), "s") << "seed " << seed << " " << name;
      EXPECT_EQ(got.back(), expected(outcome, end)) << "seed " << seed << " " << name << "\n" << trace;
      for (size_t k = 1; k + 1 < got.size(); ++k)
        EXPECT_EQ(got[k], "p") << "seed " << seed << " " << name << ": one outcome only\n" << trace;
    }
    EXPECT_EQ(tracker.open_count(), 0u);
  }
}

}  // namespace
}  // namespace mcpr
