// Cuts a byte stream into newline-delimited lines for the recorder, beside
// the forwarding (which never waits for a newline). Lines of `max_line`
// bytes or more are skipped whole: never buffered, never parsed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpr {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line) : max_line_(max_line) {}

  // Calls on_line(std::string_view) for each complete line in `chunk` (and
  // the part kept from earlier chunks), without its newline or a trailing
  // CR. A line that fits in one chunk is passed without a copy.
  template <typename OnLine>
  void feed(std::string_view chunk, OnLine&& on_line) {
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        keep(chunk);
        return;
      }
      std::string_view piece = chunk.substr(0, nl);
      chunk.remove_prefix(nl + 1);
      if (skipping_) {
        skipping_ = false;
        continue;
      }
      if (pending_.empty()) {
        emit(piece, on_line);
      } else if (pending_.size() + piece.size() < max_line_) {
        pending_.append(piece);
        emit(pending_, on_line);
        pending_.clear();
      } else {
        pending_.clear();
        ++skipped_;
      }
    }
  }

  size_t skipped() const { return skipped_; }  // lines too long to parse

 private:
  template <typename OnLine>
  void emit(std::string_view line, OnLine&& on_line) {
    if (line.size() >= max_line_) {
      ++skipped_;
      return;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
  }
  void keep(std::string_view part);

  size_t max_line_;
  std::string pending_;
  bool skipping_ = false;
  size_t skipped_ = 0;
};

}  // namespace mcpr
