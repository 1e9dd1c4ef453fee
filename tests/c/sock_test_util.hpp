// Test support for the ipc_sock_* tests: handles that close themselves, events
// copied out of the handle, unique ids whose socket files are removed before and
// after each test, and plain POSIX sockets to play a hand-written peer.
#pragma once

#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include "sock_child.hpp"
#include "test_names.hpp"

namespace sock_test {

// How long a test waits for an event that must come: long enough for a loaded
// machine, short enough that a failure is a failure and not a hang.
constexpr int64_t kWait = 10000;

struct Sock {
  ipc_sock_t *h = nullptr;
  Sock() = default;
  Sock(const Sock &) = delete;
  Sock &operator=(const Sock &) = delete;
  ~Sock() { close(); }
  void close() {
    ipc_sock_close(h);
    h = nullptr;
  }
  ipc_sock_t *operator*() const { return h; }
};

// An event copied out of the handle (its pointers die at the next call).
struct Event {
  int rc = IPC_OK;  // what ipc_sock_next returned
  int kind = -1;
  int code = IPC_OK;
  uint64_t conn = 0;
  std::string type, data, address;
};

inline const char *kind_name(int k) {
  static const char *names[] = {"message", "data", "start", "connect", "disconnect", "destroy", "error", "drain"};
  return k >= 0 && k < 8 ? names[k] : "none";
}

inline std::string describe(const Event &e) {
  if (e.rc != IPC_OK) return std::string("<") + ipc_err_name(e.rc) + ">";
  std::string s = kind_name(e.kind);
  if (e.kind == IPC_SOCK_ERROR) s += std::string(" ") + ipc_err_name(e.code);
  s += " conn=" + std::to_string(e.conn);
  if (!e.type.empty()) s += " type=" + e.type;
  if (!e.data.empty()) s += " data=" + e.data.substr(0, 200);
  return s;
}
inline std::ostream &operator<<(std::ostream &os, const Event &e) { return os << describe(e); }

inline Event next(ipc_sock_t *s, int64_t timeout = kWait) {
  ipc_sock_event_t ev;
  std::memset(&ev, 0, sizeof ev);
  Event e;
  e.rc = ipc_sock_next(s, &ev, timeout);
  if (e.rc == IPC_OK) {
    e.kind = ev.kind;
    e.code = ev.code;
    e.conn = ev.conn;
    e.type.assign(ev.type, ev.type_len);
    e.data.assign(ev.data, ev.data_len);
    e.address.assign(ev.address, ev.address_len);
  }
  return e;
}

// The next event, which must be of `kind` (the test fails otherwise).
inline Event expect(ipc_sock_t *s, int kind, int64_t timeout = kWait) {
  Event e = next(s, timeout);
  EXPECT_EQ(e.rc, IPC_OK) << describe(e);
  EXPECT_EQ(e.kind, kind) << "expected " << kind_name(kind) << ", got " << describe(e);
  return e;
}

// The next event, which must be message `type` with `data` (exact text).
inline Event expect_message(ipc_sock_t *s, const std::string &type, const std::string &data,
                            int64_t timeout = kWait) {
  Event e = expect(s, IPC_SOCK_MESSAGE, timeout);
  EXPECT_EQ(e.type, type) << describe(e);
  EXPECT_EQ(e.data, data) << describe(e);
  return e;
}

// Skips events of `skip` kind (e.g. retry errors) until one of another kind.
inline Event next_skipping(ipc_sock_t *s, int skip, int64_t timeout = kWait) {
  for (;;) {
    Event e = next(s, timeout);
    if (e.rc != IPC_OK || e.kind != skip) return e;
  }
}

// Runs `f` when the scope ends (only then: unlike ipc_test::scoped_cleanup,
// for things the test has just created).
template <class F> class OnExit {
public:
  explicit OnExit(F f) : f_(std::move(f)) {}
  ~OnExit() { f_(); }
  OnExit(const OnExit &) = delete;
  OnExit &operator=(const OnExit &) = delete;

private:
  F f_;
};
template <class F> OnExit(F) -> OnExit<F>;

// ---- bodies run in a fresh process (c_sock_tests --sock-child NAME) --------

// Named child bodies: return the exit status (0 = success).
inline std::map<std::string, std::function<int()>> &child_bodies() {
  static std::map<std::string, std::function<int()>> bodies;
  return bodies;
}
struct RegisterChild {
  RegisterChild(const char *name, std::function<int()> body) { child_bodies()[name] = std::move(body); }
};
inline int child_main(const char *name) {
  auto it = child_bodies().find(name);
  return it == child_bodies().end() ? 127 : it->second();
}
// Runs child body `name` in a new process of this executable, with `env`
// (NAME=VALUE) added; returns its exit status (-2: killed after 30 s).
inline int run_in_child(const std::string &name, const std::vector<std::string> &env = {}) {
  Child c({"/proc/self/exe", "--sock-child", name}, env);
  if (!c.started()) return -1;
  c.close_stdin();
  return c.wait(30000);
}

inline std::string unique_id() { return ipc_test::unique_name("ipcts"); }

inline std::string default_root() {
  char buf[4096];
  size_t len = 0;
  EXPECT_EQ(ipc_sock_default_root(buf, sizeof buf, &len), IPC_OK);
  return std::string(buf, len < sizeof buf ? len : 0);
}

// Where {"id": id} puts the socket: root + "app." + id.
inline std::string path_of(const std::string &id) { return default_root() + "app." + id; }

// A Unix socket id whose file is removed now and when the test ends.
class UnixId {
public:
  UnixId() : id_(unique_id()), path_(path_of(id_)) { ::unlink(path_.c_str()); }
  ~UnixId() { ::unlink(path_.c_str()); }
  UnixId(const UnixId &) = delete;
  UnixId &operator=(const UnixId &) = delete;
  const std::string &id() const { return id_; }
  const std::string &path() const { return path_; }
  std::string opts(const std::string &extra = "") const {
    return "{\"id\": \"" + id_ + "\"" + (extra.empty() ? "" : ", " + extra) + "}";
  }

private:
  std::string id_, path_;
};

// Starts a server and takes its IPC_SOCK_START event.
inline void listen(Sock &s, const std::string &opts) {
  ASSERT_EQ(ipc_sock_listen(opts.c_str(), &s.h), IPC_OK) << opts << ": " << ipc_last_error_message();
  Event e = next(s.h);
  ASSERT_EQ(e.kind, IPC_SOCK_START) << describe(e);
}

// Starts a client and waits for its IPC_SOCK_CONNECT; the server's CONNECT is
// taken too when `server` is given, and its connection id returned.
inline uint64_t connect(Sock &c, const std::string &opts, Sock *server = nullptr) {
  EXPECT_EQ(ipc_sock_connect(opts.c_str(), &c.h), IPC_OK) << opts << ": " << ipc_last_error_message();
  if (!c.h) return 0;
  Event e = next(c.h);
  EXPECT_EQ(e.kind, IPC_SOCK_CONNECT) << describe(e);
  if (!server) return 0;
  Event s = next(server->h);
  EXPECT_EQ(s.kind, IPC_SOCK_CONNECT) << describe(s);
  EXPECT_NE(s.conn, 0u);
  return s.conn;
}

inline uint16_t port_of(ipc_sock_t *s) {
  uint16_t port = 0;
  EXPECT_EQ(ipc_sock_local_port(s, &port), IPC_OK);
  return port;
}

inline std::string tcp_opts(uint16_t port, const std::string &extra = "") {
  return "{\"transport\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) +
         (extra.empty() ? "" : ", " + extra) + "}";
}

// node-ipc's frame for (type, data): what a peer writes on the wire.
inline std::string frame(const std::string &type, const std::string &data) {
  return "{\"type\":\"" + type + "\",\"data\":" + data + "}\f";
}

// ---- plain POSIX sockets (a hand-written peer) ----------------------------

class Fd {
public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd &operator=(Fd &&o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_;
};

inline Fd unix_connect(const std::string &path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
    ADD_FAILURE() << "connect " << path << ": " << std::strerror(errno);
    ::close(fd);
    return Fd();
  }
  return Fd(fd);
}

inline Fd tcp_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
    ADD_FAILURE() << "connect 127.0.0.1:" << port << ": " << std::strerror(errno);
    ::close(fd);
    return Fd();
  }
  int one = 1;  // each small write leaves as its own segment
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Fd(fd);
}

inline bool write_all(int fd, const void *p, size_t n) {
  const char *c = static_cast<const char *>(p);
  while (n) {
    ssize_t k = ::send(fd, c, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}
inline bool write_all(int fd, const std::string &s) { return write_all(fd, s.data(), s.size()); }

// Reads until `n` frames ('\f'-terminated) arrived, EOF, or the timeout.
// The suite runs twice: as is (every handle reads its connections on the
// thread that takes events: "inlineReads", the default), and with
// LIBIPC_SOCK_INLINE_READS=0 (the I/O thread reads). With inline reads the
// notify fd is an epoll set — polled, never read — and nothing else differs
// for a test.
inline bool inline_reads() {
  const char *v = std::getenv("LIBIPC_SOCK_INLINE_READS");
  return !(v && v[0] == '0');
}

// After the notify fd polled readable: an eventfd is read to clear it.
inline void clear_notify(int fd) {
  if (inline_reads()) return;
  uint64_t v;
  ASSERT_EQ(::read(fd, &v, 8), 8);
}

inline std::vector<std::string> read_frames(int fd, size_t n, int timeout_ms = static_cast<int>(kWait)) {
  std::vector<std::string> frames;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (frames.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char tmp[65536];
    ssize_t k = ::recv(fd, tmp, sizeof tmp, 0);
    if (k <= 0) break;
    buf.append(tmp, static_cast<size_t>(k));
    size_t pos;
    while ((pos = buf.find('\f')) != std::string::npos) {
      frames.push_back(buf.substr(0, pos));
      buf.erase(0, pos + 1);
    }
  }
  return frames;
}

// True once the peer closed the connection (read returns 0 or an error)
// within the timeout; data read meanwhile is discarded.
inline bool sees_eof(int fd, int timeout_ms = static_cast<int>(kWait)) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t k = ::recv(fd, tmp, sizeof tmp, 0);
    if (k <= 0) return true;
  }
}

// True if the loopback IPv6 address can be bound here (containers often lack it).
inline bool have_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace sock_test
