// Cuts a byte stream into newline-delimited lines for the recorder, beside
// the forwarding (which never waits for a newline). Lines of `max_line`
// bytes or more are never buffered or parsed whole: only their first and
// last kLineEdge bytes are kept, so an answer's id can still be found.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpr {

constexpr size_t kLineEdge = 512;

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line) : max_line_(max_line) {}

  // Calls on_line(std::string_view) for each complete line in `chunk` (and
  // the part kept from earlier chunks), without its newline or a trailing
  // CR, and on_long(head, tail, size) for each line too long to parse. A
  // line that fits in one chunk is passed without a copy.
  template <typename OnLine, typename OnLong>
  void feed(std::string_view chunk, OnLine&& on_line, OnLong&& on_long) {
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        keep(chunk);
        return;
      }
      std::string_view piece = chunk.substr(0, nl);
      chunk.remove_prefix(nl + 1);
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      if (skipping_) {
        add_skipped(piece);
      } else if (pending_.size() + piece.size() >= max_line_) {
        start_skipping(pending_, piece);
      } else if (pending_.empty()) {
        if (!piece.empty()) on_line(piece);
        continue;
      } else {
        pending_.append(piece);
        if (pending_.back() == '\r') pending_.pop_back();
        if (!pending_.empty()) on_line(std::string_view(pending_));
        pending_.clear();
        continue;
      }
      on_long(std::string_view(head_), std::string_view(tail_), skipped_size_);
      skipping_ = false;
    }
  }

  template <typename OnLine>
  void feed(std::string_view chunk, OnLine&& on_line) {
    feed(chunk, on_line, [](std::string_view, std::string_view, size_t) {});
  }

  size_t skipped() const { return skipped_; }  // lines too long to parse

  // At the end of the stream: whether a line had begun without its newline,
  // with its start (all of it, `tail` empty; or, when it is too long to
  // parse, its first and last kLineEdge bytes) and its size so far.
  bool unfinished(std::string_view* start, std::string_view* tail, size_t* size) const {
    if (skipping_) {
      *start = head_;
      *tail = tail_;
      *size = skipped_size_;
      return true;
    }
    *start = pending_;
    *tail = {};
    *size = pending_.size();
    return !pending_.empty();
  }

 private:
  void keep(std::string_view part);
  void start_skipping(std::string_view kept, std::string_view part);
  void add_skipped(std::string_view part);  // more of the line being skipped

  size_t max_line_;
  std::string pending_;
  bool skipping_ = false;
  std::string head_, tail_;  // of the line being skipped
  size_t skipped_size_ = 0;
  size_t skipped_ = 0;
};

}  // namespace mcpr
