// Public API tests of ipc_sock_*: the client's lifecycle (node-ipc's): connect,
// disconnect, retry every "retry" ms, maxRetries, stopRetrying, backoff up to
// retryMax, destroy as the last event. Synchronised on events; time is used only
// as a loose bound on the retry intervals.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;
using clk = std::chrono::steady_clock;

namespace {
int64_t ms_between(clk::time_point a, clk::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// Takes the failed attempts of a client that never connects, up to its
// IPC_SOCK_DESTROY; returns when each error event was taken.
std::vector<clk::time_point> attempts_until_destroy(ipc_sock_t *c, int max_events = 100) {
  std::vector<clk::time_point> at;
  for (int i = 0; i < max_events; ++i) {
    Event e = next(c);
    if (e.rc != IPC_OK) {
      ADD_FAILURE() << "no destroy: " << e;
      break;
    }
    if (e.kind == IPC_SOCK_DESTROY) return at;
    EXPECT_EQ(e.kind, IPC_SOCK_ERROR) << e;
    EXPECT_TRUE(e.code == IPC_ECONNREFUSED || e.code == IPC_ENOENT) << e;
    at.push_back(clk::now());
  }
  ADD_FAILURE() << "more than " << max_events << " events before destroy";
  return at;
}
}  // namespace

TEST(SockClient, RefusedAttemptsAreErrorsThenItConnects) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 20").c_str(), &c.h), IPC_OK);
  // No socket file yet: failed attempts, each an error event (IPC_ENOENT).
  for (int i = 0; i < 3; ++i) {
    Event e = expect(*c, IPC_SOCK_ERROR);
    EXPECT_EQ(e.code, IPC_ENOENT) << e;
  }
  ASSERT_EQ(ipc_sock_emit(*c, 0, "early", "1"), IPC_OK);  // queued until connected
  Sock s;
  listen(s, id.opts());
  EXPECT_EQ(next_skipping(*c, IPC_SOCK_ERROR).kind, IPC_SOCK_CONNECT);
  const uint64_t conn = expect(*s, IPC_SOCK_CONNECT).conn;
  EXPECT_EQ(expect_message(*s, "early", "1").conn, conn);
}

// A socket file with nobody behind it: IPC_ECONNREFUSED.
TEST(SockClient, StaleUnixSocketIsEconnrefused) {
  UnixId id;
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, id.path().c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  ::close(fd);
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"maxRetries\": 0").c_str(), &c.h), IPC_OK);
  Event e = expect(*c, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_ECONNREFUSED) << e;
  expect(*c, IPC_SOCK_DESTROY);
}

TEST(SockClient, TcpRefusedIsEconnrefused) {
  // A port nobody listens on: a server's, closed.
  Sock probe;
  listen(probe, "{\"port\": 0}");
  const uint16_t port = port_of(*probe);
  probe.close();
  Sock c;
  ASSERT_EQ(ipc_sock_connect(tcp_opts(port, "\"maxRetries\": 0").c_str(), &c.h), IPC_OK);
  Event e = expect(*c, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_ECONNREFUSED) << e;
  expect(*c, IPC_SOCK_DESTROY);
}

TEST(SockClient, MaxRetriesZeroGivesUpAfterOneAttempt) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 10, \"maxRetries\": 0").c_str(), &c.h), IPC_OK);
  auto at = attempts_until_destroy(*c);
  EXPECT_EQ(at.size(), 1u);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*c, &ev, 200), IPC_ECLOSED) << "destroy is the last event";
}

TEST(SockClient, MaxRetriesCountsAttemptsAfterTheFirst) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 10, \"maxRetries\": 3").c_str(), &c.h), IPC_OK);
  auto at = attempts_until_destroy(*c);
  EXPECT_EQ(at.size(), 4u) << "the first attempt and 3 retries";
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*c, &ev, IPC_NOWAIT), IPC_ECLOSED);
  EXPECT_EQ(ipc_sock_emit(*c, 0, "late", "1"), IPC_ECLOSED);
}

TEST(SockClient, StopRetryingEndsAtTheFirstLoss) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"retry\": 10, \"stopRetrying\": true"), &s);
  s.close();  // the server goes away (and with it its socket file)
  expect(*c, IPC_SOCK_DISCONNECT);
  expect(*c, IPC_SOCK_DESTROY);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*c, &ev, 200), IPC_ECLOSED);
}

TEST(SockClient, StopRetryingWithNoServerIsOneAttempt) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 10, \"stopRetrying\": true").c_str(), &c.h), IPC_OK);
  EXPECT_EQ(attempts_until_destroy(*c).size(), 1u);
}

// The server restarts at the same path; the client (retrying) reconnects by
// itself, and what it emitted while disconnected is delivered on reconnection.
TEST(SockClient, ReconnectsAfterServerRestart) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"retry\": 20"), &s);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "one", "1"), IPC_OK);
  expect_message(*s, "one", "1");
  for (int round = 0; round < 3; ++round) {
    s.close();
    expect(*c, IPC_SOCK_DISCONNECT);
    ASSERT_EQ(ipc_sock_emit(*c, 0, "while-down", std::to_string(round).c_str()), IPC_OK);
    listen(s, id.opts());
    EXPECT_EQ(next_skipping(*c, IPC_SOCK_ERROR).kind, IPC_SOCK_CONNECT);
    const uint64_t conn = expect(*s, IPC_SOCK_CONNECT).conn;
    EXPECT_EQ(expect_message(*s, "while-down", std::to_string(round)).conn, conn);
    ASSERT_EQ(ipc_sock_emit(*s, conn, "back", "1"), IPC_OK);
    expect_message(*c, "back", "1");
  }
}

// A TCP client reconnects too, when a server listens on the same port again.
TEST(SockClient, TcpReconnects) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  const uint16_t port = port_of(*s);
  connect(c, tcp_opts(port, "\"retry\": 20"), &s);
  s.close();
  expect(*c, IPC_SOCK_DISCONNECT);
  listen(s, tcp_opts(port));
  EXPECT_EQ(next_skipping(*c, IPC_SOCK_ERROR).kind, IPC_SOCK_CONNECT);
  const uint64_t conn = expect(*s, IPC_SOCK_CONNECT).conn;
  ASSERT_EQ(ipc_sock_emit(*s, conn, "hi", "1"), IPC_OK);
  expect_message(*c, "hi", "1");
}

// The times below are when the test took each error event, which is never
// before the attempt failed; the attempts themselves cannot come before their
// timers. So "k-th failure taken >= start + the delays before it" is a firm
// lower bound however loaded the machine is (a gap between two takes is not:
// the first take may be late).

// Fixed interval (node-ipc's default behaviour, backoff 1): retry k comes no
// sooner than k * "retry" ms after the start.
TEST(SockClient, RetryIntervalIsALowerBound) {
  UnixId id;
  Sock c;
  const auto t0 = clk::now();
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 60, \"maxRetries\": 4").c_str(), &c.h), IPC_OK);
  auto at = attempts_until_destroy(*c);
  ASSERT_EQ(at.size(), 5u);
  for (size_t k = 1; k < at.size(); ++k)
    EXPECT_GE(ms_between(t0, at[k]), static_cast<int64_t>(k) * 60 - 2) << "retry " << k << " came early";
}

// Backoff 2 from 10 ms, capped at 100 ms: delays 10, 20, 40, 80, then 100 each
// (cumulative 10, 30, 70, 150, 250, 350, 450, 550 ms) instead of 160, 320, 640,
// 1280 uncapped (cumulative 2550 ms) or 10 fixed (80 ms).
TEST(SockClient, BackoffGrowsUpToRetryMax) {
  UnixId id;
  Sock c;
  const auto t0 = clk::now();
  ASSERT_EQ(ipc_sock_connect(
                id.opts("\"retry\": 10, \"backoff\": 2, \"retryMax\": 100, \"maxRetries\": 8").c_str(), &c.h),
            IPC_OK);
  auto at = attempts_until_destroy(*c);
  ASSERT_EQ(at.size(), 9u);
  const int64_t cumulative[9] = {0, 10, 30, 70, 150, 250, 350, 450, 550};
  for (size_t k = 1; k < at.size(); ++k)
    EXPECT_GE(ms_between(t0, at[k]), cumulative[k] - 2) << "retry " << k << ": the delay did not grow";
  // Loose upper bound, far from the uncapped 2550 ms.
  EXPECT_LT(ms_between(t0, at[8]), 2000) << "retryMax did not cap the delay";
}

// ipc_sock_disconnect on a connected client: disconnect, destroy, no retry.
TEST(SockClient, DisconnectIsForGood) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t conn = connect(c, id.opts("\"retry\": 10"), &s);
  ASSERT_EQ(ipc_sock_disconnect(*c, 0), IPC_OK);
  expect(*c, IPC_SOCK_DISCONNECT);
  expect(*c, IPC_SOCK_DESTROY);
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, 200), IPC_ETIMEDOUT) << "the client did not come back";
  EXPECT_EQ(ipc_sock_disconnect(*c, 0), IPC_OK) << "a second disconnect is harmless";
}

// Disconnecting a client that is between attempts ends its retries.
TEST(SockClient, DisconnectWhileRetrying) {
  UnixId id;
  Sock c;
  ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 10").c_str(), &c.h), IPC_OK);
  expect(*c, IPC_SOCK_ERROR);
  ASSERT_EQ(ipc_sock_disconnect(*c, 0), IPC_OK);
  Event e = next_skipping(*c, IPC_SOCK_ERROR);
  EXPECT_EQ(e.kind, IPC_SOCK_DESTROY) << e;
}

// A server that closes a client's connection: the client (retrying) reconnects
// to the same server, as node-ipc's does.
TEST(SockClient, ServerSideDisconnectThenReconnect) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t first = connect(c, id.opts("\"retry\": 10"), &s);
  ASSERT_EQ(ipc_sock_disconnect(*s, first), IPC_OK);
  expect(*c, IPC_SOCK_DISCONNECT);
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, first);
  EXPECT_EQ(next_skipping(*c, IPC_SOCK_ERROR).kind, IPC_SOCK_CONNECT);
  const uint64_t second = expect(*s, IPC_SOCK_CONNECT).conn;
  EXPECT_NE(second, first);
}
