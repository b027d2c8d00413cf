// batch_starts(): which interaction_start each event of a batch belongs to.
#include <gtest/gtest.h>

#include "src/delivery/sink.h"

namespace mcpr {
namespace {

TEST(BatchStartsTest, EachEventBelongsToTheLatestStartOfItsInteractionBeforeIt) {
  struct Case {
    const char* what;
    std::vector<BatchEvent> batch;
    std::vector<size_t> starts;
  } cases[] = {
      {"empty", {}, {}},
      {"a start is its own", {{"a", 's'}}, {0}},
      {"an end alone has none (its start was in an earlier batch)", {{"a", 'c'}}, {kNoStart}},
      {"start, progress, end", {{"a", 's'}, {"a", 'p'}, {"a", 'e'}}, {0, 0, 0}},
      {"an end before its start's id starts again",
       {{"a", 'c'}, {"a", 's'}, {"a", 'c'}}, {kNoStart, 1, 1}},
      {"interactions interleaved",
       {{"a", 's'}, {"b", 's'}, {"b", 'c'}, {"c", 'p'}, {"a", 'e'}}, {0, 1, 1, kNoStart, 0}},
      {"an id used again pairs each end with the start before it",
       {{"a", 's'}, {"a", 'c'}, {"a", 's'}, {"a", 'p'}, {"a", 'c'}}, {0, 0, 2, 2, 2}},
      {"two starts in a row: the later one", {{"a", 's'}, {"a", 's'}, {"a", 'c'}}, {0, 1, 1}},
      {"an end twice: both after the same start",
       {{"a", 's'}, {"a", 'c'}, {"a", 'e'}}, {0, 0, 0}},
  };
  for (const Case& c : cases) EXPECT_EQ(batch_starts(c.batch), c.starts) << c.what;
}

}  // namespace
}  // namespace mcpr
