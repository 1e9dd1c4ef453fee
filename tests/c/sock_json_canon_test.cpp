// The test canonicaliser (tests/sock/json_canon.c) that the interop peers and
// the node-ipc tests use to compare JSON "as values": equal values written
// differently compare equal, and different values never do.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "json_canon.h"

namespace {
std::string canon(const std::string &s) {
  char *c = json_canon(s.data(), s.size());
  std::string out = c ? c : "<invalid>";
  std::free(c);
  return out;
}
bool eq(const std::string &a, const std::string &b) { return json_equal(a.data(), a.size(), b.data(), b.size()); }
}  // namespace

TEST(SockJsonCanon, SameValuesWrittenDifferently) {
  // Python's json.dumps (ensure_ascii, ", " separators) vs JSON.stringify.
  EXPECT_TRUE(eq("{\"lang\": \"python\", \"text\": \"h\\u00e9llo \\u2713 \\ud83d\\ude00\", \"n\": [1, 2.5, -3]}",
                 "{\"n\":[1,2.5,-3],\"text\":\"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\",\"lang\":\"python\"}"));
  EXPECT_TRUE(eq("1.0", "1"));
  EXPECT_TRUE(eq("1e2", "100"));
  EXPECT_TRUE(eq(" [ true , null ] ", "[true,null]"));
  EXPECT_TRUE(eq("\"\\/\"", "\"/\""));
  EXPECT_TRUE(eq("{\"a\":1,\"a\":2}", "{\"a\":2}"));  // the last duplicate wins, as in JSON.parse
  EXPECT_EQ(canon("{\"b\": {\"d\": 1, \"c\": [{}, []]}, \"a\": \"\\n\"}"), "{\"a\":\"\\u000a\",\"b\":{\"c\":[{},[]],\"d\":1}}");
}

TEST(SockJsonCanon, DifferentValues) {
  EXPECT_FALSE(eq("1", "\"1\""));
  EXPECT_FALSE(eq("[1,2]", "[2,1]"));
  EXPECT_FALSE(eq("{\"a\":null}", "{}"));
  EXPECT_FALSE(eq("true", "1"));
  EXPECT_FALSE(eq("\"a\"", "\"A\""));
  EXPECT_FALSE(eq("{\"a\":{\"b\":1}}", "{\"a\":{\"b\":2}}"));
}

TEST(SockJsonCanon, InvalidTextIsNeverEqual) {
  for (const char *bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\\x\"", "\"\\ud83d\"", "1 2", "nul"}) {
    EXPECT_EQ(canon(bad), "<invalid>") << bad;
    EXPECT_FALSE(eq(bad, bad)) << bad;
  }
}
