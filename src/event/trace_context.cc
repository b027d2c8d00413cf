#include "src/event/trace_context.h"

#include <rapidjson/document.h>

#include <cstdio>
#include <set>

#include "src/event/pyjson.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// FNV-1a over the mcp_id's length, the mcp_id and the interaction id (and,
// when the start is known, the interaction id's length and the start's time
// in µs) from `seed`, then SplitMix64's finalizer so that ids of similar
// names differ in every digit. Stable, not secret: the same events give the
// same ids anywhere, forever.
uint64_t derive(std::string_view mcp_id, std::string_view interaction_id,
                std::optional<int64_t> start_us, uint64_t seed) {
  uint64_t h = seed;
  auto mix = [&h](std::string_view text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  auto mix64 = [&mix](uint64_t v) {
    char bytes[8];  // little-endian whatever the host's order
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    mix(std::string_view(bytes, sizeof bytes));
  };
  mix64(mcp_id.size());
  mix(mcp_id);
  mix(interaction_id);
  if (start_us) {
    mix64(interaction_id.size());
    mix64(static_cast<uint64_t>(*start_us));
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

std::string hex64(uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
         c == '/';
}

// simple-key = lcalpha 0*255(...); multi-tenant-key = tenant-id "@" system-id,
// tenant-id = (lcalpha / DIGIT) 0*240(...), system-id = lcalpha 0*13(...).
bool valid_key(std::string_view key) {
  auto part = [](std::string_view p, bool digit_first, size_t max) {
    if (p.empty() || p.size() > max) return false;
    if (!((p[0] >= 'a' && p[0] <= 'z') || (digit_first && p[0] >= '0' && p[0] <= '9')))
      return false;
    for (char c : p)
      if (!key_char(c)) return false;
    return true;
  };
  const size_t at = key.find('@');
  if (at == std::string_view::npos) return part(key, false, 256);
  return part(key.substr(0, at), true, 241) && part(key.substr(at + 1), false, 14);
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = printable
// ASCII but ',' and '='.
bool valid_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value)
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  return true;
}

// The text of a serialized JSON string, "" for any other value.
std::string string_of(const std::string* value_json) {
  if (!value_json) return "";
  rapidjson::Document d;
  d.Parse(value_json->c_str(), value_json->size());
  return !d.HasParseError() && d.IsString() ? std::string(d.GetString(), d.GetStringLength())
                                            : "";
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view text, std::string* why) {
  auto fail = [why](const char* reason) -> std::optional<TraceParent> {
    if (why) *why = reason;
    return std::nullopt;
  };
  // version "-" trace-id "-" parent-id "-" trace-flags: 2+1+32+1+16+1+2.
  if (text.size() < 55) return fail("shorter than a traceparent (55 characters)");
  const std::string_view version = text.substr(0, 2);
  if (!lower_hex(version)) return fail("the version is not two lower-case hex digits");
  if (version == "ff") return fail("version ff is invalid");
  if (version == "00" && text.size() != 55) return fail("longer than a version 00 traceparent");
  if (text.size() > 55 && text[55] != '-') return fail("a later version's fields must follow a '-'");
  if (text[2] != '-' || text[35] != '-' || text[52] != '-')
    return fail("its fields are not separated by '-' where they should be");
  TraceParent p;
  p.trace_id = std::string(text.substr(3, 32));
  p.parent_id = std::string(text.substr(36, 16));
  const std::string_view flags = text.substr(53, 2);
  if (!lower_hex(p.trace_id) || !lower_hex(p.parent_id) || !lower_hex(flags))
    return fail("its ids and flags must be lower-case hex digits");
  if (all_zero(p.trace_id)) return fail("the trace id is all zeros");
  if (all_zero(p.parent_id)) return fail("the parent id is all zeros");
  p.flags = static_cast<uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]));
  return p;
}

std::string tracestate_problem(std::string_view text) {
  std::set<std::string_view> keys;
  size_t members = 0;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view member = trim(text.substr(0, comma), kOws);
    if (!member.empty()) {
      if (++members > 32) return "more than 32 list-members";
      const size_t eq = member.find('=');
      if (eq == std::string_view::npos) return "a list-member is not key=value";
      const std::string_view key = member.substr(0, eq);
      // The key is named only once it is known to be plain text.
      if (!valid_key(key)) return "a list-member's key is not valid";
      if (!valid_value(member.substr(eq + 1)))
        return "the value of '" + std::string(key) + "' is not valid";
      if (!keys.insert(key).second) return "the key '" + std::string(key) + "' is there twice";
    }
    if (comma == std::string_view::npos) return "";
    text.remove_prefix(comma + 1);
  }
}

SpanIds span_ids(std::string_view mcp_id, std::string_view interaction_id,
                 std::string_view traceparent, std::string_view tracestate,
                 std::optional<int64_t> start_us) {
  SpanIds ids;
  uint64_t span = derive(mcp_id, interaction_id, start_us, 0xcbf29ce484222325ull);
  ids.span_id = hex64(span ? span : 1);
  std::optional<TraceParent> parent;
  if (!traceparent.empty()) parent = parse_traceparent(traceparent);
  if (parent) {
    ids.trace_id = parent->trace_id;
    ids.parent_span_id = parent->parent_id;
    ids.flags = parent->flags;
    if (!tracestate.empty() && tracestate_problem(tracestate).empty())
      ids.trace_state = std::string(tracestate);
  } else {
    const uint64_t high = derive(mcp_id, interaction_id, start_us, 0x84222325cbf29ce4ull);
    const uint64_t low = derive(mcp_id, interaction_id, start_us, 0x9e3779b97f4a7c15ull);
    ids.trace_id = hex64(high) + hex64(high == 0 && low == 0 ? 1 : low);
  }
  return ids;
}

std::string traceparent_of(const SpanIds& ids) {
  char flags[3];
  std::snprintf(flags, sizeof flags, "%02x", ids.flags);
  return "00-" + ids.trace_id + "-" + ids.span_id + "-" + flags;
}

TraceEnvironment trace_environment(const char* traceparent, const char* tracestate) {
  TraceEnvironment env;
  if (!traceparent || !*traceparent) return env;
  std::string why;
  std::optional<TraceParent> parent = parse_traceparent(traceparent, &why);
  if (!parent) {
    env.notes.push_back("TRACEPARENT: " + why + " (ignored: not a W3C traceparent)");
    return env;
  }
  env.members.emplace_back("traceparent", traceparent);
  if (tracestate && *tracestate) {
    if (std::string problem = tracestate_problem(tracestate); problem.empty())
      env.members.emplace_back("tracestate", tracestate);
    else
      env.notes.push_back("TRACESTATE: " + problem + " (ignored: not a W3C tracestate)");
  }
  return env;
}

StartContext start_context(const std::string& payload, std::string_view mcp_id,
                           std::string_view interaction_id, const char* traceparent,
                           const char* tracestate, bool exports_span,
                           std::optional<int64_t> start_us) {
  StartContext out;
  out.payload = payload;
  TraceEnvironment env = trace_environment(traceparent, tracestate);
  out.notes = std::move(env.notes);
  JsonObject object;
  std::string error;
  const bool parsed = parse_object(payload, &object, &error);
  if (parsed && !env.members.empty()) {
    bool added = false;
    for (const auto& [name, value] : env.members) {
      // The DATA's own context is the caller's word; the environment's
      // fills in only what it lacks (a tracestate goes with its traceparent).
      if (object.get(name) || (name == "tracestate" && object.get("traceparent") && !added))
        continue;
      std::string quoted;
      python_string(value, &quoted);  // checked plain ASCII
      object.set(name, std::move(quoted));
      added = true;
    }
    if (added) out.payload = object.str();
  }
  const SpanIds ids = span_ids(mcp_id, interaction_id, string_of(object.get("traceparent")),
                               string_of(object.get("tracestate")), start_us);
  if (exports_span) {
    out.child_traceparent = traceparent_of(ids);
  } else if (!ids.parent_span_id.empty()) {
    out.child_traceparent = string_of(object.get("traceparent"));
  }
  out.child_tracestate = ids.trace_state;
  return out;
}

}  // namespace mcpr
