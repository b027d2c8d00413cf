#include "src/proxy/long_line.h"

#include <string>
#include <utility>
#include <vector>

namespace mcpr {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Reads a tail backwards from the end of the line, where its structure is
// known, so every quote found is known to open or close a string: one with
// an even number of backslashes before it does.
class TailReader {
 public:
  explicit TailReader(std::string_view s) : s_(s) {}

  // The members that end the object whose closing brace is the last byte
  // before `end` whole, last first. *open (when given) is set to where the
  // value before them ends when that value is an object that starts before
  // the tail (npos otherwise): the members that end it can be read so too.
  std::vector<std::pair<std::string_view, std::string_view>> members(size_t end, size_t* open) {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    if (open) *open = std::string_view::npos;
    size_t i = end;
    if (!back_space(&i) || s_[i - 1] != '}') return out;
    --i;  // before the closing brace
    for (;;) {
      size_t value_end = i;
      if (!back_space(&value_end)) return out;
      size_t value_start = value_end;
      if (!value_begin(&value_start)) {
        if (open && s_[value_end - 1] == '}') *open = value_end;
        return out;
      }
      size_t k = value_start;
      if (!back_space(&k) || s_[k - 1] != ':') return out;
      --k;
      if (!back_space(&k) || !quote_at(k - 1)) return out;
      const size_t key_end = k;
      size_t key_start = k - 1;
      if (!string_begin(&key_start)) return out;
      out.emplace_back(s_.substr(key_start, key_end - key_start),
                       s_.substr(value_start, value_end - value_start));
      i = key_start;
      if (!back_space(&i)) return out;
      if (s_[i - 1] == '{') return out;  // the object's first member
      if (s_[i - 1] != ',') return out;
      --i;
    }
  }

  size_t size() const { return s_.size(); }

 private:
  // Moves *i back over whitespace; false when nothing is left before it.
  bool back_space(size_t* i) const {
    while (*i > 0 && is_space(s_[*i - 1])) --(*i);
    return *i > 0;
  }

  bool quote_at(size_t q) const {
    if (s_[q] != '"') return false;
    size_t slashes = 0;
    while (q > slashes && s_[q - 1 - slashes] == '\\') ++slashes;
    return slashes % 2 == 0;
  }

  // *i is at a string's closing quote: moves it to the opening one.
  bool string_begin(size_t* i) const {
    for (size_t k = *i; k-- > 0;) {
      if (quote_at(k)) {
        *i = k;
        return true;
      }
    }
    return false;
  }

  // *i is just after a value: moves it to the value's first byte; false when
  // the value starts before the tail.
  bool value_begin(size_t* i) const {
    size_t k = *i - 1;
    const char c = s_[k];
    if (c == '"') {
      if (!quote_at(k) || !string_begin(&k)) return false;
      *i = k;
      return true;
    }
    if (c == '}' || c == ']') {
      int depth = 0;
      for (;;) {
        const char d = s_[k];
        if (d == '"' && quote_at(k)) {
          if (!string_begin(&k)) return false;
        } else if (d == '}' || d == ']') {
          ++depth;
        } else if ((d == '{' || d == '[') && --depth == 0) {
          *i = k;
          return true;
        }
        if (k == 0) return false;
        --k;
      }
    }
    while (k > 0 && s_[k - 1] != ':' && s_[k - 1] != ',' && !is_space(s_[k - 1])) --k;
    if (k == 0) return false;  // a number may go on before the tail
    *i = k;
    return true;
  }

  std::string_view s_;
};

}  // namespace

bool read_long_line(std::string_view head, std::string_view tail, JsonTree* tree) {
  if (!tree->parse_prefix(head) || !JsonTree::is(tree->root(), JsonTree::Kind::kObject))
    return false;
  TailReader reader(tail);
  size_t open = std::string_view::npos;
  auto members = reader.members(reader.size(), &open);
  // An object that ends in the tail and starts before it is the message's
  // params, result or error (it has one of them) when the head left that
  // open: the members that end it whole are its. Deeper, the object that
  // ends in the tail is not known by name, and is not read.
  // (Looked up again after each member added: adding may move the nodes.)
  auto last_member = [tree] {
    const JsonTree::Node* last = nullptr;
    for (const JsonTree::Node* n = tree->first(tree->root()); n; n = tree->next(n)) last = n;
    return last;
  };
  const JsonTree::Node* last = last_member();
  const bool left_open = JsonTree::is(last, JsonTree::Kind::kCut) ||
                         (JsonTree::is(last, JsonTree::Kind::kObject) && last->text.empty());
  if (open != std::string_view::npos && left_open &&
      (last->key == "params" || last->key == "result" || last->key == "error")) {
    auto inner = reader.members(open, nullptr);
    for (auto it = inner.rbegin(); it != inner.rend(); ++it)
      tree->add_member(last_member(), it->first, it->second);
  }
  for (auto it = members.rbegin(); it != members.rend(); ++it)
    tree->add_member(it->first, it->second);
  return true;
}

}  // namespace mcpr
