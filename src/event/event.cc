#include "src/event/event.h"
#include "src/event/event_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "spool/event_name.h"
#include "src/event/event_json.h"
#include "src/util/failure.h"
#include "src/util/utf8.h"
#include "src/event/pyjson.h"
#include "src/util/random.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

const ActionInfo kActions[] = {
    {Action::kStart, "start", "interaction_start", "request_data", 's'},
    {Action::kProgress, "progress", "interaction_progress", "progress_data", 'p'},
    {Action::kComplete, "complete", "interaction_complete", "result_data", 'c'},
    {Action::kError, "error", "interaction_error", "error_data", 'e'},
};

// Where `text` (valid JSON with RapidJSON's NaN and Inf extension) spells
// a non-finite number other than Python's NaN, Infinity or -Infinity
// ("Inf", "-NaN"), or npos when it does not. Outside strings only literals
// and numbers hold letters, so a scan of the letters N and I there suffices.
size_t non_python_literal(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == 'N') {
      if (i > 0 && text[i - 1] == '-') return i;
      i += 2;  // "NaN", checked by the parser
    } else if (c == 'I') {
      if (text.compare(i, 8, "Infinity") != 0) return i;
      i += 7;
    }
  }
  return std::string_view::npos;
}

}  // namespace

const ActionInfo& action_info(Action action) { return kActions[static_cast<int>(action)]; }

const ActionInfo* action_by_name(std::string_view name) {
  for (const ActionInfo& info : kActions)
    if (name == info.name) return &info;
  return nullptr;
}

const ActionInfo* action_by_code(char code) {
  for (const ActionInfo& info : kActions)
    if (code == info.code) return &info;
  return nullptr;
}

bool valid_interaction_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!is_plain_id_char(c)) return false;
  return true;
}

std::string imported_interaction_id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (!valid_utf8(id)) return "is not valid UTF-8";
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    // C0, DEL, and C1 (U+0080-U+009F, UTF-8 C2 80 to C2 9F)
    if (c < 0x20 || c == 0x7f ||
        (c == 0xc2 && i + 1 < id.size() && static_cast<unsigned char>(id[i + 1]) < 0xa0))
      return "holds a control character";
  }
  return "";
}

void require_valid_interaction_id(const std::string& id) {
  if (!valid_interaction_id(id))
    throw Failure(kExitDataErr, "interaction id '" + id + "'",
                  "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
}

std::string spooled_interaction_id(const Spool& spool, SpoolState state, const std::string& name) {
  const std::string key(interaction_key_of(name));
  if (std::optional<std::string> id = id_of_interaction_key(key)) return *id;
  std::optional<std::string> body;
  try {
    body = read_file(spool, state, name);
  } catch (const SpoolError&) {
  }
  std::string ignored;
  std::optional<EventSummary> event = body ? check_event(*body, &ignored) : std::nullopt;
  return event ? event->interaction_id : key;
}

std::string new_interaction_id(int64_t now_seconds) {
  return new_interaction_id(now_seconds, static_cast<uint32_t>(random_u64()));
}

std::string new_interaction_id(int64_t now_seconds, uint32_t r) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "int_%lld_%08x", static_cast<long long>(now_seconds), r);
  return buf;
}

std::string event_body(Action action, const std::string& interaction_id, const std::string& mcp_id,
                       int64_t timestamp_us, const std::string& payload_json) {
  const ActionInfo& info = action_info(action);
  std::string body = "{\"action\": \"";
  body += info.name;
  body += "\", \"interaction_id\": ";
  python_string(interaction_id, &body);
  body += ", \"mcp_id\": ";
  python_string(mcp_id, &body);
  body += ", \"timestamp\": ";
  body += format_timestamp(timestamp_us);
  body += ", \"";
  body += info.data_member;
  body += "\": ";
  body += payload_json;
  body += '}';
  return body;
}

std::string json_syntax_error(std::string_view text, rapidjson::ParseErrorCode code,
                              size_t offset) {
  const std::string at = " (at byte " + std::to_string(offset) + ")";
  const unsigned char c = offset < text.size() ? static_cast<unsigned char>(text[offset]) : 0;
  if (code == rapidjson::kParseErrorStringEscapeInvalid && offset < text.size() && c < 0x20) {
    static const char kShort[] = "btnvfr";  // \b \t \n (\v has none) \f \r
    char hex[8];
    std::snprintf(hex, sizeof hex, "%02x", c);
    std::string as = "\\u00" + std::string(hex);
    if (c >= 0x08 && c <= 0x0d && c != 0x0b) as = std::string("\\") + kShort[c - 0x08];
    return "invalid JSON: a control character (0x" + std::string(hex) + ") inside a string" + at +
           "; write it as " + as;
  }
  if (code == rapidjson::kParseErrorStringEscapeInvalid)
    return "invalid JSON: an escape that JSON does not have" + at;
  if (code == rapidjson::kParseErrorStringMissQuotationMark) {
    // Where the open string began: the last quote that opened one.
    size_t begins = std::string_view::npos;
    bool in_string = false;
    for (size_t i = 0; i < text.size() && i < offset; ++i) {
      if (in_string && text[i] == '\\') {
        ++i;
      } else if (text[i] == '"') {
        in_string = !in_string;
        if (in_string) begins = i;
      }
    }
    if (in_string)
      return "invalid JSON: the string that begins at byte " + std::to_string(begins) +
             " is not closed (the text ends at byte " + std::to_string(offset) + ")";
  }
  return std::string("invalid JSON: ") + rapidjson::GetParseError_En(code) + at;
}

std::optional<EventSummary> check_event(std::string_view body, std::string* error) {
  rapidjson::Document doc;
  return parse_event(body, doc, error);
}

std::optional<EventSummary> parse_event(std::string_view body, rapidjson::Document& doc,
                                        std::string* error) {
  // Not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path calls
  // clz(0) on inputs such as "-0e0080" (found by fuzz_event); microseconds
  // do not need it.
  parse_json(doc, body);
  if (doc.HasParseError()) {
    *error = json_syntax_error(body, doc.GetParseError(), doc.GetErrorOffset());
    return std::nullopt;
  }
  if (size_t at = non_python_literal(body); at != std::string_view::npos) {
    *error = "invalid JSON: a number that is not NaN, Infinity or -Infinity (at byte " +
             std::to_string(at) + ")";
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  auto member = [&](const char* name) -> const rapidjson::Value* {
    auto it = doc.FindMember(name);
    return it == doc.MemberEnd() ? nullptr : &it->value;
  };
  const rapidjson::Value* action = member("action");
  if (!action || !action->IsString()) {
    *error = "'action' missing or not a string";
    return std::nullopt;
  }
  // Strings are taken with their length: "a\u0000b" is not "a".
  auto text = [](const rapidjson::Value& v) {
    return std::string(v.GetString(), v.GetStringLength());
  };
  const ActionInfo* info = action_by_name(text(*action));
  if (!info) {
    *error = "unknown action '" + text(*action) + "'";
    return std::nullopt;
  }
  const rapidjson::Value* iid = member("interaction_id");
  if (!iid || !iid->IsString()) {
    *error = "'interaction_id' missing or not a string";
    return std::nullopt;
  }
  if (std::string why = imported_interaction_id_problem(text(*iid)); !why.empty()) {
    *error = "'interaction_id' " + why;
    return std::nullopt;
  }
  const rapidjson::Value* mcp_id = member("mcp_id");
  if (!mcp_id || !mcp_id->IsString() || mcp_id->GetStringLength() == 0) {
    *error = "'mcp_id' missing or not a non-empty string";
    return std::nullopt;
  }
  const rapidjson::Value* ts = member("timestamp");
  if (!ts || !ts->IsNumber() || !std::isfinite(ts->GetDouble()) || ts->GetDouble() < 0 ||
      ts->GetDouble() > 1e11) {
    *error = "'timestamp' missing or not seconds since the epoch";
    return std::nullopt;
  }
  const rapidjson::Value* data = member(info->data_member);
  if (!data || !data->IsObject()) {
    *error = std::string("'") + info->data_member + "' missing or not an object";
    return std::nullopt;
  }
  if (doc.MemberCount() != 5) {
    *error = std::string("members other than action, interaction_id, mcp_id, timestamp and ") +
             info->data_member;
    return std::nullopt;
  }
  return EventSummary{info->action, text(*iid), text(*mcp_id),
                      static_cast<int64_t>(std::llround(ts->GetDouble() * 1e6))};
}

size_t max_event_bytes(int64_t max_event_kb) {
  return max_event_kb > 0 ? static_cast<size_t>(max_event_kb) * 1024 : 0;
}

size_t payload_room(int64_t max_event_kb, const std::string& mcp_id) {
  // The envelope with the longest action name and interaction id is under
  // 256 bytes beside the mcp_id.
  const size_t envelope = 256 + mcp_id.size();
  const size_t limit = max_event_bytes(max_event_kb);
  return limit > envelope ? limit - envelope : 1;
}

}  // namespace mcpr
