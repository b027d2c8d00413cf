// JSON text written the way the old reporter's Python wrote it: json.dumps()
// defaults, i.e. ", " and ": " separators and every character outside
// printable ASCII escaped as \uXXXX. Numbers are kept as the user wrote them.
// Spooled bodies are then byte-for-byte what the old reporter sent.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpr {

// The members of a JSON object in order, each value already serialized.
class JsonObject {
 public:
  // Sets a member; an existing one keeps its place (as a Python dict does).
  void set(const std::string& key, std::string value_json);
  // The serialized value of a member, nullptr when there is none.
  const std::string* get(const std::string& key) const;
  std::string str() const;
  size_t size() const { return members_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

// A quoted, escaped JSON string. false when `utf8` is not valid UTF-8.
bool python_string(std::string_view utf8, std::string* out);

// Parses `text` as one JSON value and writes it in the Python style into
// `out`. On failure returns false with a short reason in `error`.
bool to_python_json(std::string_view text, std::string* out, std::string* error);

// Parses `text`, which must be a JSON object, into its members.
bool parse_object(std::string_view text, JsonObject* out, std::string* error);

}  // namespace mcpr
