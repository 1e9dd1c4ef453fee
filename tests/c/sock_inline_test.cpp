// Public API tests of ipc_sock_*: the "inlineReads" option (the default for
// Unix and TCP streams): connections are read by the thread that takes
// events, while it takes or waits, not by the I/O thread. These tests set the
// option explicitly, so they hold in both runs of the suite.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;

// Nobody takes: nothing is read, so what a peer writes stays in the kernel
// and its writes block there (backpressure from the first byte, not from
// maxEventQueue). Once the application takes, everything arrives, in order.
TEST(SockInline, NothingIsReadUntilAThreadTakes) {
  UnixId id;
  Sock s;
  listen(s, id.opts("\"inlineReads\": true"));
  Fd fd = unix_connect(id.path());
  ASSERT_GE(fd.get(), 0);
  expect(*s, IPC_SOCK_CONNECT);
  ASSERT_EQ(::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK), 0);
  const std::string data = "\"" + std::string(1000, 'd') + "\"";
  std::string pending;  // the part of a frame the kernel did not take
  int written = 0;
  while (written < 100000) {
    if (pending.empty()) pending = frame("n", "[" + std::to_string(written) + "," + data + "]");
    ssize_t k = ::send(fd.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (k < 0) break;  // EAGAIN: the kernel's buffers are full
    pending.erase(0, static_cast<size_t>(k));
    if (pending.empty()) ++written;
  }
  ASSERT_EQ(errno, EAGAIN);
  EXPECT_LT(written, 16000) << "16 MB taken without a reader: something read the socket";
  // The rest of the last frame goes once the taker reads.
  ASSERT_EQ(::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK), 0);
  std::thread finish([&] { EXPECT_TRUE(write_all(fd.get(), pending)); });
  for (int i = 0; i <= written - (pending.empty() ? 1 : 0); ++i) {
    Event e = expect_message(*s, "n", "[" + std::to_string(i) + "," + data + "]");
    if (e.kind != IPC_SOCK_MESSAGE) break;
  }
  finish.join();
}

// The notify fd is an epoll set, level-triggered: readable while bytes wait
// in a connection or an event is queued, quiet once everything is taken.
TEST(SockInline, NotifyFdIsReadableWhileBytesWait) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"inlineReads\": true"));
  connect(c, id.opts("\"stopRetrying\": true, \"inlineReads\": true"), &s);
  int fd = -1;
  ASSERT_EQ(ipc_sock_notify_fd(*s, &fd), IPC_OK);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "nothing waiting";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ipc_sock_emit(*c, 0, "x", std::to_string(i).c_str()), IPC_OK);
    ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
    EXPECT_EQ(::poll(&p, 1, 0), 1) << "still readable: nothing has read the socket";
    expect_message(*s, "x", std::to_string(i));
    ipc_sock_event_t ev;
    EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
    EXPECT_EQ(::poll(&p, 1, 0), 0) << "all taken: quiet";
  }
  c.close();  // an event the I/O thread queues (the disconnect) makes it readable too
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
  expect(*s, IPC_SOCK_DISCONNECT);
}

// Two threads taking from one handle at once, each into its own buffer
// (ipc_sock_next_many; ipc_sock_next's pointers are the handle's, so one
// thread at a time there): each event goes to exactly one of them, none is
// lost or read twice, while both read the socket.
TEST(SockInline, TwoTakersShareTheEvents) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"inlineReads\": true"));
  connect(c, id.opts("\"stopRetrying\": true"), &s);
  const int kCount = 20000;
  std::atomic<long long> sum{0};
  std::atomic<int> got{0};
  auto taker = [&] {
    std::vector<unsigned char> buf(1 << 16);
    while (got.load() < kCount) {
      size_t n = 0, used = 0;
      int rc = ipc_sock_next_many(*s, buf.data(), buf.size(), 64, &n, &used, 200);
      if (rc == IPC_ETIMEDOUT) continue;
      if (rc != IPC_OK) break;
      const unsigned char *p = buf.data();
      for (size_t i = 0; i < n; ++i) {
        uint32_t kind, tl, dl, al;
        std::memcpy(&kind, p, 4);
        std::memcpy(&tl, p + 16, 4);
        std::memcpy(&dl, p + 20, 4);
        std::memcpy(&al, p + 24, 4);
        if (kind == IPC_SOCK_MESSAGE) {
          sum += std::stoll(std::string(reinterpret_cast<const char *>(p) + IPC_SOCK_PACKED_HEADER + tl, dl));
          ++got;
        }
        p += (IPC_SOCK_PACKED_HEADER + tl + dl + al + 7) & ~size_t{7};
      }
    }
  };
  std::thread a(taker), b(taker);
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "n", std::to_string(i).c_str()), IPC_OK);
  a.join();
  b.join();
  EXPECT_EQ(got.load(), kCount);
  EXPECT_EQ(sum.load(), static_cast<long long>(kCount) * (kCount - 1) / 2);
}

// The option is a boolean, and TLS and UDP handles accept it (they are read by
// the I/O thread whatever it says).
TEST(SockInline, OptionIsChecked) {
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen("{\"transport\": \"tcp\", \"port\": 0, \"inlineReads\": \"yes\"}", &h), IPC_EINVAL);
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(ipc_sock_listen("{\"transport\": \"tcp\", \"port\": 0, \"inlineReads\": 1}", &h), IPC_EINVAL);
  ASSERT_EQ(ipc_sock_listen("{\"transport\": \"udp4\", \"port\": 0, \"inlineReads\": true}", &h), IPC_OK);
  ipc_sock_close(h);
  h = nullptr;
  ASSERT_EQ(ipc_sock_listen("{\"transport\": \"tcp\", \"port\": 0, \"inlineReads\": false}", &h), IPC_OK);
  ipc_sock_close(h);
}

// fork(): the child inherits the handles (and the epoll set, which is shared
// with the parent). A child that closes its copies must leave the parent's
// connections and their reading alone.
TEST(SockInline, AForkedChildClosingItsCopiesLeavesTheParentServing) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts("\"inlineReads\": true"));
  const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true, \"inlineReads\": true"), &s);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ipc_sock_close(*c);
    ipc_sock_close(*s);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ipc_sock_emit(*c, 0, "up", std::to_string(i).c_str()), IPC_OK);
    expect_message(*s, "up", std::to_string(i));
    ASSERT_EQ(ipc_sock_emit(*s, conn, "down", std::to_string(i).c_str()), IPC_OK);
    expect_message(*c, "down", std::to_string(i));
  }
  size_t n = 0;
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 1u);
}
