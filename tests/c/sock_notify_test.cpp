// Public API tests of ipc_sock_*: readiness for event loops (notify callback,
// notify_fd) as ipc_mq_notify*, and close while another thread waits.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <poll.h>
#include <sys/syscall.h>
#include <thread>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {
struct Counter {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  static void fn(void *p) {
    auto *c = static_cast<Counter *>(p);
    std::lock_guard<std::mutex> lock(c->mu);
    ++c->calls;
    c->cv.notify_all();
  }
  bool wait_for(int n, int64_t ms = kWait) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return calls >= n; });
  }
  int get() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
};
}  // namespace

TEST(SockNotify, CallbackOnceUntilArmed) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  Counter n;
  ASSERT_EQ(ipc_sock_notify(*s, &Counter::fn, &n), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "a", "1"), IPC_OK);
  ASSERT_TRUE(n.wait_for(1));
  ASSERT_EQ(ipc_sock_emit(*c, 0, "b", "2"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "c", "3"), IPC_OK);
  // Take all three (they are coming); the callback stays quiet until armed.
  expect_message(*s, "a", "1");
  expect_message(*s, "b", "2");
  expect_message(*s, "c", "3");
  EXPECT_EQ(n.get(), 1);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
  ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "d", "4"), IPC_OK);
  ASSERT_TRUE(n.wait_for(2));
  expect_message(*s, "d", "4");
  // Armed, then stopped: no callback for what comes after notify(NULL).
  ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  ASSERT_EQ(ipc_sock_notify(*s, nullptr, nullptr), IPC_OK);
  const int before = n.get();
  ASSERT_EQ(ipc_sock_emit(*c, 0, "f", "6"), IPC_OK);
  expect_message(*s, "f", "6");
  EXPECT_EQ(n.get(), before) << "no callback after notify(NULL) returned";
}

TEST(SockNotify, ArmWithAQueuedEventCallsBack) {
  Sock s;
  ASSERT_EQ(ipc_sock_listen("{\"port\": 0}", &s.h), IPC_OK);  // START is queued
  Counter n;
  ASSERT_EQ(ipc_sock_notify(*s, &Counter::fn, &n), IPC_OK);
  ASSERT_TRUE(n.wait_for(1)) << "an event already queued at registration counts";
  Event e = expect(*s, IPC_SOCK_START);
  (void)e;
  ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, 100), IPC_ETIMEDOUT);
  EXPECT_EQ(n.get(), 1);
}

TEST(SockNotify, FdReadableWhenAnEventIsQueued) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  int fd = -1;
  ASSERT_EQ(ipc_sock_notify_fd(*s, &fd), IPC_OK);
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "nothing queued";
  ASSERT_EQ(ipc_sock_emit(*c, 0, "x", "1"), IPC_OK);
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
  clear_notify(fd);
  expect_message(*s, "x", "1");
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
  ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "armed with nothing new: quiet";
  ASSERT_EQ(ipc_sock_emit(*c, 0, "y", "2"), IPC_OK);
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
  clear_notify(fd);
  expect_message(*s, "y", "2");
  // Connection events count as events too.
  ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  c.close();
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
  expect(*s, IPC_SOCK_DISCONNECT);
  int fd2 = -1;
  ASSERT_EQ(ipc_sock_notify_fd(*s, &fd2), IPC_OK);
  EXPECT_EQ(fd2, fd) << "one fd per handle";
}

// An application loop over the fd takes every event of a busy client.
TEST(SockNotify, PollLoopTakesEverything) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  int fd = -1;
  ASSERT_EQ(ipc_sock_notify_fd(*s, &fd), IPC_OK);
  std::thread producer([&] {
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "n", std::to_string(i).c_str()), IPC_OK);
  });
  int got = 0;
  while (got < 3000) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1) << "stalled at " << got;
    clear_notify(fd);
    ipc_sock_event_t ev;
    while (ipc_sock_next(*s, &ev, IPC_NOWAIT) == IPC_OK) {
      ASSERT_EQ(ev.kind, IPC_SOCK_MESSAGE);
      ASSERT_EQ(std::string(ev.data, ev.data_len), std::to_string(got));
      ++got;
    }
    ASSERT_EQ(ipc_sock_notify_arm(*s), IPC_OK);
  }
  producer.join();
}

// The callback may close its own handle.
TEST(SockNotify, CallbackMayCloseItsHandle) {
  struct Ctx {
    ipc_sock_t *h;
    std::atomic<int> rc{-1};
    Counter done;
  } ctx;
  ASSERT_EQ(ipc_sock_listen("{\"port\": 0}", &ctx.h), IPC_OK);
  ASSERT_EQ(ipc_sock_notify(
                ctx.h,
                [](void *p) {
                  auto *x = static_cast<Ctx *>(p);
                  x->rc = ipc_sock_close(x->h);
                  Counter::fn(&x->done);
                },
                &ctx),
            IPC_OK);
  ASSERT_TRUE(ctx.done.wait_for(1));
  EXPECT_EQ(ctx.rc.load(), IPC_OK);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(ctx.h, &ev, IPC_NOWAIT), IPC_EBADHANDLE);
}

TEST(SockNotify, CloseWakesABlockedNext) {
  for (const char *opts : {"{\"port\": 0}", "client"}) {
    SCOPED_TRACE(opts);
    ipc_sock_t *h = nullptr;
    if (std::string(opts) == "client") {
      UnixId id;  // nobody there: a client retrying slowly
      ASSERT_EQ(ipc_sock_connect(id.opts("\"retry\": 100000").c_str(), &h), IPC_OK);
      Event e = next(h);  // its failed first attempt
      ASSERT_EQ(e.kind, IPC_SOCK_ERROR) << e;
    } else {
      ASSERT_EQ(ipc_sock_listen(opts, &h), IPC_OK);
      ASSERT_EQ(next(h).kind, IPC_SOCK_START);
    }
    std::atomic<int> rc{-1}, rc_many{-1};
    std::atomic<int> waiting{0};
    std::thread t1([&] {
      ipc_sock_event_t ev;
      ++waiting;
      rc = ipc_sock_next(h, &ev, 30000);
    });
    std::thread t2([&] {
      char buf[256];
      size_t n, b;
      ++waiting;
      rc_many = ipc_sock_next_many(h, buf, sizeof buf, 4, &n, &b, IPC_INFINITE);
    });
    while (waiting < 2) std::this_thread::yield();
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(ipc_sock_close(h), IPC_OK);
    t1.join();
    t2.join();
    // A waiter that had not yet entered next() when close ran sees a closed
    // handle (EBADHANDLE); one inside it is woken with ECLOSED. Either way, at once.
    EXPECT_TRUE(rc == IPC_ECLOSED || rc == IPC_EBADHANDLE) << ipc_err_name(rc);
    EXPECT_TRUE(rc_many == IPC_ECLOSED || rc_many == IPC_EBADHANDLE) << ipc_err_name(rc_many);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  }
}

// Inside next(): make sure the waiter is blocked (seen in /proc as sleeping)
// before closing, so the answer must be ECLOSED.
TEST(SockNotify, CloseWhileBlockedInNextIsEclosed) {
  ipc_sock_t *h = nullptr;
  ASSERT_EQ(ipc_sock_listen("{\"port\": 0}", &h), IPC_OK);
  ASSERT_EQ(next(h).kind, IPC_SOCK_START);
  std::atomic<int> rc{-1};
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    ipc_sock_event_t ev;
    rc = ipc_sock_next(h, &ev, 30000);
  });
  while (!tid) std::this_thread::yield();
  // Wait (bounded) until the thread sleeps in the kernel: it is inside next().
  const std::string stat = "/proc/self/task/" + std::to_string(tid.load()) + "/stat";
  bool sleeping = false;
  for (int i = 0; i < 10000 && !sleeping; ++i) {
    FILE *f = std::fopen(stat.c_str(), "r");
    char buf[512] = {0};
    if (f) {
      size_t k = std::fread(buf, 1, sizeof buf - 1, f);
      buf[k] = 0;
      std::fclose(f);
    }
    const char *close_paren = std::strrchr(buf, ')');
    sleeping = close_paren && close_paren[1] == ' ' && close_paren[2] == 'S';
    if (!sleeping) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_TRUE(sleeping);
  ASSERT_EQ(ipc_sock_close(h), IPC_OK);
  t.join();
  EXPECT_EQ(rc.load(), IPC_ECLOSED) << ipc_err_name(rc);
}
