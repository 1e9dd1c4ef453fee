// Tests of the C++ core API ipc::sock (what C++ programs and the C layer use):
// exceptions carry the C codes, expected outcomes are return codes, events are
// value types, interrupt() wakes waiters, and a handle may outlive its last use
// on another thread.
#include <ipc/sock.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "err_name.hpp"
#include "test_names.hpp"

namespace {

constexpr std::int64_t kWait = 10000;

// The code of the ipc::error `f` throws (IPC_OK if it does not throw).
template <class F> int code_of(F f) {
  try {
    f();
  } catch (const ipc::error &e) {
    EXPECT_STRNE(e.what(), "");
    return e.code();
  }
  return IPC_OK;
}

ipc::sock_event take(ipc::sock &s, std::int64_t timeout = kWait) {
  ipc::sock_event ev;
  int rc = s.next(ev, timeout);
  EXPECT_EQ(rc, IPC_OK) << ipc_test::err_name(rc);
  return ev;
}

struct Path {
  std::string id = ipc_test::unique_name("ipcts");
  std::string path = ipc::sock::default_root() + "app." + id;
  Path() { ::unlink(path.c_str()); }
  ~Path() { ::unlink(path.c_str()); }
  std::string opts(const std::string &extra = "") const {
    return "{\"id\": \"" + id + "\"" + (extra.empty() ? "" : ", " + extra) + "}";
  }
};

}  // namespace

TEST(SockCore, BadOptionsThrowEinval) {
  EXPECT_EQ(code_of([] { ipc::sock::listen("nope"); }), IPC_EINVAL);
  EXPECT_EQ(code_of([] { ipc::sock::listen("{\"port\": 0, \"typo\": 1}"); }), IPC_EINVAL);
  EXPECT_EQ(code_of([] { ipc::sock::connect("{\"port\": \"x\"}"); }), IPC_EINVAL);
  EXPECT_EQ(code_of([] { ipc::sock::connect(std::string_view()); }), IPC_EINVAL);
  // string_view need not be NUL-terminated: only its bytes count.
  const std::string padded = "{\"port\": 0}garbage";
  auto s = ipc::sock::listen(std::string_view(padded.data(), 11));
  EXPECT_NE(s->local_port(), 0);
}

TEST(SockCore, ListenErrorsAreTyped) {
  Path p;
  auto s = ipc::sock::listen(p.opts());
  EXPECT_EQ(code_of([&] { ipc::sock::listen(p.opts()); }), IPC_EADDRINUSE);
  EXPECT_EQ(code_of([] { ipc::sock::listen("{\"path\": \"/tmp/" + std::string(200, 'x') + "\"}"); }),
            IPC_ENAMETOOLONG);
}

TEST(SockCore, EventsAreValuesAndCodesAreReturned) {
  Path p;
  auto s = ipc::sock::listen(p.opts());
  EXPECT_EQ(take(*s).kind, IPC_SOCK_START);
  auto c = ipc::sock::connect(p.opts("\"stopRetrying\": true"));
  EXPECT_EQ(take(*c).kind, IPC_SOCK_CONNECT);
  ipc::sock_event ce = take(*s);
  ASSERT_EQ(ce.kind, IPC_SOCK_CONNECT);
  const std::uint64_t conn = ce.conn;

  // Types and data may hold any bytes the API allows, NULs in data included
  // after JSON escaping; string_views are taken by length.
  const std::string type = std::string("t\xC3\xA9") + "st";
  const std::string data = "{\"nul\":\"a\\u0000b\",\"k\":[1,2]}";
  EXPECT_EQ(c->emit(0, type, data), IPC_OK);
  ipc::sock_event m = take(*s);
  EXPECT_EQ(m.kind, IPC_SOCK_MESSAGE);
  EXPECT_EQ(m.type, type);
  EXPECT_EQ(m.data, data);
  EXPECT_EQ(m.conn, conn);
  EXPECT_EQ(m.code, IPC_OK);

  ipc::sock_event empty;
  EXPECT_EQ(s->next(empty, 0), IPC_EAGAIN);
  EXPECT_EQ(s->next(empty, 30), IPC_ETIMEDOUT);

  // Errors of the hot calls that are not "try again" throw.
  EXPECT_EQ(code_of([&] { s->emit(conn + 99, "x", "1"); }), IPC_ENOENT);
  EXPECT_EQ(code_of([&] { s->emit(conn, "x", "{bad"); }), IPC_EILSEQ);
  EXPECT_EQ(code_of([&] { s->send(conn, "x", 1); }), IPC_ENOTSUP);
  EXPECT_EQ(code_of([&] { s->disconnect(conn + 99); }), IPC_ENOENT);
  EXPECT_EQ(code_of([&] { s->peer("127.0.0.1", 9); }), IPC_ENOTSUP);
  EXPECT_EQ(code_of([&] { s->pending(conn + 99); }), IPC_ENOENT);
  EXPECT_EQ(s->pending(conn), 0u);
  EXPECT_EQ(s->connections(), 1u);
  EXPECT_EQ(s->address(), p.path);
  EXPECT_EQ(s->local_port(), 0);

  EXPECT_EQ(s->emit_frames(conn, "{\"type\":\"f\",\"data\":2}\f"), IPC_OK);
  ipc::sock_event f = take(*c);
  EXPECT_EQ(f.type, "f");
  EXPECT_EQ(f.data, "2");

  c->disconnect(0);
  EXPECT_EQ(take(*c).kind, IPC_SOCK_DISCONNECT);
  EXPECT_EQ(take(*c).kind, IPC_SOCK_DESTROY);
  ipc::sock_event after;
  EXPECT_EQ(c->next(after, 0), IPC_ECLOSED);
  EXPECT_EQ(code_of([&] { c->emit(0, "x", "1"); }), IPC_ECLOSED);
  EXPECT_EQ(take(*s).kind, IPC_SOCK_DISCONNECT);
}

TEST(SockCore, EmitIsEagainNotAThrowWhenTheQueueIsFull) {
  Path p;
  auto s = ipc::sock::listen(p.opts("\"maxWriteQueue\": 4096"));
  take(*s);
  // A client that never reads: a raw Unix socket.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, p.path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  const std::uint64_t conn = take(*s).conn;
  const std::string big = "\"" + std::string(2000, 'q') + "\"";
  int rc = IPC_OK;
  for (int i = 0; i < 100000 && rc == IPC_OK; ++i) rc = s->emit(conn, "x", big);
  EXPECT_EQ(rc, IPC_EAGAIN);
  ::close(fd);
}

TEST(SockCore, InterruptWakesWaitersWithEclosed) {
  auto s = ipc::sock::listen("{\"port\": 0}");
  take(*s);
  std::atomic<int> rc{-1};
  std::thread t([&] {
    ipc::sock_event ev;
    rc = s->next(ev, 30000);
  });
  // Either the waiter is already blocked or it will find the handle interrupted.
  s->interrupt();
  t.join();
  EXPECT_EQ(rc.load(), IPC_ECLOSED);
  ipc::sock_event ev;
  EXPECT_EQ(s->next(ev, 0), IPC_ECLOSED) << "interrupted for good";
}

TEST(SockCore, NotifyFunctionAndFd) {
  auto s = ipc::sock::listen("{\"port\": 0}");
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  s->notify([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls == 1; }));  // START
  }
  EXPECT_EQ(take(*s).kind, IPC_SOCK_START);
  s->notify(nullptr);
  const int fd = s->notify_fd();
  ASSERT_GE(fd, 0);
  auto c = ipc::sock::connect("{\"port\": " + std::to_string(s->local_port()) + ", \"stopRetrying\": true}");
  pollfd pf{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&pf, 1, 10000), 1);
  EXPECT_EQ(take(*s).kind, IPC_SOCK_CONNECT);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(calls, 1);
}

TEST(SockCore, NextManyPacksAndReportsTheNeededSize) {
  auto s = ipc::sock::listen("{\"port\": 0}");
  char small[8];
  std::size_t n = 0, bytes = 0;
  ASSERT_EQ(s->next_many(small, sizeof small, 4, &n, &bytes, kWait), IPC_EMSGSIZE);
  EXPECT_GE(bytes, std::size_t{IPC_SOCK_PACKED_HEADER});
  std::vector<unsigned char> buf(bytes);
  ASSERT_EQ(s->next_many(buf.data(), buf.size(), 4, &n, &bytes, kWait), IPC_OK);
  EXPECT_EQ(n, 1u);
  std::uint32_t kind;
  std::memcpy(&kind, buf.data(), 4);
  EXPECT_EQ(kind, std::uint32_t{IPC_SOCK_START});
}

// The handle is shared_ptr-owned: a thread still holding it keeps it usable
// after the creator dropped its reference.
TEST(SockCore, SharedOwnershipAcrossThreads) {
  std::shared_ptr<ipc::sock> s = ipc::sock::listen("{\"port\": 0}");
  take(*s);
  const std::uint16_t port = s->local_port();
  std::thread t([keep = s, port] {
    auto c = ipc::sock::connect("{\"port\": " + std::to_string(port) + ", \"stopRetrying\": true}");
    ipc::sock_event ev;
    EXPECT_EQ(c->next(ev, kWait), IPC_OK);
    EXPECT_EQ(keep->next(ev, kWait), IPC_OK);
    EXPECT_EQ(ev.kind, IPC_SOCK_CONNECT);
  });
  s.reset();
  t.join();
}

TEST(SockCore, DefaultRootEndsWithASlash) {
  const std::string root = ipc::sock::default_root();
  ASSERT_FALSE(root.empty());
  EXPECT_EQ(root.back(), '/');
}
