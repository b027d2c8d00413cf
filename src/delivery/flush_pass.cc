#include "src/delivery/flush_pass.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "spool/event_name.h"
#include "spool/operations.h"
#include "spool/spool.h"
#include "spool/unlinker.h"
#include "src/delivery/flush_outcome.h"
#include "src/delivery/retry_policy.h"
#include "src/state/root_state.h"
#include "src/delivery/scheduler.h"
#include "src/delivery/throttle.h"
#include "src/event/event.h"
#include "src/event/event_json.h"
#include "src/event/pyjson.h"
#include "src/util/failure.h"
#include "src/util/plural.h"
#include "src/util/random.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

using Stop = PassStop;

using Id = Scheduler::Id;
using Kind = BatchOutcome::Kind;

// One pass over the queue: scan, then send what is due until it is all sent
// or the run must stop.
class Flusher {
  // A batch whose requests are out: its events, the requests still to send
  // (a throttle slot or a connection away) and the answers so far.
  struct Flight {
    std::vector<Id> ids;
    std::deque<SinkRequest> unsent;
    size_t answers_due = 0;               // sent and not yet answered
    std::optional<BatchOutcome> outcome;  // the answers so far, combined
    double hold_wait = 0;                 // the longest Retry-After among them
    bool cancelled = false;               // the run stopped before all were sent
  };
 public:
  Flusher(FlushSession& session, FlushReport& report)
      : config_(session.config),
        spool_(session.spool),
        options_(session.options),
        make_transport_(session.make_transport),
        sink_(session.sink),
        clock_(session.clock),
        starts_(session.starts),
        report_(report),
        throttle_(session.throttle),
        transport_(session.transport),
        unlinker_(spool_.dir_fd(SpoolState::kQueue), spool_.root() + "/queue", kUnlinkThreads) {}

  void run() {
    start_mono_ = clock_.mono();
    wall_minus_mono_ = clock_.wall() - start_mono_;
    deadline_ = options_.follow ? 1e300 : start_mono_ + options_.max_time;
    report_.summary.started_at = clock_.wall();
    scan();
    start_ms_ = now_ms();
    // The hold as it is kept now: a requeue may have cleared it since the
    // last pass.
    hold_until_ = stored_hold();
    if (options_.dry_run) return dry_run();
    if (plan_.has_ready(start_ms_) && hold_until_ > 0) hold(hold_until_);
    loop();
    finish();
  }

  void count_expired(unsigned n) {
    if (n == 0) return;
    report_.summary.dead += n;
    dead_reasons_["expired"] += n;
    first_reason_["expired"] = "expired: queued for more than " +
                               std::to_string(static_cast<int64_t>(config_.max_age_days)) + " days";
  }

 private:
  int64_t now_ms() const { return static_cast<int64_t>(clock_.wall() * 1000); }
  std::string name(Id i) const { return std::string(plan_.name(i)); }

  void scan() {
    for_each_name(spool_, SpoolState::kQueue, false, [this](std::string_view file) {
      if (!plan_.add(file))
        set_aside_corrupt(std::string(file), "not an event file name");
    });
    // Order survives dead letters: later events of their interactions wait.
    for_each_name(spool_, SpoolState::kDead, false,
                  [this](std::string_view file) { plan_.add_dead(file); });
  }

  // Events are listed as of the pass's start: one attempt per event per run.
  // During a Retry-After hold none would be sent: it says so instead.
  void dry_run() {
    const int64_t held = hold_until_;
    if (held > 0 && plan_.has_ready(start_ms_)) {
      report_.summary.left = static_cast<unsigned>(plan_.left(start_ms_));
      report_.messages.push_back(peer_short() + " asked to wait until " + local_time_text(held) +
                                 " (Retry-After): no event would be sent before then");
      return;
    }
    int64_t shown = 0;
    while (options_.max_events == 0 || shown < options_.max_events) {
      std::optional<Id> i = plan_.pop_ready(start_ms_);
      if (!i) break;
      std::optional<EventName> name = EventName::parse(plan_.name(*i));
      const ActionInfo* action = action_by_code(name->action);
      if (options_.on_dry_run)
        options_.on_dry_run({name->event_id(), action->name,
                             spooled_interaction_id(spool_, SpoolState::kQueue, this->name(*i)),
                             name->attempts + 1});
      ++shown;
      plan_.delivered(*i);
    }
    report_.summary.left = static_cast<unsigned>(plan_.left(start_ms_));
  }

  bool has_ready() { return plan_.has_ready(start_ms_); }

  // The hold kept in the spool now, or 0 (none, passed, or beyond the bound).
  int64_t stored_hold() const {
    return effective_hold(read_root_state(spool_).hold_until,
                          static_cast<int64_t>(clock_.wall()), config_.max_backoff);
  }

  // While the pass waits out a hold, an operator's requeue may clear it
  // ("try now"): the kept hold is read again every second, and one that is
  // gone or earlier ends the wait.
  void notice_cleared_hold(double now) {
    if (now - hold_checked_mono_ < 1.0) return;
    hold_checked_mono_ = now;
    const int64_t kept = stored_hold();
    if (kept >= hold_until_) return;
    hold_until_ = kept;
    hold_until_mono_ = kept ? now + (static_cast<double>(kept) - clock_.wall()) : 0;
  }

  void loop() {
    double last_progress = start_mono_;
    for (;;) {
      if (options_.should_stop && options_.should_stop()) stop(Stop::kInterrupted);
      for (uint64_t id : unlinker_.take_done()) plan_.delivered(static_cast<Id>(id));
      // A run that stops for good sends no more of a batch's requests; one
      // that ran out of budget finishes the batches it began.
      if (stop_ != Stop::kNone && stop_ != Stop::kBudget) cancel_unsent();
      start_requests();
      if (flights_.empty() && unlinker_.pending() == 0 && (stop_ != Stop::kNone || !has_ready()))
        break;
      double now = clock_.mono();
      if (hold_until_mono_ > now) notice_cleared_hold(now);
      double wake = deadline_;
      // Wake for the next throttle slot only when a request could start then
      // (with every connection busy, only an answer can change anything).
      if (((has_ready() && stop_ == Stop::kNone) || has_unsent()) &&
          requests_.size() < static_cast<size_t>(config_.concurrency)) {
        wake = std::min(wake, throttle_.next_allowed(now));
        if (hold_until_mono_ > now) wake = std::max(wake, hold_until_mono_);
      }
      double wait = std::clamp(wake - now, 0.0, 0.5);
      if (!requests_.empty()) {
        // The transport waits in whole milliseconds: the last one before a
        // throttle slot is slept here, so that 1000/s keeps its timeline.
        std::vector<HttpResponse> done = transport_->wait(wait < 0.002 ? 0 : wait - 0.001);
        for (HttpResponse& r : done) handle(r);
        wait = done.empty() ? std::clamp(wake - clock_.mono(), 0.0, 0.0002) : 0;
      }
      if (flights_.empty() && unlinker_.pending() > 0 && (stop_ != Stop::kNone || !has_ready()))
        unlinker_.wait_some(0.5);  // only a delete can release what waits
      else if (wait > 0)
        clock_.sleep(wait);
      if (options_.on_progress && clock_.mono() - last_progress >= 0.5) {
        last_progress = clock_.mono();
        report_.summary.seconds = last_progress - start_mono_;
        options_.on_progress(report_.summary);
      }
    }
  }

  // Starts requests while connections are free and the throttle and any
  // hold allow: the rest of a batch begun before a new batch.
  void start_requests() {
    while (requests_.size() < static_cast<size_t>(config_.concurrency)) {
      const double now = clock_.mono();
      auto waiting = std::find_if(flights_.begin(), flights_.end(),
                                  [](const auto& f) { return !f.second.unsent.empty(); });
      size_t room = std::min(sink_.max_batch(), batch_limit_);
      if (waiting == flights_.end()) {
        if (stop_ != Stop::kNone || !has_ready()) return;
        if (options_.max_events > 0)
          room = std::min<size_t>(room, static_cast<uint64_t>(options_.max_events) -
                                            std::min<uint64_t>(started_, options_.max_events));
        if (now >= deadline_ || room == 0) {
          stop(Stop::kBudget);
          return;
        }
      }
      if (hold_until_mono_ > now || throttle_.next_allowed(now) > now) return;
      if (waiting != flights_.end())
        submit_part(waiting->first, waiting->second, now);
      else
        start_batch(plan_.pop_batch(start_ms_, room), now);
    }
  }

  bool has_unsent() const {
    for (const auto& f : flights_)
      if (!f.second.unsent.empty()) return true;
    return false;
  }

  // The parsed bodies of one batch, in one pool, for as long as its
  // requests are being made.
  struct BatchJson {
    rapidjson::MemoryPoolAllocator<> pool;
    std::deque<rapidjson::Document> docs;
  };

  // Reads the batch's files, each parsed once into `json`; those gone or
  // unreadable leave the plan.
  std::vector<QueuedEvent> load(const std::vector<Id>& batch, std::vector<Id>& kept,
                                BatchJson& json) {
    std::vector<QueuedEvent> events;
    events.reserve(batch.size());
    for (Id i : batch) {
      std::optional<std::string> body;
      std::string why;
      try {
        body = read_file(spool_, SpoolState::kQueue, name(i));
      } catch (const SpoolError& e) {
        why = e.what();
      }
      if (!body && why.empty()) {  // removed meanwhile (mcp-report delete)
        plan_.delivered(i);
        continue;
      }
      std::optional<EventName> parsed = EventName::parse(plan_.name(i));
      EventSummary summary{};
      rapidjson::Document* doc = nullptr;
      if (why.empty()) {
        doc = &json.docs.emplace_back(&json.pool);
        std::optional<EventSummary> event = parse_event(*body, *doc, &why);
        if (event && interaction_key(event->interaction_id) != parsed->interaction_key)
          why = "interaction_id differs from the file name";
        if (event) summary = std::move(*event);
      }
      if (!why.empty()) {
        set_aside_corrupt(name(i), why);
        plan_.delivered(i);
        continue;
      }
      QueuedEvent e;
      e.event_id = parsed->event_id();
      e.interaction_id = summary.interaction_id;
      e.action = parsed->action;
      e.timestamp_us = parsed->timestamp_us;
      e.attempts = parsed->attempts;
      e.body = std::move(*body);
      e.json = doc;
      e.summary = std::move(summary);
      events.push_back(std::move(e));
      kept.push_back(i);
    }
    if (sink_.keeps_starts()) {
      // An event whose start is not in its batch gets the start kept for it.
      std::vector<BatchEvent> order;
      order.reserve(events.size());
      for (const QueuedEvent& e : events) order.push_back({e.interaction_id, e.action});
      const std::vector<size_t> starts = batch_starts(order);
      for (size_t k = 0; k < events.size(); ++k)
        if (starts[k] == kNoStart)
          events[k].started_body = kept_start(interaction_key(events[k].interaction_id));
    }
    return events;
  }

  // The start kept in started/ for an interaction (by its key), "" when
  // none is.
  std::string kept_start(const std::string& interaction_key) {
    try {
      return read_file(spool_, SpoolState::kStarted, interaction_key).value_or("");
    } catch (const SpoolError&) {
      return "";  // unreadable: the span falls back on what the end says
    }
  }

  void start_batch(const std::vector<Id>& batch, double now) {
    std::vector<Id> ids;
    BatchJson json;
    std::vector<QueuedEvent> events = load(batch, ids, json);
    if (ids.empty()) return;
    std::vector<const QueuedEvent*> view;
    for (const QueuedEvent& e : events) view.push_back(&e);
    std::vector<SinkRequest> parts = sink_.requests(view);
    started_ += ids.size();
    // The time the throttle counts for its first request, on the wall clock.
    if (options_.on_send)
      for (const QueuedEvent& e : events) options_.on_send(e.event_id, now + wall_minus_mono_);
    if (parts.empty()) {  // its events feed nothing the sink sends
      deliver(ids);
      return;
    }
    const uint64_t number = ++last_batch_;
    Flight& flight = flights_[number];
    flight.ids = std::move(ids);
    flight.unsent.assign(std::make_move_iterator(parts.begin()),
                         std::make_move_iterator(parts.end()));
    submit_part(number, flight, now);
  }

  void submit_part(uint64_t number, Flight& flight, double now) {
    if (!transport_) transport_ = make_transport_();
    SinkRequest part = std::move(flight.unsent.front());
    flight.unsent.pop_front();
    part.http.tag = ++last_tag_;
    transport_->submit(part.http);
    throttle_.record(now);
    requests_.emplace(part.http.tag, std::make_pair(number, part.part));
    ++flight.answers_due;
  }

  // The run stopped: requests not yet sent never will be in it, and their
  // batches end with what the sent ones were answered.
  void cancel_unsent() {
    for (auto it = flights_.begin(); it != flights_.end();) {
      Flight& f = it->second;
      if (!f.unsent.empty()) {
        f.unsent.clear();
        f.cancelled = true;
      }
      if (f.unsent.empty() && f.answers_due == 0 && f.outcome)
        it = finish_flight(it);
      else
        ++it;
    }
  }

  void handle(const HttpResponse& r) {
    auto req = requests_.find(r.tag);
    if (req == requests_.end()) return;
    const auto [number, part] = req->second;
    requests_.erase(req);
    auto it = flights_.find(number);
    Flight& f = it->second;
    --f.answers_due;
    BatchOutcome o = sink_.outcome(r, part, f.ids.size());
    switch (o.kind) {
      case Kind::kOutage:
        if (stop_ != Stop::kOutage)
          report_.messages.push_back((o.unavailable ? sink_.peer() + " is unavailable: "
                                                    : "cannot reach " + sink_.peer() + ": ") +
                                     o.detail + " (everything kept; try again later)");
        stop(Stop::kOutage);
        break;
      case Kind::kKeyRejected:
        if (stop_ != Stop::kKeyRejected)
          report_.messages.push_back(peer_short() + " rejected " + sink_.credentials() + " (" +
                                     o.detail + "); nothing was consumed");
        report_.hint = sink_.key_hint();
        stop(Stop::kKeyRejected);
        break;
      case Kind::kHold:
        f.hold_wait = std::max(
            f.hold_wait,
            bounded_wait(parse_retry_after(o.retry_after, static_cast<int64_t>(clock_.wall()))
                             .value_or(std::max(1.0, config_.retry_delay)),
                         config_.max_backoff));
        break;
      default:
        break;
    }
    f.outcome = f.outcome ? combine(std::move(*f.outcome), o) : std::move(o);
    if (f.answers_due == 0 && f.unsent.empty()) finish_flight(it);
  }

  // Every request of a batch was answered (or will not be sent): what the
  // answers mean together happens to all its events.
  std::map<uint64_t, Flight>::iterator finish_flight(std::map<uint64_t, Flight>::iterator it) {
    Flight f = std::move(it->second);
    it = flights_.erase(it);
    const BatchOutcome& o = *f.outcome;
    if (f.cancelled && o.kind == Kind::kDelivered) {
      // Some of it went, not all: not delivered, not an attempt.
      for (Id i : f.ids) plan_.held(i);
      return it;
    }
    switch (o.kind) {
      case Kind::kDelivered:
        deliver(f.ids);
        report_.summary.rejected += o.rejected;
        if (o.rejected || !o.note.empty())
          report_.messages.push_back(sink_.peer() + " refused " + refused_text(o));
        break;
      case Kind::kOutage:
      case Kind::kKeyRejected:
        for (Id i : f.ids) plan_.held(i);
        break;
      case Kind::kHold:
        for (Id i : f.ids) plan_.held(i);
        hold(static_cast<int64_t>(std::ceil(clock_.wall() + f.hold_wait)));
        break;
      case Kind::kRetry:
        for (Id i : f.ids) retry_or_bury(i, o);
        break;
      case Kind::kDead:
        for (Id i : f.ids) bury(i, o.reason, o.category);
        break;
      case Kind::kTooLarge:
        if (f.ids.size() == 1) {
          bury(f.ids[0], o.reason, o.category);
          break;
        }
        // Too large together, perhaps not apart: the rest of the pass sends
        // batches of half as many, and a single event too large alone is
        // the only one dead-lettered.
        batch_limit_ = std::min(batch_limit_, f.ids.size() / 2);
        for (Id i : f.ids) plan_.held(i);
        if (!told_too_large_)
          report_.messages.push_back(peer_short() + " refused a request of " +
                                     plural(f.ids.size(), "event") + " as too large (" + o.category +
                                     "): sending smaller batches");
        told_too_large_ = true;
        break;
    }
    return it;
  }

  // "the coordinator at URL" → "the coordinator".
  std::string peer_short() const {
    std::string p = sink_.peer();
    return p.substr(0, p.find(" at "));
  }

  // A batch was taken: its files go (a start the sink keeps is moved into
  // started/ instead, named by its interaction's key, and removed after its
  // interaction's end), and the next event of each interaction goes once its
  // predecessor's file has.
  void deliver(const std::vector<Id>& ids) {
    const bool keeps = sink_.keeps_starts();
    std::vector<EventName> names;
    for (Id i : ids) names.push_back(*EventName::parse(plan_.name(i)));
    // By position, as the sink pairs them (an id may be used again in one
    // batch): whether a start's end follows it in the batch, and whether an
    // end's start came before it. An end without its start whose id starts
    // again later in the batch, that start to be kept, leaves the kept start
    // to be replaced by its move (a remove on the Unlinker's thread could
    // come after it).
    std::vector<bool> paired(ids.size(), false), restarted(ids.size(), false);
    if (keeps) {
      std::vector<BatchEvent> order;
      order.reserve(names.size());
      for (const EventName& n : names) order.push_back({n.interaction_key, n.action});
      const std::vector<size_t> starts = batch_starts(order);
      for (size_t k = 0; k < names.size(); ++k) {
        const size_t s = starts[k];
        const bool ends = names[k].action == 'c' || names[k].action == 'e';
        if (ends && s != kNoStart && !paired[s]) paired[s] = paired[k] = true;  // its first end
      }
      std::unordered_set<std::string> moved_later;  // keys of starts moved after this point
      for (size_t k = names.size(); k-- > 0;) {
        if (names[k].action == 's' && !paired[k]) moved_later.insert(names[k].interaction_key);
        else if (names[k].action != 's') restarted[k] = moved_later.count(names[k].interaction_key);
      }
    }
    std::vector<Unlinker::Delete> deletes;
    deletes.reserve(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
      const Id i = ids[k];
      const EventName& parsed = names[k];
      starts_.delivered(parsed.action, parsed.interaction_key,
                        static_cast<double>(parsed.timestamp_us) / 1e6);
      const bool ends = parsed.action == 'c' || parsed.action == 'e';
      if (keeps && parsed.action == 's' && !paired[k]) {
        // Moved here, before the batch's deletes are handed to the
        // Unlinker's threads: once its interaction's next events are gone, its
        // end may be loaded into a later batch, which must find the start in
        // started/ (moved on another thread, it could be late, and the span
        // lost).
        move_file(spool_, SpoolState::kQueue, name(i), SpoolState::kStarted,
                  parsed.interaction_key, false);
        plan_.delivered(i);
      } else if (keeps && ends && !paired[k] && !restarted[k]) {
        deletes.push_back({i, name(i), spool_.dir_fd(SpoolState::kStarted), parsed.interaction_key});
        dirty_started_ = true;
      } else {
        deletes.push_back({i, name(i), -1, {}});
      }
      ++report_.summary.sent;
    }
    unlinker_.submit_all(std::move(deletes));
  }

  void retry_or_bury(Id i, const BatchOutcome& o) {
    const unsigned attempts = plan_.attempts(i) + 1;
    if (attempts > static_cast<unsigned>(config_.max_retries)) {
      const std::string gave_up = "gave up after " + plural(attempts, "attempt");
      // Dead under its final count, so `list` says "N failed" as the reason does.
      bury(i, gave_up + "; last: " + o.reason,
           gave_up + " (last: " + o.detail.substr(0, o.detail.find(':')) + ")", attempts);
      return;
    }
    double delay = backoff_delay(attempts, config_.retry_delay, config_.max_backoff, random_unit());
    const int64_t due_ms = ceil_ms(clock_.wall() + delay);
    Rescheduled r = reschedule(spool_, name(i), attempts, due_ms);
    if (r.outcome == SpoolOutcome::kDone) dirty_queue_ = true;
    plan_.failed(i, attempts, due_ms, r.name);
    last_failure_ = o.detail;
    ++report_.summary.retried;
  }

  void bury(Id i, const std::string& reason, const std::string& category,
            std::optional<unsigned> final_attempts = std::nullopt) {
    if (mcpr::bury(spool_, name(i), reason, config_.sync, final_attempts) == SpoolOutcome::kDone) {
      ++report_.summary.dead;
      ++dead_reasons_[category];
      if (!first_reason_.count(category)) first_reason_[category] = reason;
    }
    plan_.buried(i);
  }

  void set_aside_corrupt(const std::string& name, const std::string& reason) {
    if (quarantine(spool_, name, reason, config_.sync) == SpoolOutcome::kDone) {
      ++report_.summary.corrupt;
      if (corrupt_example_.empty()) corrupt_example_ = name + ": " + reason;
    }
  }

  // The peer asked for quiet until `until` (epoch seconds): wait if that
  // ends within this run's time, else stop; later runs keep to it too.
  void hold(int64_t until) {
    if (until > hold_until_) {
      hold_until_ = until;
      extend_hold(spool_, until, static_cast<int64_t>(clock_.wall()), config_.max_backoff);
    }
    double mono_until = clock_.mono() + (static_cast<double>(until) - clock_.wall());
    hold_until_mono_ = std::max(hold_until_mono_, mono_until);
    if (mono_until > deadline_) {
      stop(Stop::kHeld);
      report_.messages.push_back(peer_short() + " asked to wait until " + local_time_text(until) +
                                 " (Retry-After); no flush sends before then");
    }
  }

  void stop(Stop why) {
    if (stop_ == Stop::kNone || why == Stop::kKeyRejected) stop_ = why;
  }

  void finish() {
    FlushSummary& s = report_.summary;
    s.seconds = clock_.mono() - start_mono_;
    // One fsync makes the run's renames and deletes durable: without it a
    // power loss after the run brings back every event it delivered, to be
    // sent again.
    if ((dirty_queue_ || s.sent > 0) && config_.sync) ::fsync(spool_.dir_fd(SpoolState::kQueue));
    // Then the kept starts it removed, never before their ends' deletes are
    // durable: an end back in queue/ after a power loss finds its start. A
    // start removed and brought back waits for an end that has gone.
    if (dirty_started_ && config_.sync) ::fsync(spool_.dir_fd(SpoolState::kStarted));
    const int64_t now = now_ms();
    report_.next_due_ms = plan_.next_due(now);
    s.left = static_cast<unsigned>(plan_.left(now));
    for (const auto& [category, count] : dead_reasons_)
      report_.messages.push_back(plural(count, "event") + " dead-lettered: " +
                                 first_reason_[category]);
    if (s.retried)
      report_.messages.push_back(plural(s.retried, "event") +
                                 " failed and will be retried (last: " + last_failure_ + ")");
    report_.outage = stop_ == Stop::kOutage;
    if (s.left && stop_ == Stop::kBudget)
      report_.messages.push_back(plural(s.left, "due event") +
                                 " left for the next run (--max-events/--max-time)");
    if (s.corrupt)
      report_.messages.push_back(plural(s.corrupt, "unreadable file") + " moved to corrupt/ (" +
                                 corrupt_example_ + ")");
    PassFacts facts;
    facts.stop = stop_;
    facts.dead = s.dead;
    facts.corrupt = s.corrupt;
    facts.retried = s.retried;
    facts.left = s.left;
    facts.follow = options_.follow;
    const FlushVerdict verdict = decide(facts);
    s.exit_code = verdict.exit_code;
    s.result = outcome_name(verdict.outcome);
  }

  const Config& config_;
  const Spool& spool_;
  const FlushOptions& options_;
  const TransportFactory& make_transport_;
  Sink& sink_;
  Clock& clock_;
  DeliveredStarts& starts_;
  FlushReport& report_;
  Throttle& throttle_;
  std::unique_ptr<HttpTransport>& transport_;

  // Deletes on a few threads: on ext4, 2 threads halve the time of 5,000
  // deletes and 4 take it to 0.37x, while a send waits for none of them.
  // Flushing 30,000 events from disk here, 8 threads took 12% off 4's time
  // and 16 nothing more.
  static constexpr int kUnlinkThreads = 8;
  Scheduler plan_;
  Unlinker unlinker_;
  std::map<uint64_t, Flight> flights_;  // by batch number, oldest first
  // Requests in flight: their batch's number and the sink's part.
  std::unordered_map<uint64_t, std::pair<uint64_t, int>> requests_;
  uint64_t last_batch_ = 0;
  uint64_t last_tag_ = 0;
  uint64_t started_ = 0;  // events sent in this pass
  // Events per batch at most in this pass: the sink's, or fewer once a
  // request was refused as too large.
  size_t batch_limit_ = SIZE_MAX;
  bool told_too_large_ = false;
  int64_t start_ms_ = 0;
  double start_mono_ = 0, deadline_ = 0, hold_until_mono_ = 0, wall_minus_mono_ = 0;
  int64_t hold_until_ = 0;        // epoch seconds: the hold this pass keeps to, 0 for none
  double hold_checked_mono_ = 0;  // when the kept hold was last read
  Stop stop_ = Stop::kNone;
  bool dirty_queue_ = false;
  bool dirty_started_ = false;  // kept starts were removed from started/
  std::map<std::string, unsigned> dead_reasons_;
  std::map<std::string, std::string> first_reason_;
  std::string corrupt_example_;
  std::string last_failure_;
};

}  // namespace

std::string DryRunEvent::line() const {
  return event_id + "  " + action + "  " + interaction_id +
         (attempt > 1 ? "  (attempt " + std::to_string(attempt) + ")" : "");
}

// Event ids and actions are plain ASCII; an imported interaction id may hold
// quotes, backslashes and any UTF-8.
std::string DryRunEvent::json() const {
  std::string id_json;
  python_string(interaction_id, &id_json);
  return "{\"would_send\": \"" + event_id + "\", \"action\": \"" + action +
         "\", \"interaction_id\": " + id_json + ", \"attempt\": " + std::to_string(attempt) + "}";
}

void run_flush_pass(FlushSession& session, unsigned expired, FlushReport& report) {
  Flusher flusher(session, report);
  flusher.count_expired(expired);
  flusher.run();
}

}  // namespace mcpr
