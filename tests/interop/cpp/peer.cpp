// The C++ interop peer (see tests/interop/README.md): the C++ core API.
#include <ipc/encoding.hpp>
#include <ipc/mq.hpp>
#include <ipc/sem.hpp>
#include <ipc/shm.hpp>
#include <ipc/shm_stream.hpp>
#include <ipc/sock.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "err_name.hpp"
#include "json_canon.h"

namespace {

constexpr std::size_t kSize = 4096;
const std::string kText = "libipc interop \xE2\x9C\x93 h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x98\x80";
constexpr double kFloats[8] = {0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0};

int shm_create(const std::string &name) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::create_only, kSize);
  auto *p = static_cast<unsigned char *>(shm.data());
  for (int i = 0; i < 256; ++i) p[i] = static_cast<unsigned char>(i);
  auto n = static_cast<std::uint32_t>(kText.size());
  for (int i = 0; i < 4; ++i) p[256 + i] = static_cast<unsigned char>(n >> (8 * i));
  shm.write(260, kText.data(), kText.size());
  shm.write(1024, kFloats, sizeof kFloats);
  char lang[32] = "cpp";
  shm.write(2048, lang, sizeof lang);
  std::cout << "ready" << std::endl;
  return 0;
}

int shm_open(const std::string &name, const std::string &creator) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::open_only, 0);
  if (shm.size() != kSize) throw std::runtime_error("size " + std::to_string(shm.size()));
  const auto *p = static_cast<const unsigned char *>(shm.data());
  for (int i = 0; i < 256; ++i)
    if (p[i] != i) throw std::runtime_error("byte " + std::to_string(i));
  std::uint32_t n = p[256] | p[257] << 8 | p[258] << 16 | std::uint32_t(p[259]) << 24;
  std::string text = ipc::decode_bytes(shm.checked_range(260, n, false), n, ipc::encoding::utf8);
  if (text != kText) throw std::runtime_error("text \"" + text + "\"");
  double f[8];
  shm.read(1024, f, sizeof f);
  if (std::memcmp(f, kFloats, sizeof f) != 0) throw std::runtime_error("floats differ");
  std::string lang(reinterpret_cast<const char *>(p + 2048), strnlen(reinterpret_cast<const char *>(p + 2048), 32));
  if (lang != creator) throw std::runtime_error("creator \"" + lang + "\"");
  std::cout << "ok: read " << lang << "'s segment" << std::endl;
  return 0;
}

void expect(bool ok, const std::string &what) {
  if (!ok) throw std::runtime_error(what);
}

void wait_stdin_eof() {
  std::string line;
  while (std::getline(std::cin, line)) {
  }
}

void take(ipc::semaphore &s, unsigned n) {
  expect(s.value() == n, "value " + std::to_string(s.value()) + ", expected " + std::to_string(n));
  for (unsigned i = 0; i < n; ++i) expect(s.wait(0) == IPC_OK, "try_wait failed");
  expect(s.wait(0) == IPC_EAGAIN, "extra try_wait did not fail with IPC_EAGAIN");
}

int sem_create(const std::string &name) {
  ipc::semaphore s(name, ipc::open_mode::create_only, 3);
  std::cout << "ready" << std::endl;
  wait_stdin_eof();
  take(s, 5);
  std::cout << "ok: took the 5 units the opener posted" << std::endl;
  return 0;
}

int sem_open(const std::string &name) {
  ipc::semaphore s(name, ipc::open_mode::open_only, 0);
  take(s, 3);
  for (int i = 0; i < 5; ++i) s.post();
  std::cout << "ok: took 3, posted 5" << std::endl;
  return 0;
}

const std::string kUtf8Msg = "utf8 \xE2\x9C\x93 \xF0\x9F\x98\x80";

std::string binary() {
  std::string b(256, '\0');
  for (int i = 0; i < 256; ++i) b[i] = static_cast<char>(i);
  return b;
}

int mq_create(const std::string &name) {
  ipc::message_queue q(name, ipc::open_mode::create_only, 16, 256);
  std::cout << "ready" << std::endl;
  wait_stdin_eof();
  const std::pair<std::string, unsigned> want[] = {
      {"high", 9}, {kUtf8Msg, 5}, {"low-1", 1}, {"low-2", 1}, {binary(), 0}};
  char buf[256];
  for (auto &[text, prio] : want) {
    std::size_t len = 0;
    unsigned p = 99;
    expect(q.receive(buf, sizeof buf, &len, &p, 0) == IPC_OK, "receive failed");
    expect(std::string(buf, len) == text && p == prio, "wrong message or priority " + std::to_string(p));
  }
  std::size_t len;
  expect(q.receive(buf, sizeof buf, &len, nullptr, 0) == IPC_EAGAIN, "extra message");
  std::cout << "ok: 5 messages in priority order" << std::endl;
  return 0;
}

int mq_open(const std::string &name) {
  ipc::message_queue q(name, ipc::open_mode::open_only, 0, 0);
  expect(q.capacity() == 16 && q.max_msg_size() == 256, "capacity or message size");
  const std::pair<std::string, unsigned> sends[] = {
      {"low-1", 1}, {"high", 9}, {"low-2", 1}, {kUtf8Msg, 5}, {binary(), 0}};
  for (auto &[text, prio] : sends) expect(q.send(text.data(), text.size(), prio, 0) == IPC_OK, "send");
  std::cout << "ok: sent 5 messages" << std::endl;
  return 0;
}

constexpr double kStreamFloats[3] = {0.5, -1.25, 1e300};

int stream_create(const std::string &name, const std::string &other) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::create_only, 4096);
  ipc::shm_stream::write(shm, ipc::stream_type::string, "first", 5);
  ipc::shm_stream::write(shm, ipc::stream_type::f64, kStreamFloats, sizeof kStreamFloats);
  std::cout << "ready" << std::endl;
  wait_stdin_eof();
  std::vector<unsigned char> v;
  ipc::stream_value got = ipc::shm_stream::read_all(shm, v);
  const std::string want = "reply \xE2\x9C\x93 from " + other;
  expect(got.type == ipc::stream_type::string && got.version == 3 &&
             std::string(v.begin(), v.end()) == want,
         "reply: \"" + std::string(v.begin(), v.end()) + "\" version " + std::to_string(got.version));
  std::cout << "ok: read the reply" << std::endl;
  return 0;
}

int stream_open(const std::string &name) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::open_only, 0);
  std::vector<unsigned char> v;
  ipc::stream_value got = ipc::shm_stream::read_all(shm, v);
  expect(got.type == ipc::stream_type::f64 && got.version == 2 && v.size() == sizeof kStreamFloats &&
             std::memcmp(v.data(), kStreamFloats, v.size()) == 0,
         "floats: version " + std::to_string(got.version));
  const std::string reply = "reply \xE2\x9C\x93 from cpp";
  ipc::shm_stream::write(shm, ipc::stream_type::string, reply.data(), reply.size());
  std::cout << "ok: read the floats, wrote the reply" << std::endl;
  return 0;
}

// ---- area sock ------------------------------------------------------------

const char *kind_name(int k) {
  static const char *names[] = {"message", "data", "start", "connect", "disconnect", "destroy", "error", "drain"};
  return k >= 0 && k < 8 ? names[k] : "?";
}

std::string hello_data(const std::string &lang) {
  return "{\"lang\": \"" + lang +
         "\", \"text\": \"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\", \"n\": [1, 2.5, -3], "
         "\"nested\": {\"ok\": true, \"none\": null}}";
}

bool json_eq(const std::string &a, const std::string &b) {
  return json_equal(a.data(), a.size(), b.data(), b.size()) != 0;
}

// Every wait of a run shares one 60 s deadline; an error event is a failure.
class events {
public:
  explicit events(ipc::sock &s) : s_(s), deadline_(std::chrono::steady_clock::now() + std::chrono::seconds(60)) {}
  ipc::sock_event next() {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    ipc::sock_event ev;
    int rc = s_.next(ev, left.count() > 0 ? left.count() : 0);
    expect(rc == IPC_OK, std::string("next: ") + ipc_test::err_name(rc));
    expect(ev.kind != IPC_SOCK_ERROR, std::string("error event ") + ipc_test::err_name(ev.code) + ": " + ev.data);
    return ev;
  }
  ipc::sock_event next(ipc_sock_event_kind_t kind) {
    ipc::sock_event ev = next();
    expect(ev.kind == kind, std::string("expected a ") + kind_name(kind) + " event, got " + kind_name(ev.kind) +
                                (ev.kind == IPC_SOCK_MESSAGE ? " " + ev.type : ""));
    return ev;
  }
  ipc::sock_event message(const std::string &type, const std::string &want) {
    ipc::sock_event ev = next(IPC_SOCK_MESSAGE);
    expect(ev.type == type, "expected message " + type + ", got " + ev.type);
    expect(json_eq(ev.data, want), type + ": data " + ev.data + ", expected " + want);
    return ev;
  }

private:
  ipc::sock &s_;
  std::chrono::steady_clock::time_point deadline_;
};

int sock_create(const std::string &name, const std::string &other) {
  auto s = ipc::sock::listen("{\"id\": \"" + name + "\"}");
  events ev(*s);
  ev.next(IPC_SOCK_START);
  std::cout << "ready" << std::endl;
  const std::uint64_t conn = ev.next(IPC_SOCK_CONNECT).conn;
  expect(conn != 0, "connection id 0");
  const std::string hello = hello_data(other);
  expect(ev.message("hello", hello).conn == conn, "hello on another connection");
  expect(s->emit(conn, "welcome", "{\"lang\": \"cpp\", \"echo\": " + hello + "}") == IPC_OK, "emit welcome");
  expect(s->emit(IPC_SOCK_ALL, "news", "\"broadcast \xE2\x9C\x93\"") == IPC_OK, "broadcast news");
  for (int i = 0; i < 100; ++i) expect(ev.message("seq", std::to_string(i)).conn == conn, "seq on another connection");
  ev.message("bye", "{}");
  expect(s->emit(conn, "done", "100") == IPC_OK, "emit done");
  expect(ev.next(IPC_SOCK_DISCONNECT).conn == conn, "disconnect of another connection");
  wait_stdin_eof();
  s.reset();
  std::cout << "ok: hello, 100 seq and bye from " << other << "; welcome, news and done sent" << std::endl;
  return 0;
}

int sock_open(const std::string &name, const std::string &other) {
  auto s = ipc::sock::connect("{\"id\": \"" + name + "\", \"stopRetrying\": true}");
  events ev(*s);
  ev.next(IPC_SOCK_CONNECT);
  const std::string hello = hello_data("cpp");
  expect(s->emit(0, "hello", hello) == IPC_OK, "emit hello");
  ev.message("welcome", "{\"lang\": \"" + other + "\", \"echo\": " + hello + "}");
  ev.message("news", "\"broadcast \xE2\x9C\x93\"");
  for (int i = 0; i < 100; ++i) expect(s->emit(0, "seq", std::to_string(i)) == IPC_OK, "emit seq");
  expect(s->emit(0, "bye", "{}") == IPC_OK, "emit bye");
  ev.message("done", "100");
  s->disconnect(0);
  ev.next(IPC_SOCK_DISCONNECT);  // node-ipc's lifecycle: disconnect, then destroy last
  ev.next(IPC_SOCK_DESTROY);
  std::cout << "ok: welcome, news and done from " << other << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 5) {
    std::cerr << "usage: peer AREA create|open NAME OTHER_LANG\n";
    return 2;
  }
  try {
    std::string area = argv[1], role = argv[2];
    if (area == "shm") return role == "create" ? shm_create(argv[3]) : shm_open(argv[3], argv[4]);
    if (area == "stream") return role == "create" ? stream_create(argv[3], argv[4]) : stream_open(argv[3]);
    if (area == "sem") return role == "create" ? sem_create(argv[3]) : sem_open(argv[3]);
    if (area == "mq") return role == "create" ? mq_create(argv[3]) : mq_open(argv[3]);
    if (area == "sock") return role == "create" ? sock_create(argv[3], argv[4]) : sock_open(argv[3], argv[4]);
    std::cerr << "cpp peer: unknown area " << area << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "cpp peer: " << e.what() << "\n";
    return 1;
  }
}
