// Public API tests of ipc_sock_*: many threads at once — emitters sharing one
// connection (each thread's order kept, nothing lost), broadcasts while clients
// come and go, handles closed while other threads still use them (an error
// code, never a crash), and big events near maxFrame.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;

TEST(SockThreads, ConcurrentEmittersKeepEachThreadsOrder) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true"), &s);
  const int kThreads = 4, kEach = 3000;
  std::vector<std::thread> emitters;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    emitters.emplace_back([&, t] {
      const std::string type = "t" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        int rc;
        while ((rc = ipc_sock_emit(*c, 0, type.c_str(), std::to_string(i).c_str())) == IPC_EAGAIN) std::this_thread::yield();
        if (rc != IPC_OK) ++failures;
      }
    });
  // Meanwhile the server talks back from another thread.
  std::thread talker([&] {
    for (int i = 0; i < 1000; ++i)
      if (ipc_sock_emit(*s, conn, "back", std::to_string(i).c_str()) != IPC_OK) ++failures;
  });
  std::map<std::string, int> next_seq;
  for (int n = 0; n < kThreads * kEach; ++n) {
    Event e = next(*s);
    ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << n << ": " << e;
    ASSERT_EQ(e.data, std::to_string(next_seq[e.type]++)) << e.type << " out of order";
  }
  for (int i = 0; i < 1000; ++i) {
    Event e = next(*c);
    ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << e;
    ASSERT_EQ(e.data, std::to_string(i));
  }
  for (auto &t : emitters) t.join();
  talker.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next_seq["t" + std::to_string(t)], kEach);
}

// Clients connect and leave on several threads while the server broadcasts
// without pause: every connect has its disconnect, ids are never shared, and
// what each client got is an in-order run of the broadcasts.
TEST(SockThreads, BroadcastWhileClientsComeAndGo) {
  UnixId id;
  Sock s;
  listen(s, id.opts());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread broadcaster([&] {
    for (int i = 0; !stop; ++i)
      if (ipc_sock_emit(*s, IPC_SOCK_ALL, "b", std::to_string(i).c_str()) != IPC_OK) ++bad;
  });
  const int kThreads = 4, kRounds = 15;
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t)
    clients.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        Sock c;
        if (ipc_sock_connect(id.opts("\"stopRetrying\": true").c_str(), &c.h) != IPC_OK) {
          ++bad;
          continue;
        }
        Event e = next(*c);
        if (e.kind != IPC_SOCK_CONNECT) {
          ++bad;
          continue;
        }
        long last = -1;
        for (int k = 0; k < 20; ++k) {  // a few broadcasts, increasing
          Event m = next(*c);
          if (m.kind != IPC_SOCK_MESSAGE || std::stol(m.data) <= last) {
            ++bad;
            break;
          }
          last = std::stol(m.data);
        }
      }  // closed here, mid-stream
    });
  for (auto &t : clients) t.join();
  stop = true;
  broadcaster.join();
  EXPECT_EQ(bad.load(), 0);
  std::map<uint64_t, int> state;  // 1 connected, 2 gone
  int connects = 0, disconnects = 0;
  for (;;) {
    Event e = next(*s, connects == disconnects && connects == kThreads * kRounds ? IPC_NOWAIT : kWait);
    if (e.rc == IPC_EAGAIN) break;
    ASSERT_EQ(e.rc, IPC_OK) << connects << " connects, " << disconnects << " disconnects";
    if (e.kind == IPC_SOCK_CONNECT) {
      EXPECT_EQ(state[e.conn], 0) << "id " << e.conn << " reused";
      state[e.conn] = 1;
      ++connects;
    } else if (e.kind == IPC_SOCK_DISCONNECT) {
      EXPECT_EQ(state[e.conn], 1) << "disconnect of " << e.conn << " without its connect";
      state[e.conn] = 2;
      ++disconnects;
    } else {
      ADD_FAILURE() << e;
    }
  }
  EXPECT_EQ(connects, kThreads * kRounds);
  EXPECT_EQ(disconnects, kThreads * kRounds);
  size_t n = 9;
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 0u);
}

// Closing a handle while other threads emit to it, wait on it, or ask about
// it: those calls return codes (EBADHANDLE once it is gone), and nothing
// crashes or hangs. Both ends, several times.
TEST(SockThreads, CloseWhileOtherThreadsUseTheHandle) {
  for (int round = 0; round < 10; ++round) {
    UnixId id;
    ipc_sock_t *s = nullptr, *c = nullptr;
    ASSERT_EQ(ipc_sock_listen(id.opts().c_str(), &s), IPC_OK);
    ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 5").c_str(), &c), IPC_OK);
    std::atomic<bool> go{true};
    std::atomic<int> unexpected{0};
    auto allowed = [](int rc, std::initializer_list<int> ok) {
      for (int k : ok)
        if (rc == k) return true;
      return false;
    };
    std::vector<std::thread> users;
    for (ipc_sock_t *h : {s, c}) {
      users.emplace_back([&, h] {
        while (go) {
          int rc = ipc_sock_emit(h, IPC_SOCK_ALL, "x", "[1,2,3]");
          if (!allowed(rc, {IPC_OK, IPC_EAGAIN, IPC_EBADHANDLE, IPC_ECLOSED})) ++unexpected;
          if (rc == IPC_EBADHANDLE) break;
        }
      });
      users.emplace_back([&, h] {
        ipc_sock_event_t ev;
        for (;;) {
          int rc = ipc_sock_next(h, &ev, 1000);
          if (!allowed(rc, {IPC_OK, IPC_ETIMEDOUT, IPC_ECLOSED, IPC_EBADHANDLE})) ++unexpected;
          if (rc == IPC_ECLOSED || rc == IPC_EBADHANDLE || !go) break;
        }
      });
      users.emplace_back([&, h] {
        size_t n;
        char buf[128];
        while (go) {
          int rc = ipc_sock_connections(h, &n);
          if (!allowed(rc, {IPC_OK, IPC_EBADHANDLE})) ++unexpected;
          rc = ipc_sock_address(h, buf, sizeof buf, &n);
          if (!allowed(rc, {IPC_OK, IPC_EBADHANDLE})) ++unexpected;
          if (rc == IPC_EBADHANDLE) break;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let traffic flow (not a synchronisation)
    if (round % 2) {
      EXPECT_EQ(ipc_sock_close(s), IPC_OK);
      EXPECT_EQ(ipc_sock_close(c), IPC_OK);
    } else {
      EXPECT_EQ(ipc_sock_close(c), IPC_OK);
      EXPECT_EQ(ipc_sock_close(s), IPC_OK);
    }
    go = false;
    for (auto &t : users) t.join();
    EXPECT_EQ(unexpected.load(), 0) << "round " << round;
  }
}

// Events near the default maxFrame (16 MiB) pass whole; one over the peer's
// maxFrame costs only that connection.
TEST(SockThreads, BigEventsNearMaxFrame) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true"), &s);
  const std::string big = "\"" + std::string(15u << 20, 'B') + "\"";
  ASSERT_EQ(ipc_sock_emit(*c, 0, "big", big.c_str()), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "big", big.c_str()), IPC_OK);
  Event a = expect(*s, IPC_SOCK_MESSAGE, 30000);
  EXPECT_EQ(a.data.size(), big.size());
  EXPECT_TRUE(a.data == big);
  Event b = expect(*c, IPC_SOCK_MESSAGE, 30000);
  EXPECT_TRUE(b.data == big);
  // 17 MiB: over the server's limit.
  const std::string over = "\"" + std::string(17u << 20, 'O') + "\"";
  ASSERT_EQ(ipc_sock_emit(*c, 0, "over", over.c_str()), IPC_OK);
  Event e = expect(*s, IPC_SOCK_ERROR, 30000);
  EXPECT_EQ(e.code, IPC_EMSGSIZE) << e;
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
  expect(*c, IPC_SOCK_DISCONNECT);
}
