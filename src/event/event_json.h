// How an event body is parsed, by every reader that parses one (check_event,
// the OTLP encoders), so that they agree: UTF-8 checked, and Python's NaN,
// Infinity and -Infinity taken as numbers (json.dumps writes them, and the
// old reporter sent them). check_event() refuses RapidJSON's other
// spellings ("Inf", "-NaN"), which Python never wrote. Readers that go on to
// use the event's JSON (the OTLP sink) parse it once, with parse_event().
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/error/error.h>
#include <rapidjson/reader.h>

#include <optional>
#include <string>
#include <string_view>

#include "src/event/event.h"

namespace mcpr {

constexpr unsigned kEventParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNanAndInfFlag;

// Parses `text` into `doc` as every reader of ours does. Not
// Document::Parse(data, size): RapidJSON 1.1.0 then skips leading bytes EF,
// BB and BF one by one (its check for a UTF-8 BOM), and took "\xbb{...}" as
// an event that was then sent as it was, JSON to no receiver (found by
// fuzz_tracker).
template <unsigned flags = kEventParseFlags>
void parse_json(rapidjson::Document& doc, std::string_view text) {
  rapidjson::MemoryStream in(text.data(), text.size());
  doc.ParseStream<flags, rapidjson::UTF8<>>(in);
}

// "invalid JSON: WHAT (at byte N)" for RapidJSON's error `code` at `offset`
// in `text`, worded for the two mistakes its own words mislead about: a
// raw control character in a string (not an "invalid escape") and a string
// never closed (named by where it begins, not only where the text ends).
std::string json_syntax_error(std::string_view text, rapidjson::ParseErrorCode code,
                              size_t offset);

// As check_event(), leaving the parsed body in `doc` (whatever it holds
// when the body is not an event).
std::optional<EventSummary> parse_event(std::string_view body, rapidjson::Document& doc,
                                        std::string* error);

}  // namespace mcpr
