#include "src/proxy/line_splitter.h"

namespace mcpr {

void LineSplitter::keep(std::string_view part) {
  if (skipping_) {
    add_skipped(part);
  } else if (pending_.size() + part.size() >= max_line_) {
    start_skipping(pending_, part);
  } else {
    pending_.append(part);
  }
}

// The line so far is `kept` then `part`: too long. Keep its edges only.
void LineSplitter::start_skipping(std::string_view kept, std::string_view part) {
  std::string head(kept.substr(0, kLineEdge));
  if (head.size() < kLineEdge) head.append(part.substr(0, kLineEdge - head.size()));
  head_ = std::move(head);
  tail_.clear();
  skipped_size_ = 0;
  add_skipped(kept);
  add_skipped(part);
  pending_.clear();
  pending_.shrink_to_fit();
  skipping_ = true;
  ++skipped_;
}

void LineSplitter::add_skipped(std::string_view part) {
  skipped_size_ += part.size();
  if (part.size() >= kLineEdge) {
    tail_.assign(part.substr(part.size() - kLineEdge));
  } else {
    tail_.append(part);
    if (tail_.size() > kLineEdge) tail_.erase(0, tail_.size() - kLineEdge);
  }
}

}  // namespace mcpr
