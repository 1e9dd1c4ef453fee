// White-box: a process dies holding the queue's lock after each journalled
// store of a send and of a receive in turn (fault injection, not timing). The
// next process to lock the queue must roll the half-done operation back and
// find the queue exactly as it was before that operation.
#include <ipc/mq.hpp>

#include <gtest/gtest.h>

#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "../../cpp/src/detail/test_hooks.hpp"
#include "test_names.hpp"

using namespace ipc;

namespace {

std::string recv(message_queue &q, unsigned *prio = nullptr) {
  char buf[64];
  std::size_t len = 0;
  errc rc = q.receive(buf, sizeof buf, &len, prio, 0);
  return rc == IPC_OK ? std::string(buf, len) : "<" + std::to_string(rc) + ">";
}

// Runs op in a child with the crash hook at store `k`; returns true if the
// child died at the hook (false: op completed before store k).
template <class Op> bool crash_at(int k, Op op) {
  pid_t pid = ::fork();
  if (pid == 0) {
    detail::mq_crash_after_store = k;
    op();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 86;
}

}  // namespace

TEST(CoreMqRecovery, SendKilledAtEveryStoreIsRolledBack) {
  const std::string name = ipc_test::unique_name("ipctr");
  ipc_test::scoped_cleanup cleanup([&] {
    if (message_queue::exists(name)) message_queue::remove(name);
  });
  message_queue q(name, open_mode::create_only, 4, 32);
  q.send("a", 1, 1, 0);
  q.send("b", 1, 1, 0);
  int crashes = 0;
  for (int k = 1;; ++k) {
    bool died = crash_at(k, [&] {
      message_queue c(name, open_mode::open_only, 0, 0);
      c.send("X", 1, 1, 0);
    });
    if (!died) {  // k is past the last store: the send completed
      EXPECT_EQ(q.count(), 3u);
      EXPECT_EQ(recv(q), "a");
      EXPECT_EQ(recv(q), "b");
      EXPECT_EQ(recv(q), "X");
      break;
    }
    ++crashes;
    // count() reads without the lock, so it may still show the dead sender's
    // change; the next lock (this receive) rolls it back.
    EXPECT_EQ(recv(q), "a") << "store " << k;
    EXPECT_EQ(q.count(), 1u) << "store " << k;
    q.send("a", 1, 1, 0);                         // restore: queue is b, a
    EXPECT_EQ(recv(q), "b") << "store " << k;
    q.send("b", 1, 1, 0);                         // queue is a, b again
    ASSERT_LT(k, 20);
  }
  EXPECT_GE(crashes, 5);
  EXPECT_EQ(q.recoveries(), static_cast<std::uint64_t>(crashes));
}

TEST(CoreMqRecovery, ReceiveKilledAtEveryStoreLeavesTheMessageQueued) {
  const std::string name = ipc_test::unique_name("ipctr");
  ipc_test::scoped_cleanup cleanup([&] {
    if (message_queue::exists(name)) message_queue::remove(name);
  });
  message_queue q(name, open_mode::create_only, 4, 32);
  int crashes = 0;
  for (int k = 1;; ++k) {
    q.send("first", 5, 7, 0);
    q.send("second", 6, 0, 0);
    bool died = crash_at(k, [&] {
      message_queue c(name, open_mode::open_only, 0, 0);
      char buf[32];
      std::size_t len;
      c.receive(buf, sizeof buf, &len, nullptr, 0);
    });
    if (!died) {
      EXPECT_EQ(recv(q), "second");  // the child received "first"
      EXPECT_EQ(q.count(), 0u);
      break;
    }
    ++crashes;
    unsigned prio = 0;
    EXPECT_EQ(recv(q, &prio), "first") << "store " << k;
    EXPECT_EQ(prio, 7u);
    EXPECT_EQ(recv(q), "second") << "store " << k;
    EXPECT_EQ(q.count(), 0u);
    ASSERT_LT(k, 20);
  }
  EXPECT_GE(crashes, 5);
  EXPECT_EQ(q.recoveries(), static_cast<std::uint64_t>(crashes));
  // And still a working queue.
  q.send("z", 1, 0, 0);
  EXPECT_EQ(recv(q), "z");
}
