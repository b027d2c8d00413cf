// One JSON-RPC message read leniently (man page PROXY, "Faithful"): what
// JavaScript's JSON.parse or the Python SDK's pydantic-core accept is read,
// although a strict parser refuses it. A lone surrogate ("\ud83c", as
// JSON.stringify writes a string cut inside an emoji: JSON.parse takes it),
// NaN and Infinity (Python), numbers beyond a double, and bytes that are not
// UTF-8 are all kept as they came; writing a value out (write_python) says
// which of them JSON cannot carry.
//
// The tree views the text it was read from (strings without escapes are not
// copied), so that text must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace mcpr {

class JsonTree {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kNumber,  // text: the number as written, "NaN" and "Infinity" included
    kString,  // text: the decoded bytes (a lone surrogate as its 3-byte WTF-8 form)
    kArray,
    kObject,
    kCut,   // a value the end of a cut text left out (parse_prefix)
    kDeep,  // an array or object nested 500 deep, read whole without its
            // children: text as written
  };
  struct Node {
    Kind kind = Kind::kNull;
    std::string_view key;   // the member's name, in an object
    std::string_view text;  // strings, numbers, "true"/"false"/"null"; an array or
                            // object read whole: its text as written
    uint32_t first = 0;     // first child (0: none)
    uint32_t next = 0;      // next sibling (0: none)
    uint32_t size = 0;      // children
  };

  // Reads `text` as one JSON value (surrounding whitespace allowed). false
  // when no lenient reading makes it JSON.
  bool parse(std::string_view text);
  // Reads the start of a text whose rest is unknown (the first bytes of a
  // line too long to keep): containers the cut leaves open hold the values
  // that ended before it, and the value it cuts is kCut, its key kept.
  // false when the text does not start a JSON value.
  bool parse_prefix(std::string_view text);
  // Adds a member to the root object: `key_json` a JSON string, `value_json`
  // one value. false (nothing added) when either does not parse.
  bool add_member(std::string_view key_json, std::string_view value_json) {
    return add_member(root(), key_json, value_json);
  }
  // The same for the object `object` of this tree; a cut value (kCut) is
  // first made an empty object.
  bool add_member(const Node* object, std::string_view key_json, std::string_view value_json);

  const Node* root() const { return nodes_.empty() ? nullptr : &nodes_[0]; }
  const Node* first(const Node* n) const { return n && n->first ? &nodes_[n->first] : nullptr; }
  const Node* next(const Node* n) const { return n && n->next ? &nodes_[n->next] : nullptr; }
  // The member `key` of an object, or nullptr.
  const Node* member(const Node* object, std::string_view key) const;
  // A string's bytes, or "" for anything else.
  static std::string_view string(const Node* n);
  static bool is(const Node* n, Kind kind) { return n && n->kind == kind; }
  // Whether the text held NaN, Infinity or -Infinity, which Python's json
  // takes and JavaScript's JSON.parse refuses.
  bool non_finite() const { return non_finite_; }
  // Whether a string (or a member's name) held a lone surrogate, which
  // pydantic-core's JSON parser refuses.
  bool lone_surrogate() const { return lone_surrogate_; }
  // The most containers any value of the text is inside (0 for a scalar
  // alone, 1 for the members of an object); pydantic-core's parser refuses
  // more than 200.
  int depth() const { return depth_; }

  // Writes `n` in the Python style of the spooled bodies (", " and ": ",
  // non-ASCII as \uXXXX). What JSON or UTF-8 cannot carry is written as text
  // and sets *escaped: a byte that is not UTF-8 as "\xNN", a lone surrogate
  // as "\ud83c"; with `doubled`, each backslash of the text is written as
  // two, so that those escapes are told apart from text that reads so. NaN
  // and Infinity are written as Python writes them, and so is a number
  // beyond a double, as JavaScript and Python read it: Infinity or
  // -Infinity.
  void write_python(const Node* n, std::string* out, bool* escaped, bool doubled = false) const;

 private:
  class Reader;

  uint32_t add(Kind kind, std::string_view key, std::string_view text);
  void append_child(uint32_t parent, uint32_t* last, uint32_t child);

  std::vector<Node> nodes_;
  std::deque<std::string> decoded_;  // strings that held escapes, decoded (stable addresses)
  bool non_finite_ = false;
  bool lone_surrogate_ = false;
  int depth_ = 0;
};

// A string in the Python style, quoted. What UTF-8 cannot carry is written
// as text and sets *escaped, as JsonTree::write_python does.
void python_quoted(std::string_view bytes, std::string* out, bool* escaped, bool doubled = false);

}  // namespace mcpr
