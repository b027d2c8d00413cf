// How an event body is parsed, by every reader that parses one (check_event,
// the OTLP encoder), so that they agree: UTF-8 checked, and Python's NaN,
// Infinity and -Infinity taken as numbers (json.dumps writes them, and the
// old reporter sent them). check_event() refuses RapidJSON's other
// spellings ("Inf", "-NaN"), which Python never wrote.
#pragma once

#include <rapidjson/reader.h>

namespace mcpr {

constexpr unsigned kEventParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNanAndInfFlag;

}  // namespace mcpr
