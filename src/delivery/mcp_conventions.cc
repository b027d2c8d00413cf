#include "src/delivery/mcp_conventions.h"

#include <cstdlib>
#include <string_view>

namespace mcpr {
namespace {

enum class Type { kString, kInt };

struct Attribute {
  const char* data_name;  // the member of the event's data
  const char* name;       // the attribute sent
  Type type;
};

// The attributes the MCP server span may carry (the semantic conventions'
// MCP page, https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/, "Server", and the
// common attributes it extends), then our own. error.type and
// rpc.response.status_code come from the end (write_error_attributes).
constexpr Attribute kAttributes[] = {
    {"mcp.method.name", "mcp.method.name", Type::kString},
    {"gen_ai.tool.name", "gen_ai.tool.name", Type::kString},
    {"gen_ai.prompt.name", "gen_ai.prompt.name", Type::kString},
    {"mcp.resource.uri", "mcp.resource.uri", Type::kString},
    {"jsonrpc.request.id", "jsonrpc.request.id", Type::kString},
    {"jsonrpc.protocol.version", "jsonrpc.protocol.version", Type::kString},
    {"mcp.protocol.version", "mcp.protocol.version", Type::kString},
    {"mcp.session.id", "mcp.session.id", Type::kString},
    {"network.transport", "network.transport", Type::kString},
    {"network.protocol.name", "network.protocol.name", Type::kString},
    {"network.protocol.version", "network.protocol.version", Type::kString},
    {"server.address", "server.address", Type::kString},
    {"server.port", "server.port", Type::kInt},
    {"client.address", "client.address", Type::kString},
    {"client.port", "client.port", Type::kInt},
    {"mcp.client.name", "mcp_report.client.name", Type::kString},
    {"mcp.client.version", "mcp_report.client.version", Type::kString},
};

const rapidjson::Value* member(const rapidjson::Value* object, const char* name) {
  if (!object || !object->IsObject()) return nullptr;
  auto it = object->FindMember(name);
  return it == object->MemberEnd() ? nullptr : &it->value;
}

std::string_view text(const rapidjson::Value* v) {
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                            : std::string_view();
}

// A number's JSON text ("7", "-32602", "1.5"): its string form in the
// conventions (jsonrpc.request.id "10", rpc.response.status_code "-32602").
std::string number_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  v.Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace

ErrorFacts error_facts(const rapidjson::Value& data) {
  ErrorFacts e;
  const std::string_view recorded = text(member(&data, "error_type"));
  const rapidjson::Value* code = member(&data, "error_code");
  const bool json_rpc = recorded == "JsonRpcError" && code && code->IsInt64();
  if (const rapidjson::Value* v = member(&data, "rpc.response.status_code"); v && v->IsString())
    e.status_code = std::string(text(v));
  else if (json_rpc)
    e.status_code = number_text(*code);
  if (const rapidjson::Value* v = member(&data, "error.type"); v && v->IsString() &&
                                                                v->GetStringLength())
    e.type = std::string(text(v));
  else if (json_rpc)
    e.type = number_text(*code);
  else if (recorded == "ToolError")
    e.type = "tool_error";
  else if (!recorded.empty())
    e.type = std::string(recorded);
  else
    e.type = "_OTHER";
  e.message = std::string(text(member(&data, "error_message")));
  return e;
}

std::string span_name(const rapidjson::Value* data) {
  const std::string_view method = text(member(data, "mcp.method.name"));
  if (method.empty()) {
    const std::string_view type = text(member(data, "request_type"));
    return type.empty() ? "interaction" : std::string(type);
  }
  std::string_view target = text(member(data, "gen_ai.tool.name"));
  if (target.empty()) target = text(member(data, "gen_ai.prompt.name"));
  return target.empty() ? std::string(method) : std::string(method) + " " + std::string(target);
}

void write_convention_attributes(JsonWriter& w, const rapidjson::Value& data, size_t limit) {
  for (const Attribute& a : kAttributes) {
    const rapidjson::Value* v = member(&data, a.data_name);
    if (!v) continue;
    if (a.type == Type::kInt) {
      if (v->IsInt64()) {
        write_int_attribute(w, a.name, v->GetInt64());
      } else if (v->IsString() && v->GetStringLength() > 0 && v->GetStringLength() < 19 &&
                 text(v).find_first_not_of("0123456789") == std::string_view::npos) {
        write_int_attribute(w, a.name, std::strtoll(v->GetString(), nullptr, 10));
      }
    } else if (v->IsString()) {
      write_string_attribute(w, a.name, text(v), limit);
    } else if (v->IsNumber()) {
      write_string_attribute(w, a.name, number_text(*v), limit);
    }
  }
  if (text(member(&data, "mcp.method.name")) == "tools/call")
    write_string_attribute(w, "gen_ai.operation.name", "execute_tool", limit);
}

void write_error_attributes(JsonWriter& w, const ErrorFacts& error, size_t limit) {
  write_string_attribute(w, "error.type", error.type, limit);
  if (!error.status_code.empty())
    write_string_attribute(w, "rpc.response.status_code", error.status_code, limit);
}

}  // namespace mcpr
