// libipc core — JSON for the sock area (see json.hpp). Boost.JSON, header-only:
// this is the one translation unit that compiles its implementation.
#include "json.hpp"

#include <ipc/error.hpp>

#include <boost/json/src.hpp>

#include <cmath>
#include <set>

namespace ipc::sock_detail {

namespace json = boost::json;

namespace {

// A SAX handler that accepts everything: validation without building a tree.
struct null_handler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);
  bool on_document_begin(json::error_code &) { return true; }
  bool on_document_end(json::error_code &) { return true; }
  bool on_object_begin(json::error_code &) { return true; }
  bool on_object_end(std::size_t, json::error_code &) { return true; }
  bool on_array_begin(json::error_code &) { return true; }
  bool on_array_end(std::size_t, json::error_code &) { return true; }
  bool on_key_part(json::string_view, std::size_t, json::error_code &) { return true; }
  bool on_key(json::string_view, std::size_t, json::error_code &) { return true; }
  bool on_string_part(json::string_view, std::size_t, json::error_code &) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code &) { return true; }
  bool on_number_part(json::string_view, json::error_code &) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code &) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code &) { return true; }
  bool on_double(double, json::string_view, json::error_code &) { return true; }
  bool on_bool(bool, json::error_code &) { return true; }
  bool on_null(json::error_code &) { return true; }
  bool on_comment_part(json::string_view, json::error_code &) { return true; }
  bool on_comment(json::string_view, json::error_code &) { return true; }
};

json::parse_options strict() {
  json::parse_options o;
  o.max_depth = 256;  // deep nesting is a denial of service, not data
  return o;
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool json_valid(std::string_view text) noexcept {
  text = trim(text);
  if (text.empty()) return false;
  try {
    json::basic_parser<null_handler> p(strict());
    json::error_code ec;
    std::size_t n = p.write_some(false, text.data(), text.size(), ec);
    return !ec && n == text.size();
  } catch (...) {
    return false;
  }
}

std::string json_quote(std::string_view s) {
  // Validate the UTF-8 by parsing the quoted form back; serialize() escapes.
  std::string out = json::serialize(json::string_view(s.data(), s.size()));
  if (!json_valid(out)) throw_error(IPC_EILSEQ, "sock: event type is not valid UTF-8");
  return out;
}

bool frame_valid(std::string_view text, std::string *why) { return parse_frame(text, nullptr, why); }

bool parse_frame(std::string_view text, frame &out, std::string *why) { return parse_frame(text, &out, why); }

bool parse_frame(std::string_view text, frame *out, std::string *why) {
  // Fast path: exactly node-ipc's shape. If the data part between `,"data":`
  // and the final `}` is one valid JSON value, the frame is exactly the object
  // {"type":T,"data":V}, so this split is the parse.
  static constexpr std::string_view head = "{\"type\":\"";
  static constexpr std::string_view mid = ",\"data\":";
  if (text.size() > head.size() + mid.size() + 2 && text.substr(0, head.size()) == head &&
      text.back() == '}') {
    std::size_t i = head.size();
    while (i < text.size() && text[i] != '"' && text[i] != '\\' &&
           static_cast<unsigned char>(text[i]) >= 0x20)
      ++i;
    if (i < text.size() && text[i] == '"' && text.substr(i + 1, mid.size()) == mid) {
      std::string_view type = text.substr(head.size(), i - head.size());
      std::size_t d = i + 1 + mid.size();
      std::string_view data = text.substr(d, text.size() - 1 - d);
      // The type as it stands in the frame, quotes included: checked in place
      // (for its UTF-8), with no copy.
      std::string_view quoted = text.substr(head.size() - 1, type.size() + 2);
      if (json_valid(data) && json_valid(quoted)) {
        if (out) {
          out->type.assign(type);
          out->data.assign(trim(data));
        }
        return true;
      }
    }
  }
  // Anything else (other key order, whitespace, escapes, extra keys): parse in full.
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, strict());
  if (ec) {
    if (why) *why = "invalid JSON in frame: " + ec.message();
    return false;
  }
  const json::object *o = v.if_object();
  const json::value *t = o ? o->if_contains("type") : nullptr;
  if (!t || !t->is_string()) {
    if (why) *why = "frame is not a {\"type\": string, \"data\": ...} object";
    return false;
  }
  if (out) {
    out->type.assign(t->get_string().data(), t->get_string().size());
    const json::value *d = o->if_contains("data");
    out->data = d ? json::serialize(*d) : "null";
  }
  return true;
}

void append_frame(std::string &out, std::string_view quoted_type, std::string_view data) {
  out.reserve(out.size() + quoted_type.size() + data.size() + 20);
  out += "{\"type\":";
  out += quoted_type;
  out += ",\"data\":";
  if (data.empty()) out += "{}";
  else out += data;
  out += "}\f";
}

// ---- options -----------------------------------------------------------------

struct options_reader::impl {
  json::value root;
  const json::object *obj = nullptr;
  std::set<std::string, std::less<>> used;
  std::string prefix;  // "tls." for nested readers, for messages
};

options_reader::options_reader(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

options_reader::options_reader(std::string_view text) : impl_(std::make_unique<impl>()) {
  if (trim(text).empty()) text = "{}";
  json::error_code ec;
  impl_->root = json::parse(json::string_view(text.data(), text.size()), ec, {}, strict());
  if (ec) throw_error(IPC_EINVAL, "sock options: not valid JSON: " + ec.message());
  impl_->obj = impl_->root.if_object();
  if (!impl_->obj) throw_error(IPC_EINVAL, "sock options: must be a JSON object");
}

options_reader::~options_reader() = default;

namespace {
const json::value *find(const json::object *o, std::string_view key) {
  const json::value *v = o->if_contains(json::string_view(key.data(), key.size()));
  return (v && v->is_null()) ? nullptr : v;  // null = absent = the default
}
[[noreturn]] void bad(const std::string &prefix, std::string_view key, const char *what) {
  throw_error(IPC_EINVAL, "sock options: \"" + prefix + std::string(key) + "\" must be " + what);
}
}  // namespace

bool options_reader::has(std::string_view key) const { return find(impl_->obj, key) != nullptr; }

std::string options_reader::str(std::string_view key, std::string_view dflt) {
  impl_->used.emplace(key);
  const json::value *v = find(impl_->obj, key);
  if (!v) return std::string(dflt);
  if (!v->is_string()) bad(impl_->prefix, key, "a string");
  return std::string(v->get_string().data(), v->get_string().size());
}

bool options_reader::boolean(std::string_view key, bool dflt) {
  impl_->used.emplace(key);
  const json::value *v = find(impl_->obj, key);
  if (!v) return dflt;
  if (!v->is_bool()) bad(impl_->prefix, key, "true or false");
  return v->get_bool();
}

double options_reader::number(std::string_view key, double dflt, double lo, double hi) {
  impl_->used.emplace(key);
  const json::value *v = find(impl_->obj, key);
  if (!v) return dflt;
  if (!v->is_number()) bad(impl_->prefix, key, "a number");
  double d = v->to_number<double>();
  if (!(d >= lo && d <= hi))
    throw_error(IPC_EINVAL, "sock options: \"" + impl_->prefix + std::string(key) + "\" out of range [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return d;
}

std::int64_t options_reader::integer(std::string_view key, std::int64_t dflt, std::int64_t lo,
                                     std::int64_t hi) {
  double d = number(key, static_cast<double>(dflt), static_cast<double>(lo), static_cast<double>(hi));
  if (d != std::floor(d)) bad(impl_->prefix, key, "a whole number");
  return static_cast<std::int64_t>(d);
}

std::vector<std::string> options_reader::strings(std::string_view key) {
  impl_->used.emplace(key);
  const json::value *v = find(impl_->obj, key);
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) {
    out.emplace_back(v->get_string().data(), v->get_string().size());
  } else if (const json::array *a = v->if_array()) {
    for (const json::value &e : *a) {
      if (!e.is_string()) bad(impl_->prefix, key, "a string or an array of strings");
      out.emplace_back(e.get_string().data(), e.get_string().size());
    }
  } else {
    bad(impl_->prefix, key, "a string or an array of strings");
  }
  return out;
}

bool options_reader::object(std::string_view key, std::unique_ptr<options_reader> &out) {
  impl_->used.emplace(key);
  const json::value *v = find(impl_->obj, key);
  if (!v || (v->is_bool() && !v->get_bool())) return false;  // "tls": false = off
  if (!v->is_object()) bad(impl_->prefix, key, "an object");
  auto p = std::make_unique<impl>();
  p->root = *v;
  p->obj = p->root.if_object();
  p->prefix = impl_->prefix + std::string(key) + ".";
  out.reset(new options_reader(std::move(p)));
  return true;
}

void options_reader::finish() {
  for (const auto &kv : *impl_->obj) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (!impl_->used.count(k))
      throw_error(IPC_EINVAL, "sock options: unknown option \"" + impl_->prefix + std::string(k) + "\"");
  }
}

}  // namespace ipc::sock_detail
