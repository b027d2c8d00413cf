#include "src/proxy/json_tree.h"

#include <algorithm>
#include <vector>

#include <rapidjson/reader.h>

#include "src/event/event_json.h"
#include "src/event/pyjson.h"
#include "src/util/utf8.h"

namespace mcpr {
namespace {

// Deeper nesting than any MCP message means: it bounds the reader's
// recursion, and what a captured value (write_python) nests in the spooled
// body, so that a reader of it with a recursion limit (Python's json: 1,000
// frames, the caller's own among them) takes it. A container this deep is
// read without recursion and kept whole (kDeep).
constexpr int kMaxDepth = 500;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at s[i], or -1.
long hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  long v = 0;
  for (size_t k = 0; k < 4; ++k) {
    const int h = hex_value(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// A code point as UTF-8; a surrogate (U+D800..DFFF) as its 3-byte form.
void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xc0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xe0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The body of a JSON string with escapes, decoded; false for a bad escape.
// *lone is set when it holds a lone surrogate.
bool decode_string(std::string_view raw, std::string* out, bool* lone) {
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      *out += raw[i];
      continue;
    }
    if (++i >= raw.size()) return false;
    switch (raw[i]) {
      case '"': *out += '"'; break;
      case '\\': *out += '\\'; break;
      case '/': *out += '/'; break;
      case 'b': *out += '\b'; break;
      case 'f': *out += '\f'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 't': *out += '\t'; break;
      case 'u': {
        long unit = hex4(raw, i + 1);
        if (unit < 0) return false;
        i += 4;
        uint32_t cp = static_cast<uint32_t>(unit);
        // A high surrogate followed by a low one is one character; alone,
        // either is kept as it came (JavaScript and Python keep them too).
        if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          long low = hex4(raw, i + 3);
          if (low >= 0xdc00 && low <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<uint32_t>(low) - 0xdc00);
            i += 6;
          }
        }
        if (cp >= 0xd800 && cp <= 0xdfff) *lone = true;
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// Whether RapidJSON, which every reader of a spooled body uses, takes this
// number (it refuses numbers beyond a double).
bool readable_number(std::string_view text) {
  if (text.size() <= 15 && text.find_first_of("eE") == std::string_view::npos) return true;
  std::string copy(text);
  rapidjson::BaseReaderHandler<> ignore;
  rapidjson::Reader reader;
  rapidjson::StringStream in(copy.c_str());
  return !reader.Parse<kEventParseFlags>(in, ignore).IsError();
}

}  // namespace

class JsonTree::Reader {
 public:
  enum Result { kOk, kFail, kCutOff };

  Reader(JsonTree& tree, std::string_view text, bool prefix)
      : tree_(tree), s_(text), prefix_(prefix) {}

  // The whole text as one value (the root, or a member's value when
  // `parent` is given).
  Result top(uint32_t parent, uint32_t* last, std::string_view key) {
    skip_space();
    uint32_t index = 0;
    Result r = value(key, &index, 0);
    if (r == kOk || r == kCutOff) {
      if (parent != kNone) tree_.append_child(parent, last, index);
    }
    if (r != kOk) return r;
    skip_space();
    return i_ == s_.size() ? kOk : kFail;
  }

  static constexpr uint32_t kNone = UINT32_MAX;

  // A string token at the current position, decoded into *out.
  Result string(std::string_view* out) {
    size_t start = ++i_;
    bool escapes = false;
    for (;;) {
      if (i_ >= s_.size()) return end();
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') break;
      if (c < 0x20) return kFail;
      if (c == '\\') {
        escapes = true;
        ++i_;
      }
      ++i_;
    }
    std::string_view raw = s_.substr(start, i_ - start);
    ++i_;
    if (!escapes) {
      *out = raw;
      return kOk;
    }
    std::string decoded;
    if (!decode_string(raw, &decoded, &tree_.lone_surrogate_)) return kFail;
    tree_.decoded_.push_back(std::move(decoded));
    *out = tree_.decoded_.back();
    return kOk;
  }

 private:
  Result end() const { return prefix_ ? kCutOff : kFail; }

  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  Result value(std::string_view key, uint32_t* index, int depth) {
    if (depth > tree_.depth_) tree_.depth_ = depth;
    if (i_ >= s_.size()) return cut(key, index);
    switch (s_[i_]) {
      case '{':
      case '[':
        if (depth >= kMaxDepth) return deep(key, index, depth);
        return container(key, index, depth);
      case '"': {
        std::string_view text;
        Result r = string(&text);
        if (r == kCutOff) return cut(key, index);
        if (r == kOk) *index = tree_.add(Kind::kString, key, text);
        return r;
      }
      default:
        return scalar(key, index);
    }
  }

  Result cut(std::string_view key, uint32_t* index) {
    if (!prefix_) return kFail;
    *index = tree_.add(Kind::kCut, key, {});
    return kCutOff;
  }

  Result scalar(std::string_view key, uint32_t* index) {
    const size_t start = i_;
    const std::string_view rest = s_.substr(i_);
    Kind kind = Kind::kNumber;
    for (std::string_view word : {"true", "false", "null"}) {
      if (rest.substr(0, word.size()) == word) {
        i_ += word.size();
        kind = word == "null" ? Kind::kNull : Kind::kBool;
        break;
      }
      if (prefix_ && rest.size() < word.size() && word.substr(0, rest.size()) == rest)
        return cut(key, index);
    }
    // A number that reaches the cut may be longer than it shows: not taken.
    const bool ok = kind != Kind::kNumber || number();
    if (kind == Kind::kNumber && prefix_ && i_ >= s_.size()) return cut(key, index);
    if (!ok) return kFail;
    *index = tree_.add(kind, key, s_.substr(start, i_ - start));
    return kOk;
  }

  // JSON's number grammar, and Python's NaN, Infinity and -Infinity.
  bool number() {
    if (s_.compare(i_, 3, "NaN") == 0) {
      i_ += 3;
      tree_.non_finite_ = true;
      return true;
    }
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (s_.compare(i_, 8, "Infinity") == 0) {
      i_ += 8;
      tree_.non_finite_ = true;
      return true;
    }
    if (i_ >= s_.size() || !is_digit(s_[i_])) return false;
    if (s_[i_] == '0') ++i_;
    else digits();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }

  bool digits() {
    const size_t start = i_;
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    return i_ > start;
  }

  Result container(std::string_view key, uint32_t* index, int depth) {
    const bool object = s_[i_] == '{';
    const char close = object ? '}' : ']';
    const size_t start = i_;
    *index = tree_.add(object ? Kind::kObject : Kind::kArray, key, {});
    // Read whole, it keeps its text as written (a batch's messages' sizes).
    auto whole = [&] {
      tree_.nodes_[*index].text = s_.substr(start, i_ - start);
      return kOk;
    };
    uint32_t last = 0;
    ++i_;
    skip_space();
    if (i_ >= s_.size()) return end();
    if (s_[i_] == close) {
      ++i_;
      return whole();
    }
    for (;;) {
      std::string_view name;
      if (object) {
        if (s_[i_] != '"') return kFail;
        Result r = string(&name);
        if (r != kOk) return r;
        skip_space();
        if (i_ >= s_.size()) return end();
        if (s_[i_++] != ':') return kFail;
        skip_space();
      }
      uint32_t child = 0;
      Result r = value(name, &child, depth + 1);
      if (r == kOk || r == kCutOff) tree_.append_child(*index, &last, child);
      if (r != kOk) return r;
      skip_space();
      if (i_ >= s_.size()) return end();
      const char c = s_[i_++];
      if (c == close) return whole();
      if (c != ',') return kFail;
      skip_space();
      if (i_ >= s_.size()) return end();
    }
  }

  // A container nested kMaxDepth deep: JSON.parse takes any depth, so it
  // is checked as JSON without recursion (a stack of the closers it
  // expects) and kept as one kDeep node, its text as written.
  Result deep(std::string_view key, uint32_t* index, int depth) {
    const size_t start = i_;
    std::vector<char> closers;
    // The depth of a value inside the containers open now (as value() keeps it).
    auto seen = [&](size_t inside) {
      tree_.depth_ = std::max(tree_.depth_, depth + static_cast<int>(inside));
    };
    auto open = [&] {
      seen(closers.size());
      closers.push_back(s_[i_++] == '{' ? '}' : ']');
    };
    // A member's name and its colon, in an object.
    auto name = [&]() -> Result {
      if (closers.back() != '}') return kOk;
      if (i_ >= s_.size()) return end();
      if (s_[i_] != '"') return kFail;
      std::string_view ignored;
      if (Result r = string(&ignored); r != kOk) return r;
      skip_space();
      if (i_ >= s_.size()) return end();
      if (s_[i_++] != ':') return kFail;
      skip_space();
      return kOk;
    };
    bool after_value = false;  // else at a value
    // Into the container at i_: an empty one is a value read; else the
    // first member's name, in an object.
    auto enter = [&]() -> Result {
      open();
      skip_space();
      if (i_ < s_.size() && s_[i_] == closers.back()) {
        after_value = true;  // its close is read next
        return kOk;
      }
      return name();
    };
    if (Result r = enter(); r != kOk) return r == kCutOff ? cut(key, index) : r;
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) return prefix_ ? cut(key, index) : kFail;
      if (after_value) {
        const char c = s_[i_++];
        if (c == closers.back()) {
          closers.pop_back();
          if (closers.empty()) break;
          continue;
        }
        if (c != ',') return kFail;
        skip_space();
        if (Result r = name(); r != kOk) return r == kCutOff ? cut(key, index) : r;
        after_value = false;
        continue;
      }
      const char c = s_[i_];
      if (c == '{' || c == '[') {
        if (Result r = enter(); r != kOk) return r == kCutOff ? cut(key, index) : r;
        continue;
      }
      seen(closers.size());
      if (c == '"') {
        std::string_view ignored;
        if (Result r = string(&ignored); r != kOk) return r == kCutOff ? cut(key, index) : r;
      } else {
        uint32_t scalar_index = 0;
        const Result r = scalar({}, &scalar_index);
        if (r == kFail) return r;
        tree_.nodes_.pop_back();  // checked, not kept (a kCut when cut off)
        if (r == kCutOff) return cut(key, index);
      }
      after_value = true;
    }
    *index = tree_.add(Kind::kDeep, key, s_.substr(start, i_ - start));
    return kOk;
  }

  JsonTree& tree_;
  std::string_view s_;
  bool prefix_;
  size_t i_ = 0;
};

uint32_t JsonTree::add(Kind kind, std::string_view key, std::string_view text) {
  Node node;
  node.kind = kind;
  node.key = key;
  node.text = text;
  nodes_.push_back(node);
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void JsonTree::append_child(uint32_t parent, uint32_t* last, uint32_t child) {
  if (*last) nodes_[*last].next = child;
  else nodes_[parent].first = child;
  *last = child;
  ++nodes_[parent].size;
}

bool JsonTree::parse(std::string_view text) {
  nodes_.clear();
  decoded_.clear();
  non_finite_ = false;
  lone_surrogate_ = false;
  depth_ = 0;
  Reader reader(*this, text, false);
  return reader.top(Reader::kNone, nullptr, {}) == Reader::kOk;
}

bool JsonTree::parse_prefix(std::string_view text) {
  nodes_.clear();
  decoded_.clear();
  non_finite_ = false;
  lone_surrogate_ = false;
  depth_ = 0;
  Reader reader(*this, text, true);
  Reader::Result r = reader.top(Reader::kNone, nullptr, {});
  return r != Reader::kFail && !nodes_.empty() && nodes_[0].kind != Kind::kCut;
}

bool JsonTree::add_member(const Node* object, std::string_view key_json,
                          std::string_view value_json) {
  if (!is(object, Kind::kObject) && !is(object, Kind::kCut)) return false;
  const uint32_t parent = static_cast<uint32_t>(object - nodes_.data());
  const size_t mark = nodes_.size();
  std::string_view key;
  Reader key_reader(*this, key_json, false);
  if (key_json.empty() || key_json[0] != '"' || key_reader.string(&key) != Reader::kOk) return false;
  const Kind old_kind = nodes_[parent].kind;
  nodes_[parent].kind = Kind::kObject;
  // The new member goes last: find the current last child.
  uint32_t last = nodes_[parent].first;
  while (last && nodes_[last].next) last = nodes_[last].next;
  const uint32_t old_last = last;
  const uint32_t old_size = nodes_[parent].size;
  Reader reader(*this, value_json, false);
  if (reader.top(parent, &last, key) != Reader::kOk) {
    // Undo: nodes added past `mark` are dropped, the links restored.
    nodes_.resize(mark);
    if (old_last) nodes_[old_last].next = 0;
    else nodes_[parent].first = 0;
    nodes_[parent].size = old_size;
    nodes_[parent].kind = old_kind;
    return false;
  }
  return true;
}

const JsonTree::Node* JsonTree::member(const Node* object, std::string_view key) const {
  if (!is(object, Kind::kObject)) return nullptr;
  const Node* found = nullptr;  // the last of equal keys wins, as in JavaScript and Python
  for (const Node* n = first(object); n; n = next(n))
    if (n->key == key) found = n;
  return found;
}

std::string_view JsonTree::string(const Node* n) {
  return is(n, Kind::kString) ? n->text : std::string_view();
}

void JsonTree::write_python(const Node* n, std::string* out, bool* escaped, bool doubled) const {
  switch (n->kind) {
    case Kind::kNull:
    case Kind::kCut:
      *out += "null";
      return;
    case Kind::kBool:
      *out += n->text;
      return;
    case Kind::kNumber:
      if (readable_number(n->text)) *out += n->text;
      else *out += n->text[0] == '-' ? "-Infinity" : "Infinity";
      return;
    case Kind::kString:
    case Kind::kDeep:  // kept as its text, which JSON readers need not take
      python_quoted(n->text, out, escaped, doubled);
      if (n->kind == Kind::kDeep) *escaped = true;
      return;
    case Kind::kArray:
    case Kind::kObject: {
      const bool object = n->kind == Kind::kObject;
      *out += object ? '{' : '[';
      for (const Node* c = first(n); c; c = next(c)) {
        if (c != first(n)) *out += ", ";
        if (object) {
          python_quoted(c->key, out, escaped, doubled);
          *out += ": ";
        }
        write_python(c, out, escaped, doubled);
      }
      *out += object ? '}' : ']';
      return;
    }
  }
}

namespace {

// Whether bytes[i] holds a surrogate's 3-byte form (ED A0..BF 80..BF), as a
// lone surrogate from a \u escape is held; *unit its value.
bool surrogate_at(std::string_view bytes, size_t i, uint32_t* unit) {
  if (i + 3 > bytes.size()) return false;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(bytes[i + k]); };
  if (b(0) != 0xed || (b(1) & 0xe0) != 0xa0 || (b(2) & 0xc0) != 0x80) return false;
  *unit = 0xd000 | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
  return true;
}

}  // namespace

void python_quoted(std::string_view bytes, std::string* out, bool* escaped, bool doubled) {
  static const char kHex[] = "0123456789abcdef";
  size_t run = 0;  // where the current run of UTF-8 characters starts
  std::string part;
  auto flush = [&](size_t end) {
    if (end == run) return;
    part.clear();
    std::string_view text = bytes.substr(run, end - run);
    std::string twice;
    if (doubled && text.find('\\') != std::string_view::npos) {
      for (char c : text) twice.append(c == '\\' ? 2 : 1, c);
      text = twice;
    }
    python_string(text, &part);
    out->append(part, 1, part.size() - 2);
  };
  *out += '"';
  for (size_t i = 0; i < bytes.size();) {
    uint32_t cp = 0;
    const size_t n = decode_utf8(bytes, i, &cp);
    if (n > 0) {
      i += n;
      continue;
    }
    flush(i);
    *escaped = true;
    if (surrogate_at(bytes, i, &cp)) {
      // A lone surrogate, as it came in a \u escape.
      *out += "\\\\u";
      for (int shift = 12; shift >= 0; shift -= 4) *out += kHex[(cp >> shift) & 15];
      i += 3;
    } else {
      *out += "\\\\x";
      const unsigned char c = static_cast<unsigned char>(bytes[i]);
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
      ++i;
    }
    run = i;
  }
  flush(bytes.size());
  *out += '"';
}

}  // namespace mcpr
