#include "src/event/event.h"
#include "src/event/pyjson.h"

#include <gtest/gtest.h>

#include <regex>

namespace mcpr {
namespace {

TEST(EventTest, InteractionIdCharset) {
  for (const char* ok : {"a", "int_1764000000_9f8e7d6c", "A-z.0_9:x", "..", "-"})
    EXPECT_TRUE(valid_interaction_id(ok)) << ok;
  for (const char* bad : {"", "a/b", "../x", "a b", "é", "a,b", "a#b", "a\nb"})
    EXPECT_FALSE(valid_interaction_id(bad)) << bad;
  EXPECT_TRUE(valid_interaction_id(std::string(128, 'x')));
  EXPECT_FALSE(valid_interaction_id(std::string(129, 'x')));
  EXPECT_FALSE(valid_interaction_id(std::string("a\0b", 3)));
}

TEST(EventTest, GeneratedIdsFollowTheOldFormat) {
  std::string id = new_interaction_id(1764000000);
  EXPECT_TRUE(std::regex_match(id, std::regex("int_1764000000_[0-9a-f]{8}"))) << id;
  EXPECT_NE(new_interaction_id(1), new_interaction_id(1));
}

TEST(EventTest, BodyHasExactlyTheFiveMembersInOrder) {
  EXPECT_EQ(event_body(Action::kError, "i1", "m1", 1764000000250000, "{\"e\": 1}"),
            "{\"action\": \"interaction_error\", \"interaction_id\": \"i1\", \"mcp_id\": \"m1\", "
            "\"timestamp\": 1764000000.25, \"error_data\": {\"e\": 1}}");
}

TEST(EventTest, CheckEventAcceptsWhatTheOldReporterSent) {
  std::string error;
  auto e = check_event(
      "{\"action\": \"interaction_complete\", \"interaction_id\": \"int_1_abc\", "
      "\"mcp_id\": \"m\", \"timestamp\": 1700000000.123456, \"result_data\": {}}",
      &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->action, Action::kComplete);
  EXPECT_EQ(e->interaction_id, "int_1_abc");
  EXPECT_EQ(e->timestamp_us, 1700000000123456);
}

// Python's json.dumps writes NaN, Infinity and -Infinity, and the old
// reporter sent them: a whole event holding them is an event (import keeps
// it byte for byte). Other spellings are not Python's and stay invalid.
TEST(EventTest, CheckEventTakesPythonsNonFiniteNumbers) {
  auto with = [](const std::string& value) {
    return "{\"action\": \"interaction_progress\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
           "\"timestamp\": 1700000000.5, \"progress_data\": {\"v\": " +
           value + ", \"s\": \"NaN Inf -Infinity\"}}";
  };
  for (const char* ok : {"NaN", "Infinity", "-Infinity", "[NaN, -Infinity, 1.5]", "{\"x\": Infinity}"}) {
    std::string error;
    EXPECT_TRUE(check_event(with(ok), &error)) << ok << ": " << error;
  }
  for (const char* bad : {"Inf", "-Inf", "-NaN", "nan", "inf", "infinity", "+Infinity", "NaNa",
                          "Infinit", "[Inf]"}) {
    std::string error;
    EXPECT_FALSE(check_event(with(bad), &error)) << bad;
    EXPECT_EQ(error.rfind("invalid JSON", 0), 0u) << bad << ": " << error;
  }
  // The timestamp must still be a finite number of seconds.
  std::string error;
  EXPECT_FALSE(check_event(
      "{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
      "\"timestamp\": Infinity, \"request_data\": {}}",
      &error));
  EXPECT_NE(error.find("'timestamp'"), std::string::npos) << error;
}

// The old reporter took any interaction id; import keeps what it sent.
TEST(EventTest, CheckEventTakesTheIdsTheOldReporterTook) {
  for (const char* id : {"task 42/\\u03b1", "a,b", "../x", "\\u4efb\\u52a1 #7", "\\\"quoted\\\""}) {
    std::string body = std::string("{\"action\": \"interaction_start\", \"interaction_id\": \"") + id +
                       "\", \"mcp_id\": \"m\", \"timestamp\": 1, \"request_data\": {}}";
    std::string error;
    EXPECT_TRUE(check_event(body, &error)) << body << ": " << error;
  }
  std::string error;
  auto e = check_event("{\"action\": \"interaction_start\", \"interaction_id\": \"task 42/\\u03b1\", "
                       "\"mcp_id\": \"m\", \"timestamp\": 1, \"request_data\": {}}",
                       &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->interaction_id, "task 42/\xce\xb1");
}

TEST(EventTest, CheckEventRejectsWrongShapes) {
  // Each body with the error it must give: any other error would mean the
  // check that was meant did not run.
  const std::pair<const char*, const char*> bad[] = {
      {"", "invalid JSON"},
      {"[]", "not a JSON object"},
      {"{\"action\": \"interaction_start\"}", "'interaction_id' missing"},
      {"{\"action\": \"x\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", \"timestamp\": 1, "
       "\"request_data\": {}}",
       "unknown action 'x'"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "'interaction_id' is empty"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": 42, \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "'interaction_id' missing or not a string"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"a\\u0000b\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "'interaction_id' holds a control character"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"a\\u0085b\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "'interaction_id' holds a control character"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"a\\ud800\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "invalid JSON: The surrogate pair"},
      {"{\"action\": \"interaction_start\\u0000x\", \"interaction_id\": \"a\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "unknown action"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "'mcp_id' missing or not a non-empty string"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
       "\"timestamp\": \"1\", \"request_data\": {}}",
       "'timestamp' missing or not seconds"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"result_data\": {}}",
       "'request_data' missing or not an object"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": []}",
       "'request_data' missing or not an object"},
      {"{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}, \"extra\": 1}",
       "members other than"},
      // RapidJSON's Parse(data, size) skipped these leading bytes one by one.
      {"\xbb{\"action\": \"interaction_start\", \"interaction_id\": \"i\", \"mcp_id\": \"m\", "
       "\"timestamp\": 1, \"request_data\": {}}",
       "invalid JSON: Invalid value. (at byte 0)"},
      {"\xef\xbb\xbf{\"action\": \"interaction_start\", \"interaction_id\": \"i\", "
       "\"mcp_id\": \"m\", \"timestamp\": 1, \"request_data\": {}}",
       "invalid JSON: Invalid value. (at byte 0)"},
  };
  for (const auto& [body, expected] : bad) {
    std::string error;
    EXPECT_FALSE(check_event(body, &error)) << body;
    EXPECT_NE(error.find(expected), std::string::npos)
        << body << "\n  gave: " << error << "\n  wanted: " << expected;
  }
  // The whole action is named, not the part before a NUL.
  std::string error;
  check_event(bad[9].first, &error);
  EXPECT_EQ(error, std::string("unknown action 'interaction_start\0x'", 36));
}

}  // namespace
// A syntax error says what is wrong in words a user can act on, and where:
// a raw control character is not an "invalid escape", and a string left
// open is named by where it begins. Both JSON readers (events, and --data
// and DATA payloads) say it the same way.
TEST(EventTest, SyntaxErrorsSayWhatIsWrongAndAtWhichByte) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"a\": \"x\x01y\"}",
       "invalid JSON: a control character (0x01) inside a string (at byte 8); write it as \\u0001"},
      {"{\"a\": \"x\ny\"}",
       "invalid JSON: a control character (0x0a) inside a string (at byte 8); write it as \\n"},
      {"{\"a\": \"x\\qy\"}", "invalid JSON: an escape that JSON does not have (at byte 8)"},
      {"{\"a\": \"xyz", "invalid JSON: the string that begins at byte 6 is not closed (the text ends at byte 10)"},
      {"{\"a\": 1, \"b", "invalid JSON: the string that begins at byte 9 is not closed (the text ends at byte 11)"},
  };
  for (const auto& [text, expected] : cases) {
    std::string error;
    EXPECT_FALSE(check_event(text, &error)) << text;
    EXPECT_EQ(error, expected) << text;
    std::string out;
    error.clear();
    EXPECT_FALSE(to_python_json(text, &out, &error)) << text;
    EXPECT_EQ(error, expected) << text;
  }
}

}  // namespace mcpr
