// The OpenTelemetry semantic conventions for MCP as our events meet them
// (man page OPENTELEMETRY SINK, the attribute table): semantic-conventions
// v1.41.0's MCP page, https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/
// (the MCP server span), with the registries it refers to (gen-ai, jsonrpc, rpc, network,
// server, client, error). Pure functions of an event's data object.
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "src/delivery/otlp_json.h"

namespace mcpr {

// How an interaction_error's data says the operation failed.
struct ErrorFacts {
  // error.type: the JSON-RPC error code as a string for a JSON-RPC error,
  // "tool_error" for a tool result with isError, else the recorded
  // error_type, else "_OTHER" (the conventions' fallback).
  std::string type;
  // rpc.response.status_code: the JSON-RPC error code as a string, "" when
  // the response carried none.
  std::string status_code;
  // The span status' description: the recorded error_message.
  std::string message;
};
ErrorFacts error_facts(const rapidjson::Value& error_data);

// The span name of an interaction by its start's request_data:
// "{mcp.method.name} {target}" with the tool or prompt name as target,
// "{mcp.method.name}" without one, the request_type of a recording command
// that names no method, and "interaction" when the data says nothing.
std::string span_name(const rapidjson::Value* request_data);

// Writes, as attributes, the conventions' names that `data` carries (each
// in its registry's type: a number becomes a string where the registry
// says string, a port an int), gen_ai.operation.name = execute_tool for
// tools/call, and our own mcp.client.name/version as mcp_report.client.*
// (the conventions name no client name or version).
// String values are cut to `limit` characters.
void write_convention_attributes(JsonWriter& w, const rapidjson::Value& data,
                                 size_t limit = kNoLimit);

// Writes error.type and, when there is one, rpc.response.status_code.
void write_error_attributes(JsonWriter& w, const ErrorFacts& error, size_t limit = kNoLimit);

}  // namespace mcpr
