// libipc C++ core — Node Buffer encodings.
//
// Node's rules, so every language's string helpers agree byte for byte:
// 'ascii' and 'latin1' write each code point's low byte; reading 'ascii' clears
// the high bit; invalid UTF-8/UTF-16 on read becomes U+FFFD. Unlike Node, bad
// *input* text (invalid UTF-8, malformed base64 or hex) is an error rather than
// silently dropped: a write never stores something other than what was asked.
#include <ipc/encoding.hpp>
#include <ipc/error.hpp>

#include <cstdint>

namespace ipc {
namespace {

// Decodes one code point from UTF-8 at s[i]; advances i. Returns -1 if invalid
// (then i advances by one byte).
long next_code_point(std::string_view s, std::size_t &i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n;
  long cp;
  if ((b0 & 0xE0) == 0xC0) { n = 1; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { n = 2; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { n = 3; cp = b0 & 0x07; }
  else { ++i; return -1; }
  if (i + n >= s.size()) { ++i; return -1; }  // truncated sequence
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) { ++i; return -1; }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  static const long kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { ++i; return -1; }
  i += n + 1;
  return cp;
}

void append_utf8(std::string &out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // '-' and '_': base64url, as Node accepts
  if (c == '/' || c == '_') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : text) {
    if (c == '=') { ++pad; continue; }
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (pad) throw_error(IPC_EILSEQ, "base64: data after padding");
    int v = b64_value(c);
    if (v < 0) throw_error(IPC_EILSEQ, "base64: invalid character");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6 || pad > 2) throw_error(IPC_EILSEQ, "base64: truncated input");
  return out;
}

}  // namespace

bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();)
    if (next_code_point(s, i) < 0) return false;
  return true;
}

std::string encode_text(std::string_view text, encoding enc) {
  std::string out;
  switch (enc) {
    case encoding::utf8:
      if (!valid_utf8(text)) throw_error(IPC_EILSEQ, "text is not valid UTF-8");
      return std::string(text);
    case encoding::ascii:
    case encoding::latin1:
    case encoding::utf16le:
      out.reserve(enc == encoding::utf16le ? text.size() * 2 : text.size());
      for (std::size_t i = 0; i < text.size();) {
        long cp = next_code_point(text, i);
        if (cp < 0) throw_error(IPC_EILSEQ, "text is not valid UTF-8");
        if (enc != encoding::utf16le) {
          // Node keeps the low byte of each UTF-16 code unit, so a code point
          // above U+FFFF (a surrogate pair) becomes two bytes.
          if (cp < 0x10000) {
            out += static_cast<char>(cp & 0xFF);
          } else {
            unsigned long v = static_cast<unsigned long>(cp) - 0x10000;
            out += static_cast<char>((0xD800 + (v >> 10)) & 0xFF);
            out += static_cast<char>((0xDC00 + (v & 0x3FF)) & 0xFF);
          }
        } else if (cp < 0x10000) {
          out += static_cast<char>(cp & 0xFF);
          out += static_cast<char>(cp >> 8);
        } else {
          unsigned long v = static_cast<unsigned long>(cp) - 0x10000;
          unsigned hi = 0xD800 + static_cast<unsigned>(v >> 10), lo = 0xDC00 + (v & 0x3FF);
          out += static_cast<char>(hi & 0xFF);
          out += static_cast<char>(hi >> 8);
          out += static_cast<char>(lo & 0xFF);
          out += static_cast<char>(lo >> 8);
        }
      }
      return out;
    case encoding::base64:
    case encoding::base64url:
      return decode_base64(text);  // accepts both alphabets, padding optional
    case encoding::hex:
      if (text.size() % 2) throw_error(IPC_EILSEQ, "hex: odd number of digits");
      out.reserve(text.size() / 2);
      for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) throw_error(IPC_EILSEQ, "hex: invalid digit");
        out += static_cast<char>(hi << 4 | lo);
      }
      return out;
  }
  throw_error(IPC_EINVAL, "unknown encoding");
}

std::string decode_bytes(const void *bytes, std::size_t len, encoding enc) {
  const auto *p = static_cast<const unsigned char *>(bytes);
  std::string out;
  switch (enc) {
    case encoding::utf8: {
      // The WHATWG decoder, as Node uses: one U+FFFD per maximal invalid
      // subsequence (so "e2 82 41" is U+FFFD then "A", not two U+FFFDs).
      out.reserve(len);
      unsigned long cp = 0;
      int needed = 0, seen = 0;
      unsigned lower = 0x80, upper = 0xBF;
      for (std::size_t i = 0; i < len; ++i) {
        const unsigned b = p[i];
        if (needed == 0) {
          if (b <= 0x7F) {
            out += static_cast<char>(b);
          } else if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
            cp = b & 0x1F;
          } else if (b >= 0xE0 && b <= 0xEF) {
            if (b == 0xE0) lower = 0xA0;
            if (b == 0xED) upper = 0x9F;
            needed = 2;
            cp = b & 0x0F;
          } else if (b >= 0xF0 && b <= 0xF4) {
            if (b == 0xF0) lower = 0x90;
            if (b == 0xF4) upper = 0x8F;
            needed = 3;
            cp = b & 0x07;
          } else {
            out += "\xEF\xBF\xBD";
          }
          continue;
        }
        if (b < lower || b > upper) {  // the sequence so far is one error; re-read b
          cp = 0;
          needed = seen = 0;
          lower = 0x80;
          upper = 0xBF;
          out += "\xEF\xBF\xBD";
          --i;
          continue;
        }
        lower = 0x80;
        upper = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
        if (++seen == needed) {
          append_utf8(out, cp);
          cp = 0;
          needed = seen = 0;
        }
      }
      if (needed) out += "\xEF\xBF\xBD";  // truncated at the end
      return out;
    }
    case encoding::ascii:
      for (std::size_t i = 0; i < len; ++i) out += static_cast<char>(p[i] & 0x7F);
      return out;
    case encoding::latin1:
      out.reserve(len);
      for (std::size_t i = 0; i < len; ++i) append_utf8(out, p[i]);
      return out;
    case encoding::utf16le:
      for (std::size_t i = 0; i + 1 < len; i += 2) {
        unsigned u = p[i] | (p[i + 1] << 8);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
          unsigned u2 = p[i + 2] | (p[i + 3] << 8);
          if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
            append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
            i += 2;
            continue;
          }
        }
        if (u >= 0xD800 && u <= 0xDFFF) append_utf8(out, 0xFFFD);
        else append_utf8(out, u);
      }
      return out;  // a trailing odd byte is ignored, as in Node
    case encoding::base64:
    case encoding::base64url: {
      // base64url: '-' and '_' and no padding, as Node writes it.
      const bool url = enc == encoding::base64url;
      const char *alphabet = url ? kB64Url : kB64;
      out.reserve((len + 2) / 3 * 4);
      for (std::size_t i = 0; i < len; i += 3) {
        unsigned v = p[i] << 16;
        if (i + 1 < len) v |= p[i + 1] << 8;
        if (i + 2 < len) v |= p[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (i + 1 < len) out += alphabet[(v >> 6) & 63];
        else if (!url) out += '=';
        if (i + 2 < len) out += alphabet[v & 63];
        else if (!url) out += '=';
      }
      return out;
    }
    case encoding::hex:
      out.reserve(len * 2);
      for (std::size_t i = 0; i < len; ++i) {
        out += "0123456789abcdef"[p[i] >> 4];
        out += "0123456789abcdef"[p[i] & 15];
      }
      return out;
  }
  throw_error(IPC_EINVAL, "unknown encoding");
}

}  // namespace ipc
