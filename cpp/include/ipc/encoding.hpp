// libipc C++ core — text encodings of the string helpers (Node Buffer semantics).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ipc {

enum class encoding { utf8 = 0, ascii = 1, latin1 = 2, base64 = 3, hex = 4, utf16le = 5, base64url = 6 };

// UTF-8 text -> the bytes `enc` stores. Throws IPC_EILSEQ on invalid UTF-8 (or
// invalid base64/hex text), IPC_EINVAL for an unknown encoding.
std::string encode_text(std::string_view utf8_text, encoding enc);
// Stored bytes -> UTF-8 text. Never throws for bad data: invalid sequences
// become U+FFFD, as in Node.
std::string decode_bytes(const void *bytes, std::size_t len, encoding enc);
// True if `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s) noexcept;

}  // namespace ipc
