// libipc core — the JSON the sock area needs: node-ipc frames and options.
//
// Boost.JSON does all parsing and validation (a kept library, not a hand-made
// parser). Its header-only build is compiled once, in json.cpp, so the rest of
// the core does not pay for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::sock_detail {

// True if `text` is exactly one JSON value (surrounding whitespace allowed),
// with valid UTF-8 in its strings. Allocates nothing.
bool json_valid(std::string_view text) noexcept;

// `s` as a JSON string literal, quotes included (what JSON.stringify gives for
// the same UTF-8 string). Throws IPC_EILSEQ for invalid UTF-8.
std::string json_quote(std::string_view s);

// A node-ipc frame's payload (without its '\f'): {"type": string, "data": any}.
struct frame {
  std::string type;
  std::string data;  // JSON text; "null" when the frame had no "data"
};
// Parses one frame. The common shape, exactly what node-ipc writes
// (`{"type":"<no escapes>","data":<value>}`), is split without building a tree
// and only its data is validated; anything else is parsed in full. Returns
// false (and sets *why) for invalid JSON or a frame that is not an object with
// a string "type".
bool parse_frame(std::string_view text, frame &out, std::string *why);
bool parse_frame(std::string_view text, frame *out, std::string *why);  // out may be NULL
// parse_frame without keeping the result (checking frames before sending them).
bool frame_valid(std::string_view text, std::string *why);

// Appends the frame {"type":<quoted_type>,"data":<data>}\f to out: quoted_type
// from json_quote(), data already valid JSON text; empty means {} (node-ipc's
// rule for no data).
void append_frame(std::string &out, std::string_view quoted_type, std::string_view data);

// Options: a flat view of the JSON object given to ipc_sock_listen/connect.
// Each getter throws IPC_EINVAL naming the key if the type is wrong, and
// finish() throws for any key nobody asked for (catches typos).
class options_reader {
public:
  explicit options_reader(std::string_view json_text);  // IPC_EINVAL if not an object
  ~options_reader();
  options_reader(const options_reader &) = delete;
  options_reader &operator=(const options_reader &) = delete;

  bool has(std::string_view key) const;
  std::string str(std::string_view key, std::string_view dflt);
  bool boolean(std::string_view key, bool dflt);
  // Integers in [lo, hi]; JSON numbers that are whole (1e3 is fine).
  std::int64_t integer(std::string_view key, std::int64_t dflt, std::int64_t lo, std::int64_t hi);
  double number(std::string_view key, double dflt, double lo, double hi);
  // A string or an array of strings.
  std::vector<std::string> strings(std::string_view key);
  // A nested object (e.g. "tls"); absent or null = no reader (false).
  bool object(std::string_view key, std::unique_ptr<options_reader> &out);
  void finish();

private:
  struct impl;
  explicit options_reader(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace ipc::sock_detail
