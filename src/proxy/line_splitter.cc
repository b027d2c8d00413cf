#include "src/proxy/line_splitter.h"

namespace mcpr {

void LineSplitter::keep(std::string_view part) {
  if (skipping_) return;
  if (pending_.size() + part.size() >= max_line_) {
    // Too long to parse: drop what is kept and skip to the next newline.
    pending_.clear();
    pending_.shrink_to_fit();
    skipping_ = true;
    ++skipped_;
    return;
  }
  pending_.append(part);
}

}  // namespace mcpr
