// Public API tests of ipc_sem_*.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "test_names.hpp"

using ipc_test::scoped_cleanup;

namespace {
struct Sem {
  ipc_sem_t *h = nullptr;
  ~Sem() { ipc_sem_close(h); }
};
auto remove_sem(const std::string &n) {
  return [n] { ipc_sem_remove(n.c_str()); };
}
}  // namespace

TEST(Sem, ModesAndBadInput) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  Sem a, b;
  EXPECT_EQ(ipc_sem_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, &a.h), IPC_ENOENT);
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 2, 0, &a.h), IPC_OK);
  EXPECT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 2, 0, &b.h), IPC_EEXIST);
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_OPEN_OR_CREATE, 99, 0, &b.h), IPC_OK);
  unsigned v = 0;
  ASSERT_EQ(ipc_sem_value(b.h, &v), IPC_OK);
  EXPECT_EQ(v, 2u);  // initial applies only on creation
  int exists = 0;
  ASSERT_EQ(ipc_sem_exists(name.c_str(), &exists), IPC_OK);
  EXPECT_EQ(exists, 1);

  ipc_sem_t *h = nullptr;
  EXPECT_EQ(ipc_sem_open("", IPC_OPEN_OR_CREATE, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_sem_open("a/b", IPC_OPEN_OR_CREATE, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_sem_open(std::string(IPC_OBJ_NAME_MAX + 1, 's').c_str(), IPC_OPEN_OR_CREATE, 0, 0, &h),
            IPC_ENAMETOOLONG);
  EXPECT_EQ(ipc_sem_open(nullptr, IPC_OPEN_OR_CREATE, 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_sem_open("x", IPC_OPEN_OR_CREATE, 0, 0, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sem_open("x", static_cast<ipc_open_mode_t>(5), 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_sem_open("x", IPC_CREATE_ONLY, IPC_SEM_VALUE_MAX + 1u, 0, &h), IPC_ERANGE);
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(ipc_sem_post(nullptr), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_sem_value(a.h, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sem_remove("a/b"), IPC_EBADNAME);
  // A name that holds a queue is not a semaphore... and the namespaces are separate.
  EXPECT_EQ(ipc_sem_exists(("no_" + name).c_str(), &exists), IPC_OK);
  EXPECT_EQ(exists, 0);
}

TEST(Sem, PostWaitTryTimed) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  Sem s;
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 1, 0, &s.h), IPC_OK);
  EXPECT_EQ(ipc_sem_try_wait(s.h), IPC_OK);
  EXPECT_EQ(ipc_sem_try_wait(s.h), IPC_EAGAIN);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ipc_sem_wait(s.h, 50), IPC_ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  ASSERT_EQ(ipc_sem_post(s.h), IPC_OK);
  ASSERT_EQ(ipc_sem_post(s.h), IPC_OK);
  unsigned v = 0;
  ipc_sem_value(s.h, &v);
  EXPECT_EQ(v, 2u);
  EXPECT_EQ(ipc_sem_wait(s.h, IPC_INFINITE), IPC_OK);
  EXPECT_EQ(ipc_sem_wait(s.h, 1000), IPC_OK);
  EXPECT_EQ(ipc_last_error_code(), IPC_ETIMEDOUT);  // successes don't clear it
}

TEST(Sem, OverflowIsRefused) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  Sem s;
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, IPC_SEM_VALUE_MAX, 0, &s.h), IPC_OK);
  EXPECT_EQ(ipc_sem_post(s.h), IPC_ERANGE);
}

TEST(Sem, ThreadsHandOffWithoutLoss) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  Sem s;
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 0, 0, &s.h), IPC_OK);
  constexpr int kPosts = 20000;
  std::atomic<int> taken{0};
  std::vector<std::thread> waiters;
  for (int t = 0; t < 3; ++t)
    waiters.emplace_back([&] {
      while (taken.load() < kPosts)
        if (ipc_sem_wait(s.h, 20) == IPC_OK) ++taken;
    });
  for (int i = 0; i < kPosts; ++i) ASSERT_EQ(ipc_sem_post(s.h), IPC_OK);
  for (auto &w : waiters) w.join();
  EXPECT_EQ(taken.load(), kPosts);
  unsigned v = 1;
  ipc_sem_value(s.h, &v);
  EXPECT_EQ(v, 0u);
}

TEST(Sem, CloseWakesBlockedWaiterWithECLOSED) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  ipc_sem_t *s = nullptr;
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 0, 0, &s), IPC_OK);
  std::atomic<int> rc{-1};
  std::thread waiter([&] { rc = ipc_sem_wait(s, IPC_INFINITE); });
  // The waiter is either about to block or blocked: both must end in ECLOSED.
  while (rc.load() == -1 && ipc_sem_close(s) != IPC_OK) {
  }
  waiter.join();
  EXPECT_TRUE(rc == IPC_ECLOSED || rc == IPC_EBADHANDLE) << rc;
}

TEST(Sem, NotifyCallbackAndFd) {
  const std::string name = ipc_test::unique_name("ipcts");
  scoped_cleanup cleanup(remove_sem(name));
  Sem s, other;
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_CREATE_ONLY, 0, 0, &s.h), IPC_OK);
  ASSERT_EQ(ipc_sem_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, &other.h), IPC_OK);
  struct State {
    std::atomic<int> calls{0};
  } st;
  ASSERT_EQ(ipc_sem_notify(s.h, [](void *u) { ++static_cast<State *>(u)->calls; }, &st), IPC_OK);
  EXPECT_EQ(st.calls.load(), 0);
  ASSERT_EQ(ipc_sem_post(other.h), IPC_OK);
  while (st.calls.load() == 0) std::this_thread::yield();
  EXPECT_EQ(ipc_sem_try_wait(s.h), IPC_OK);
  ASSERT_EQ(ipc_sem_post(other.h), IPC_OK);  // disarmed: no second call yet
  ASSERT_EQ(ipc_sem_notify_arm(s.h), IPC_OK);
  while (st.calls.load() < 2) std::this_thread::yield();
  EXPECT_EQ(ipc_sem_try_wait(s.h), IPC_OK);
  ASSERT_EQ(ipc_sem_notify(s.h, nullptr, nullptr), IPC_OK);

  int fd = -1;
  ASSERT_EQ(ipc_sem_notify_fd(s.h, &fd), IPC_OK);
  struct pollfd p = {fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // count 0: not readable
  ASSERT_EQ(ipc_sem_post(other.h), IPC_OK);
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  uint64_t n;
  ASSERT_EQ(::read(fd, &n, sizeof n), 8);
  EXPECT_EQ(ipc_sem_try_wait(s.h), IPC_OK);
}

TEST(Sem, HandedBetweenProcesses) {
  // Ping-pong across a fork()ed process: each side waits for its own
  // semaphore and posts the other's, 1000 times.
  const std::string ping = ipc_test::unique_name("ipcts"), pong = ipc_test::unique_name("ipcts");
  scoped_cleanup c1(remove_sem(ping)), c2(remove_sem(pong));
  Sem a, b;
  ASSERT_EQ(ipc_sem_open(ping.c_str(), IPC_CREATE_ONLY, 0, 0, &a.h), IPC_OK);
  ASSERT_EQ(ipc_sem_open(pong.c_str(), IPC_CREATE_ONLY, 0, 0, &b.h), IPC_OK);
  pid_t pid = ::fork();
  if (pid == 0) {
    ipc_sem_t *x = nullptr, *y = nullptr;
    if (ipc_sem_open(ping.c_str(), IPC_OPEN_ONLY, 0, 0, &x) || ipc_sem_open(pong.c_str(), IPC_OPEN_ONLY, 0, 0, &y))
      ::_exit(1);
    for (int i = 0; i < 1000; ++i)
      if (ipc_sem_wait(x, 10000) != IPC_OK || ipc_sem_post(y) != IPC_OK) ::_exit(2);
    ::_exit(0);
  }
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(ipc_sem_post(a.h), IPC_OK);
    ASSERT_EQ(ipc_sem_wait(b.h, 10000), IPC_OK) << i;
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
