// White-box tests of the encodings against Node's Buffer behaviour.
#include <ipc/encoding.hpp>
#include <ipc/error.hpp>

#include <gtest/gtest.h>

using ipc::decode_bytes;
using ipc::encode_text;
using ipc::encoding;

TEST(CoreEncoding, RoundTripsEveryEncoding) {
  const std::string text = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // A é € 😀
  for (auto enc : {encoding::utf8, encoding::utf16le}) {
    std::string bytes = encode_text(text, enc);
    EXPECT_EQ(decode_bytes(bytes.data(), bytes.size(), enc), text);
  }
  EXPECT_EQ(encode_text(text, encoding::utf16le).size(), 2u + 2 + 2 + 4);
  // Base64 and hex: text -> bytes -> the same text.
  std::string raw = encode_text("3q2+7w==", encoding::base64);
  EXPECT_EQ(raw, "\xDE\xAD\xBE\xEF");
  EXPECT_EQ(decode_bytes(raw.data(), raw.size(), encoding::base64), "3q2+7w==");
  EXPECT_EQ(decode_bytes(raw.data(), raw.size(), encoding::hex), "deadbeef");
  EXPECT_EQ(encode_text("DEADbeef", encoding::hex), raw);
  EXPECT_EQ(encode_text("3q2-7w", encoding::base64), raw);  // url-safe, no padding
  EXPECT_EQ(decode_bytes("ab", 2, encoding::base64), "YWI=");
  EXPECT_EQ(decode_bytes("a", 1, encoding::base64), "YQ==");
}

TEST(CoreEncoding, Utf8Validation) {
  EXPECT_TRUE(ipc::valid_utf8("plain"));
  EXPECT_FALSE(ipc::valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(ipc::valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(ipc::valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(ipc::valid_utf8("\xE2\x82"));          // truncated
  EXPECT_THROW(encode_text("\xE2\x82", encoding::latin1), ipc::error);
}

TEST(CoreEncoding, LoneSurrogatesDecodeToReplacement) {
  const unsigned char lone[] = {0x3D, 0xD8, 'a', 0};
  EXPECT_EQ(decode_bytes(lone, 4, encoding::utf16le), "\xEF\xBF\xBD" "a");
}

TEST(CoreEncoding, MatchesNodeOnTheCornerCases) {
  // Buffer.from("\u{1F600}", "latin1") is <3d 00>: the low byte of each UTF-16 unit.
  EXPECT_EQ(encode_text("\xF0\x9F\x98\x80", encoding::latin1), std::string("\x3D\x00", 2));
  EXPECT_EQ(encode_text("\xF0\x9F\x98\x80", encoding::ascii), std::string("\x3D\x00", 2));
  // Buffer.from([0xe2,0x82,0x41]).toString() is "\uFFFDA": one U+FFFD per maximal subpart.
  EXPECT_EQ(decode_bytes("\xE2\x82\x41", 3, encoding::utf8), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(decode_bytes("\xF0\x9F\x98", 3, encoding::utf8), "\xEF\xBF\xBD");
  EXPECT_EQ(decode_bytes("\xC0\xAF", 2, encoding::utf8), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode_bytes("\xED\xA0\x80", 3, encoding::utf8),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // base64url: Buffer.from([0xfb,0xff]).toString("base64url") is "-_8".
  EXPECT_EQ(decode_bytes("\xFB\xFF", 2, encoding::base64url), "-_8");
  EXPECT_EQ(decode_bytes("\xFB\xFF", 2, encoding::base64), "+/8=");
  EXPECT_EQ(encode_text("-_8", encoding::base64url), "\xFB\xFF");
}
