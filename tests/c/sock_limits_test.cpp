// Public API tests of ipc_sock_*: the per-handle limits that bound what a
// misbehaving peer or a slow application costs — maxWriteQueue (a reader that
// never reads: EAGAIN then DRAIN for emit-to-one, disconnection for broadcast),
// maxEventQueue (backpressure, nothing lost) and maxConnections.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {
std::string payload(int i, size_t size) {
  std::string s = "\"" + std::to_string(i) + ":";
  s.append(size - s.size() - 1, 'p');
  return s + "\"";
}
}  // namespace

TEST(SockLimits, SlowReaderEmitIsEagainThenDrain) {
  UnixId id;
  Sock s;
  const size_t kMax = 65536, kFrame = 4096 + 24;
  listen(s, id.opts("\"maxWriteQueue\": 65536"));
  Fd fd = unix_connect(id.path());  // never reads until told
  ASSERT_GE(fd.get(), 0);
  const uint64_t conn = expect(*s, IPC_SOCK_CONNECT).conn;

  // Emit 4 KiB events, numbered, until the connection's queue refuses one.
  // The kernel's socket buffers take a few hundred KiB first; then 64 KiB of
  // queue. The I/O thread keeps flushing meanwhile, so a refusal is "full
  // right now": an emit after it may be accepted again. What must hold at
  // every step: a refused emit queues nothing, and the queue stays bounded.
  int accepted = 0, refusals = 0, rc = IPC_OK;
  while (accepted < 20000 && rc == IPC_OK) {
    rc = ipc_sock_emit(*s, conn, "bulk", payload(accepted, 4096).c_str());
    if (rc == IPC_OK) ++accepted;
  }
  ASSERT_EQ(rc, IPC_EAGAIN) << "no EAGAIN after " << accepted << " x 4 KiB";
  ++refusals;
  size_t pending = 0;
  ASSERT_EQ(ipc_sock_pending(*s, conn, &pending), IPC_OK);
  EXPECT_GT(pending, 0u);
  EXPECT_LT(pending, kMax + 2 * kFrame) << "the queue stays near maxWriteQueue";
  // Ten more attempts, each retrying the same number until it is accepted:
  // the reader must see every number exactly once.
  for (int i = 0; i < 10; ++i) {
    rc = ipc_sock_emit(*s, conn, "bulk", payload(accepted, 4096).c_str());
    ASSERT_TRUE(rc == IPC_OK || rc == IPC_EAGAIN) << rc;
    if (rc == IPC_OK) ++accepted; else ++refusals;
    ASSERT_EQ(ipc_sock_pending(*s, conn, &pending), IPC_OK);
    EXPECT_LT(pending, kMax + 2 * kFrame) << "the queue stays near maxWriteQueue";
  }

  // Now the reader reads everything: every accepted event, intact, in order,
  // then one more sent after a drain.
  std::vector<std::string> frames;
  std::thread reader([&] { frames = read_frames(fd.get(), static_cast<size_t>(accepted) + 1); });
  Event d = expect(*s, IPC_SOCK_DRAIN);
  EXPECT_EQ(d.conn, conn);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "after", "1"), IPC_OK);
  reader.join();
  ASSERT_EQ(frames.size(), static_cast<size_t>(accepted) + 1);
  for (int i = 0; i < accepted; ++i)
    ASSERT_EQ(frames[i], "{\"type\":\"bulk\",\"data\":" + payload(i, 4096) + "}") << i;
  EXPECT_EQ(frames.back(), "{\"type\":\"after\",\"data\":1}");
  // At most one DRAIN per refusal (one per episode; the one taken above counts).
  int drains = 1;
  for (ipc_sock_event_t ev; ipc_sock_next(*s, &ev, IPC_NOWAIT) == IPC_OK;) {
    EXPECT_EQ(ev.kind, IPC_SOCK_DRAIN);
    ++drains;
  }
  EXPECT_LE(drains, refusals);
}

TEST(SockLimits, BroadcastDisconnectsTheSlowReaderOthersGetEverything) {
  UnixId id;
  Sock s, a, b;
  listen(s, id.opts("\"maxWriteQueue\": 65536"));
  Fd slow = unix_connect(id.path());
  ASSERT_GE(slow.get(), 0);
  const uint64_t slow_conn = expect(*s, IPC_SOCK_CONNECT).conn;
  const uint64_t ca = connect(a, id.opts("\"stopRetrying\": true"), &s);
  const uint64_t cb = connect(b, id.opts("\"stopRetrying\": true"), &s);

  // Each broadcast is taken by both good clients before the next, so their
  // queues stay small while the slow reader's grows past the limit.
  const int kCount = 1000;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "b", payload(i, 4096).c_str()), IPC_OK) << i;
    for (Sock *c : {&a, &b}) {
      Event e = next(c->h);
      ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << i << ": " << e;
      ASSERT_EQ(e.data, payload(i, 4096)) << i;
    }
  }
  // The server reported the slow reader once, then dropped it; nobody else.
  Event err = expect(*s, IPC_SOCK_ERROR);
  EXPECT_EQ(err.code, IPC_ENOSPC) << err;
  EXPECT_EQ(err.conn, slow_conn);
  Event gone = expect(*s, IPC_SOCK_DISCONNECT);
  EXPECT_EQ(gone.conn, slow_conn);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
  EXPECT_TRUE(sees_eof(slow.get())) << "the slow reader's connection was closed";
  size_t n = 0;
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(ipc_sock_emit(*s, slow_conn, "x", "1"), IPC_ENOENT);
  ASSERT_EQ(ipc_sock_emit(*s, ca, "to-a", "1"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, cb, "to-b", "2"), IPC_OK);
  expect_message(*a, "to-a", "1");
  expect_message(*b, "to-b", "2");
}

// The application takes no events while a client sends 5 MB: the server
// stops reading at maxEventQueue (the rest waits in the client's queue and the
// kernel), and once the application takes events everything arrives in order.
TEST(SockLimits, EventQueueBackpressureLosesNothing) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"maxEventQueue\": 65536"));
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  const int kCount = 5000;
  const size_t kSize = 1000;
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "e", payload(i, kSize).c_str()), IPC_OK) << i;

  // Wait (loosely: sampling, at most 10 s) until the client's queue stops
  // shrinking; without backpressure it would empty completely.
  size_t prev = SIZE_MAX, now = 0;
  for (int tries = 0; tries < 200; ++tries) {
    ASSERT_EQ(ipc_sock_pending(*c, 0, &now), IPC_OK);
    if (now == prev) break;
    prev = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(now, size_t{2} << 20) << "the server kept reading past maxEventQueue (client queue " << now << ")";

  for (int i = 0; i < kCount; ++i) {
    Event e = next(*s);
    ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << i << ": " << e;
    ASSERT_EQ(e.data, payload(i, kSize)) << i;
  }
  ASSERT_EQ(ipc_sock_pending(*c, 0, &now), IPC_OK);
  EXPECT_EQ(now, 0u);
}

// The same with next_many taking batches, and the server's own writes going
// on while its event queue is full (a request/response peer is not deadlocked).
TEST(SockLimits, EventQueueFullStillWrites) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"maxEventQueue\": 16384"));
  const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true"), &s);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "e", payload(i, 500).c_str()), IPC_OK);
  // The server's queue is full (or filling); its emits still reach the client.
  for (int i = 0; i < 100; ++i) ASSERT_EQ(ipc_sock_emit(*s, conn, "r", std::to_string(i).c_str()), IPC_OK);
  for (int i = 0; i < 100; ++i) expect_message(*c, "r", std::to_string(i));
  std::vector<unsigned char> buf(1 << 16);
  int got = 0;
  while (got < 2000) {
    size_t count = 0, bytes = 0;
    ASSERT_EQ(ipc_sock_next_many(*s, buf.data(), buf.size(), 64, &count, &bytes, kWait), IPC_OK) << got;
    size_t off = 0;
    for (size_t k = 0; k < count; ++k) {
      uint32_t kind, tl, dl, al;
      std::memcpy(&kind, &buf[off], 4);
      std::memcpy(&tl, &buf[off + 16], 4);
      std::memcpy(&dl, &buf[off + 20], 4);
      std::memcpy(&al, &buf[off + 24], 4);
      ASSERT_EQ(kind, uint32_t{IPC_SOCK_MESSAGE});
      std::string data(reinterpret_cast<char *>(&buf[off + 32 + tl]), dl);
      ASSERT_EQ(data, payload(got, 500)) << got;
      ++got;
      off += (32 + tl + dl + al + 7) & ~size_t{7};
    }
  }
}

TEST(SockLimits, MaxConnections) {
  UnixId id;
  Sock s;
  listen(s, id.opts("\"maxConnections\": 2"));
  Fd one = unix_connect(id.path());
  const uint64_t c1 = expect(*s, IPC_SOCK_CONNECT).conn;
  Fd two = unix_connect(id.path());
  const uint64_t c2 = expect(*s, IPC_SOCK_CONNECT).conn;
  Fd three = unix_connect(id.path());  // accepted by the kernel, closed at once
  ASSERT_GE(three.get(), 0);
  Event e = expect(*s, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_ENOSPC) << e;
  EXPECT_TRUE(sees_eof(three.get()));
  size_t n = 0;
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 2u);
  // The two keep working.
  ASSERT_TRUE(write_all(two.get(), frame("two", "2")));
  EXPECT_EQ(expect_message(*s, "two", "2").conn, c2);
  // One leaves: there is room again.
  one.reset();
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, c1);
  Sock four;
  const uint64_t c4 = connect(four, id.opts("\"stopRetrying\": true"), &s);
  EXPECT_NE(c4, 0u);
  ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "all", "0"), IPC_OK);
  expect_message(*four, "all", "0");
  auto frames = read_frames(two.get(), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "{\"type\":\"all\",\"data\":0}");
}

// Writes queued on a client before it connects (up to maxWriteQueue) go out on
// connect; past the limit an emit is IPC_EAGAIN.
TEST(SockLimits, ClientQueuesWhileNotConnected) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 20, \"maxWriteQueue\": 8192").c_str(), &c.h), IPC_OK);
  int accepted = 0, rc = IPC_OK;
  while (accepted < 1000 && (rc = ipc_sock_emit(*c, 0, "q", payload(accepted, 1000).c_str())) == IPC_OK) ++accepted;
  EXPECT_EQ(rc, IPC_EAGAIN);
  EXPECT_GE(accepted, 8);
  EXPECT_LE(accepted, 10);
  Sock s;
  listen(s, id.opts());
  Event e = next_skipping(*c, IPC_SOCK_ERROR);  // failed attempts before the server came
  EXPECT_EQ(e.kind, IPC_SOCK_CONNECT) << e;
  expect(*s, IPC_SOCK_CONNECT);
  for (int i = 0; i < accepted; ++i) expect_message(*s, "q", payload(i, 1000));
}

// One event larger than maxEventQueue still arrives (the queue bound pauses
// reading between events, it cannot refuse the one being read), and the
// events after it too.
TEST(SockLimits, EventLargerThanTheEventQueue) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"maxEventQueue\": 65536"));
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  const std::string big = payload(0, 1 << 20);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "big", big.c_str()), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "small", "1"), IPC_OK);
  for (int i = 0; i < 3; ++i) {
    Event e = expect(*s, IPC_SOCK_MESSAGE);
    EXPECT_EQ(e.data.size(), big.size()) << i;
  }
  expect_message(*s, "small", "1");
}

// Backpressure end to end between two libipc handles: the client's application
// does not take events, so its event queue fills, it stops reading, the
// server's write queue fills and refuses (EAGAIN); when the client's
// application takes its events, the server gets DRAIN and everything it
// accepted arrives in order. Over Unix and over TLS (whose writes always go
// through the I/O thread).
namespace {
void end_to_end_backpressure(const std::string &server_opts, const std::string &client_opts) {
  Sock s, c;
  listen(s, server_opts);
  if (::testing::Test::HasFatalFailure()) return;
  const std::string copts = client_opts.empty()
                                ? tcp_opts(port_of(*s), "\"maxEventQueue\": 65536, \"stopRetrying\": true")
                                : client_opts;
  const uint64_t conn = connect(c, copts, &s);
  ASSERT_NE(conn, 0u);
  int accepted = 0, rc = IPC_OK;
  while (accepted < 50000 && (rc = ipc_sock_emit(*s, conn, "e", payload(accepted, 4096).c_str())) == IPC_OK)
    ++accepted;
  ASSERT_EQ(rc, IPC_EAGAIN) << "no backpressure after " << accepted << " events";
  int got = 0;
  bool drained = false;
  while (got < accepted) {
    Event e = next(*c);
    ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << got << ": " << e;
    ASSERT_EQ(e.data, payload(got, 4096)) << got;
    ++got;
    if (!drained) {
      ipc_sock_event_t ev;
      if (ipc_sock_next(*s, &ev, IPC_NOWAIT) == IPC_OK) {
        EXPECT_EQ(ev.kind, IPC_SOCK_DRAIN);
        EXPECT_EQ(ev.conn, conn);
        drained = true;
      }
    }
  }
  if (!drained) {
    Event d = expect(*s, IPC_SOCK_DRAIN);
    EXPECT_EQ(d.conn, conn);
  }
  ASSERT_EQ(ipc_sock_emit(*s, conn, "after", "1"), IPC_OK);
  expect_message(*c, "after", "1");
}
}  // namespace

TEST(SockLimits, EndToEndBackpressureUnix) {
  UnixId id;
  end_to_end_backpressure(id.opts("\"maxWriteQueue\": 65536"),
                          id.opts("\"maxEventQueue\": 65536, \"stopRetrying\": true"));
}

TEST(SockLimits, EndToEndBackpressureTcp) {
  end_to_end_backpressure("{\"port\": 0, \"maxWriteQueue\": 65536}", "");
}
