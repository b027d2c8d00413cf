#include "src/delivery/flush_pass.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <queue>
#include <string_view>

#include "spool/event_name.h"
#include "spool/spool.h"
#include "src/event/event.h"
#include "src/util/failure.h"
#include "src/delivery/retry_policy.h"
#include "src/delivery/throttle.h"

namespace mcpr {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

}  // namespace

double mono_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double wall_now() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

namespace {

double random01() {
  uint64_t r = 0;
  if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
    r = static_cast<uint64_t>(mono_now() * 1e9);
  return static_cast<double>(r >> 11) / static_cast<double>(1ull << 53);
}

// One queued event as the scheduler sees it; everything comes from its name,
// which is kept in the flusher's arena of names (24 bytes an event here, so a
// backlog of 100,000 is scheduled in a few MiB).
struct Entry {
  uint32_t name_at = 0;  // offset of the name in Flusher::names_
  uint16_t name_size = 0;
  enum State : uint8_t { kQueued, kInFlight, kDone, kFailed } state = kQueued;
  uint32_t attempts = 0;
  int64_t due = 0;
  uint32_t next_same = kNone;  // the next event of the same interaction
};

enum class Stop { kNone, kBudget, kOutage, kKeyRejected, kHeld, kInterrupted };

// One pass over the queue: scan, then send what is due until it is all sent
// or the run must stop.
class Flusher {
 public:
  Flusher(FlushSession& session, FlushReport& report)
      : config_(session.config),
        spool_(session.spool),
        options_(session.options),
        make_transport_(session.make_transport),
        state_(session.state),
        report_(report),
        throttle_(session.throttle),
        transport_(session.transport) {}

  void run() {
    start_mono_ = mono_now();
    wall_minus_mono_ = wall_now() - start_mono_;
    deadline_ = options_.follow ? 1e300 : start_mono_ + options_.max_time;
    report_.summary.started_at = wall_now();
    scan();
    const int64_t now = static_cast<int64_t>(wall_now());
    for (uint32_t head : heads_) {
      if (entries_[head].due <= now) ready_.push(head);
    }
    if (options_.dry_run) return dry_run();
    state_.hold_until = effective_hold(state_.hold_until, now, config_.max_backoff);
    if (!ready_.empty() && state_.hold_until > now) hold(state_.hold_until);
    loop();
    finish();
  }

 private:
  using MinHeap = std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<uint32_t>>;

  void scan() {
    for_each_name(spool_, SpoolState::kQueue, false, [this](std::string_view file) {
      std::optional<EventName> parsed = EventName::parse(file);
      if (!parsed || !valid_interaction_id(parsed->interaction_id)) {
        set_aside_corrupt(std::string(file), "not an event file name");
        return;
      }
      Entry e;
      e.due = parsed->due;
      e.attempts = parsed->attempts;
      set_name(e, file);
      entries_.push_back(e);
    });
    std::sort(entries_.begin(), entries_.end(),
              [this](const Entry& a, const Entry& b) { return name_view(a) < name_view(b); });
    // Link each interaction's events in order; the first of each is a head.
    std::vector<uint32_t> order(entries_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
      return interaction(entries_[a]) < interaction(entries_[b]);
    });
    for (size_t k = 0; k < order.size(); ++k) {
      if (k == 0 || interaction(entries_[order[k - 1]]) != interaction(entries_[order[k]]))
        heads_.push_back(order[k]);
      else
        entries_[order[k - 1]].next_same = order[k];
    }
  }

  std::string_view name_view(const Entry& e) const {
    return std::string_view(names_).substr(e.name_at, e.name_size);
  }
  std::string name(uint32_t i) const { return std::string(name_view(entries_[i])); }
  std::string_view interaction(const Entry& e) const {
    std::string_view id = name_view(e).substr(32);
    return id.substr(0, id.find(','));
  }
  void set_name(Entry& e, std::string_view file) {
    e.name_at = static_cast<uint32_t>(names_.size());
    e.name_size = static_cast<uint16_t>(file.size());
    names_ += file;
  }

  void dry_run() {
    int64_t shown = 0;
    while (!ready_.empty() && (options_.max_events == 0 || shown < options_.max_events)) {
      uint32_t i = ready_.top();
      ready_.pop();
      const Entry& e = entries_[i];
      std::optional<EventName> name = EventName::parse(name_view(e));
      const ActionInfo* action = action_by_code(name->action);
      if (options_.on_dry_run)
        options_.on_dry_run(
            name->event_id() + "  " + action->name + "  " + name->interaction_id +
            (e.attempts ? "  (attempt " + std::to_string(e.attempts + 1) + ")" : ""));
      ++shown;
      advance(i);
    }
    report_.summary.left = static_cast<unsigned>(ready_.size());
  }

  void loop() {
    double last_progress = start_mono_;
    for (;;) {
      if (options_.should_stop && options_.should_stop()) stop(Stop::kInterrupted);
      if (stop_ == Stop::kNone) start_requests();
      if (in_flight_ == 0 && (stop_ != Stop::kNone || ready_.empty())) break;
      double now = mono_now();
      double wake = deadline_;
      if (!ready_.empty() && stop_ == Stop::kNone) {
        wake = std::min(wake, throttle_.next_allowed(now));
        if (hold_until_mono_ > now) wake = std::max(wake, hold_until_mono_);
      }
      double wait = std::clamp(wake - now, 0.0, 0.5);
      if (in_flight_ > 0) {
        // The transport waits in whole milliseconds: the last one before a
        // throttle slot is slept here, so that 1000/s keeps its timeline.
        std::vector<HttpResponse> done = transport_->wait(wait < 0.002 ? 0 : wait - 0.001);
        for (HttpResponse& r : done) handle(r);
        if (!done.empty()) continue;
        wait = std::clamp(wake - mono_now(), 0.0, 0.0002);
      }
      if (wait > 0) ::usleep(static_cast<useconds_t>(wait * 1e6));
      if (options_.on_progress && mono_now() - last_progress >= 0.5) {
        last_progress = mono_now();
        report_.summary.seconds = last_progress - start_mono_;
        options_.on_progress(report_.summary);
      }
    }
  }

  void start_requests() {
    while (!ready_.empty() && in_flight_ < static_cast<size_t>(config_.concurrency)) {
      double now = mono_now();
      if (now >= deadline_ ||
          (options_.max_events > 0 && started_ >= static_cast<uint64_t>(options_.max_events))) {
        stop(Stop::kBudget);
        return;
      }
      if (hold_until_mono_ > now || throttle_.next_allowed(now) > now) return;
      uint32_t i = ready_.top();
      ready_.pop();
      send(i, now);
    }
  }

  void send(uint32_t i, double now) {
    Entry& e = entries_[i];
    std::optional<std::string> body;
    std::string why;
    try {
      body = read_file(spool_, SpoolState::kQueue, name(i));
    } catch (const Failure& f) {
      why = f.what();
    }
    if (!body && why.empty()) {  // removed meanwhile (mcp-report delete)
      e.state = Entry::kDone;
      return advance(i);
    }
    if (why.empty()) {
      std::optional<EventSummary> event = check_event(*body, &why);
      if (event && event->interaction_id != interaction(e))
        why = "interaction_id differs from the file name";
    }
    if (!why.empty()) {
      set_aside_corrupt(name(i), why);
      e.state = Entry::kDone;
      return advance(i);
    }
    if (!transport_) transport_ = make_transport_();
    HttpRequest request;
    request.tag = i;
    request.url = url_;
    request.body = std::move(*body);
    request.idempotency_key = std::string(event_id_of(name_view(e)));
    transport_->submit(request);
    throttle_.record(now);
    // The time the throttle counted, on the wall clock.
    if (options_.on_send) options_.on_send(request.idempotency_key, now + wall_minus_mono_);
    e.state = Entry::kInFlight;
    ++in_flight_;
    ++started_;
  }

  void handle(const HttpResponse& r) {
    uint32_t i = static_cast<uint32_t>(r.tag);
    Entry& e = entries_[i];
    --in_flight_;
    e.state = Entry::kQueued;
    switch (classify(r)) {
      case Outcome::kDelivered: {
        std::string_view file = name_view(e);
        state_.delivered(file[30], std::string(interaction(e)),
                         static_cast<double>(EventName::parse(file)->timestamp_us) / 1e6);
        remove_file(spool_, SpoolState::kQueue, name(i));
        e.state = Entry::kDone;
        ++report_.summary.sent;
        return advance(i);
      }
      case Outcome::kUnreachable:
        ready_.push(i);
        if (stop_ != Stop::kOutage)
          report_.messages.push_back("cannot reach the coordinator at " + display_url(url_base_) + ": " +
                                     describe_response(r, false) +
                                     " (everything kept; try again later)");
        stop(Stop::kOutage);
        return;
      case Outcome::kKeyRejected:
        ready_.push(i);
        if (stop_ != Stop::kKeyRejected)
          report_.messages.push_back("the coordinator rejected the API key (" +
                                     describe_response(r, false) + "); nothing was consumed");
        report_.hint = "check the key with 'mcp-report validate-key'";
        stop(Stop::kKeyRejected);
        return;
      case Outcome::kThrottled: {
        ready_.push(i);
        double wait = bounded_wait(
            parse_retry_after(r.retry_after, static_cast<int64_t>(wall_now()))
                .value_or(std::max(1.0, config_.retry_delay)),
            config_.max_backoff);
        hold(static_cast<int64_t>(std::ceil(wall_now() + wait)));
        return;
      }
      case Outcome::kRetry:
        return retry_or_bury(i, r);
      case Outcome::kPermanent:
        bury(i, describe_response(r, true), "HTTP " + std::to_string(r.status));
        return advance(i);
    }
  }

  void retry_or_bury(uint32_t i, const HttpResponse& r) {
    Entry& e = entries_[i];
    const unsigned attempts = e.attempts + 1;
    if (attempts > static_cast<unsigned>(config_.max_retries)) {
      std::string last = describe_response(r, false);
      bury(i,
           "gave up after " + std::to_string(attempts) +
               " attempts; last: " + describe_response(r, true),
           "gave up after " + std::to_string(attempts) +
               " attempts (last: " + last.substr(0, last.find(':')) + ")");
      return advance(i);
    }
    std::optional<EventName> parsed = EventName::parse(name_view(e));
    parsed->attempts = attempts;
    double delay = backoff_delay(attempts, config_.retry_delay, config_.max_backoff, random01());
    parsed->due = static_cast<int64_t>(std::ceil(wall_now() + delay));
    std::string new_name = parsed->format();
    if (move_file(spool_, SpoolState::kQueue, name(i), SpoolState::kQueue, new_name, false))
      dirty_queue_ = true;
    set_name(e, new_name);
    e.attempts = attempts;
    e.state = Entry::kFailed;
    last_failure_ = describe_response(r, false);
    ++report_.summary.retried;
  }

  void bury(uint32_t i, const std::string& reason, const std::string& category) {
    Entry& e = entries_[i];
    if (set_aside(spool_, name(i), SpoolState::kDead, reason, config_.sync)) {
      ++report_.summary.dead;
      ++dead_reasons_[category];
      if (!first_reason_.count(category)) first_reason_[category] = reason;
    }
    e.state = Entry::kDone;
  }

  void set_aside_corrupt(const std::string& name, const std::string& reason) {
    if (set_aside(spool_, name, SpoolState::kCorrupt, reason, config_.sync)) {
      ++report_.summary.corrupt;
      if (corrupt_example_.empty()) corrupt_example_ = name + ": " + reason;
    }
  }

  // The event left the queue: the next one of its interaction may go.
  void advance(uint32_t i) {
    uint32_t next = entries_[i].next_same;
    if (next != kNone && entries_[next].due <= static_cast<int64_t>(wall_now())) ready_.push(next);
  }

  // The coordinator asked for quiet until `until` (epoch seconds): wait if
  // that ends within this run's time, else stop; later runs keep to it too.
  void hold(int64_t until) {
    if (until > state_.hold_until) {
      state_.hold_until = until;
      save_flush_state(spool_, state_);
    }
    double mono_until = mono_now() + (static_cast<double>(until) - wall_now());
    hold_until_mono_ = std::max(hold_until_mono_, mono_until);
    if (mono_until > deadline_) {
      stop(Stop::kHeld);
      char when[64];
      time_t t = static_cast<time_t>(until);
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
      report_.messages.push_back(std::string("the coordinator asked to wait until ") + when +
                                 " (Retry-After); no flush sends before then");
    }
  }

  void stop(Stop why) {
    if (stop_ == Stop::kNone || why == Stop::kKeyRejected) stop_ = why;
  }

  void finish() {
    FlushSummary& s = report_.summary;
    s.seconds = mono_now() - start_mono_;
    if (dirty_queue_ && config_.sync) ::fsync(spool_.dir_fd(SpoolState::kQueue));
    // Left: events still queued in chains whose first event could go now.
    const int64_t now = static_cast<int64_t>(wall_now());
    for (uint32_t head : heads_) {
      uint32_t i = head;
      while (i != kNone && entries_[i].state == Entry::kDone) i = entries_[i].next_same;
      if (i != kNone && entries_[i].due > now &&
          (report_.next_due == 0 || entries_[i].due < report_.next_due))
        report_.next_due = entries_[i].due;
      if (i == kNone || entries_[i].state == Entry::kFailed || entries_[i].due > now) continue;
      for (; i != kNone; i = entries_[i].next_same)
        if (entries_[i].state != Entry::kDone) ++s.left;
    }
    for (const auto& [category, count] : dead_reasons_)
      report_.messages.push_back(std::to_string(count) + " event" + (count == 1 ? "" : "s") +
                                 " dead-lettered: " + first_reason_[category]);
    if (s.retried)
      report_.messages.push_back(std::to_string(s.retried) + " event" +
                                 (s.retried == 1 ? "" : "s") +
                                 " failed and will be retried (last: " + last_failure_ + ")");
    report_.outage = stop_ == Stop::kOutage;
    if (s.left && stop_ == Stop::kBudget)
      report_.messages.push_back(std::to_string(s.left) + " due event" + (s.left == 1 ? "" : "s") +
                                 " left for the next run (--max-events/--max-time)");
    if (s.corrupt)
      report_.messages.push_back(std::to_string(s.corrupt) + " unreadable file" +
                                 (s.corrupt == 1 ? "" : "s") + " moved to corrupt/ (" +
                                 corrupt_example_ + ")");
    if (stop_ == Stop::kKeyRejected) {
      s.exit_code = kExitNoPerm;
      s.result = "key-rejected";
    } else if (s.dead || s.corrupt) {
      s.exit_code = kExitDataErr;
      s.result = "dead";
    } else if (stop_ == Stop::kOutage) {
      s.exit_code = kExitTempFail;
      s.result = "outage";
    } else if (stop_ == Stop::kInterrupted && options_.follow) {
      s.result = "stopped";
    } else if (s.retried || s.left || stop_ != Stop::kNone) {
      s.exit_code = kExitTempFail;
      s.result = stop_ == Stop::kHeld ? "held" : s.retried ? "retry" : "budget";
    }
  }

 public:
  void set_url(const std::string& base) {
    url_base_ = base;
    url_ = base + "/api/v2/interactions";
  }
  void count_expired(unsigned n) {
    if (n == 0) return;
    report_.summary.dead += n;
    dead_reasons_["expired"] += n;
    first_reason_["expired"] = "expired: queued for more than " +
                               std::to_string(static_cast<int64_t>(config_.max_age_days)) + " days";
  }

 private:
  const Config& config_;
  const Spool& spool_;
  const FlushOptions& options_;
  const TransportFactory& make_transport_;
  FlushState& state_;
  FlushReport& report_;
  Throttle& throttle_;
  std::unique_ptr<HttpTransport>& transport_;
  std::string url_, url_base_;

  std::vector<Entry> entries_;
  std::string names_;  // every entry's file name, back to back
  std::vector<uint32_t> heads_;
  MinHeap ready_;
  size_t in_flight_ = 0;
  uint64_t started_ = 0;
  double start_mono_ = 0, deadline_ = 0, hold_until_mono_ = 0, wall_minus_mono_ = 0;
  Stop stop_ = Stop::kNone;
  bool dirty_queue_ = false;
  std::map<std::string, unsigned> dead_reasons_;
  std::map<std::string, std::string> first_reason_;
  std::string corrupt_example_;
  std::string last_failure_;
};

}  // namespace

void run_flush_pass(FlushSession& session, const std::string& url, unsigned expired,
                    FlushReport& report) {
  Flusher flusher(session, report);
  flusher.set_url(url);
  flusher.count_expired(expired);
  flusher.run();
}

}  // namespace mcpr
