// Public API tests of ipc_mq_*.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <poll.h>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "test_names.hpp"

using ipc_test::scoped_cleanup;

namespace {
struct Mq {
  ipc_mq_t *h = nullptr;
  ~Mq() { ipc_mq_close(h); }
};
auto remove_mq(const std::string &n) {
  return [n] { ipc_mq_remove(n.c_str()); };
}
std::string recv_str(ipc_mq_t *q, unsigned *prio = nullptr, int64_t timeout = IPC_NOWAIT) {
  char buf[256];
  size_t len = 0;
  int rc = ipc_mq_receive(q, buf, sizeof buf, &len, prio, timeout);
  return rc == IPC_OK ? std::string(buf, len) : std::string("<") + ipc_err_name(rc) + ">";
}
}  // namespace

TEST(Mq, ModesSizesAndBadInput) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq a, b;
  EXPECT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &a.h), IPC_ENOENT);
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 8, 100, 0, &a.h), IPC_OK);
  EXPECT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 8, 100, 0, &b.h), IPC_EEXIST);
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &b.h), IPC_OK);
  size_t cap = 0, msg = 0, count = 9;
  ASSERT_EQ(ipc_mq_capacity(b.h, &cap), IPC_OK);
  ASSERT_EQ(ipc_mq_max_msg_size(b.h, &msg), IPC_OK);
  ASSERT_EQ(ipc_mq_count(b.h, &count), IPC_OK);
  EXPECT_EQ(cap, 8u);
  EXPECT_EQ(msg, 100u);
  EXPECT_EQ(count, 0u);

  ipc_mq_t *h = nullptr;
  EXPECT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_OR_CREATE, 0, 10, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_open("q", IPC_CREATE_ONLY, 4, 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_open("q", IPC_CREATE_ONLY, IPC_MQ_CAPACITY_MAX + 1, 4, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_open("q/x", IPC_CREATE_ONLY, 4, 4, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_mq_open("", IPC_CREATE_ONLY, 4, 4, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(h, nullptr);

  char big[101] = {};
  EXPECT_EQ(ipc_mq_send(a.h, big, 101, 0, IPC_NOWAIT), IPC_EMSGSIZE);
  EXPECT_EQ(ipc_mq_send(a.h, big, 1, IPC_MQ_PRIO_MAX + 1, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_send(a.h, nullptr, 1, 0, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_send(a.h, nullptr, 0, 0, IPC_NOWAIT), IPC_OK);  // empty messages are fine
  size_t len = 9;
  EXPECT_EQ(ipc_mq_receive(b.h, nullptr, 0, &len, nullptr, IPC_NOWAIT), IPC_OK);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(ipc_mq_receive(b.h, big, 10, nullptr, nullptr, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_mq_send(nullptr, big, 1, 0, 0), IPC_EBADHANDLE);
}

TEST(Mq, PrioritiesThenFifo) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 16, 32, 0, &q.h), IPC_OK);
  const struct {
    const char *text;
    unsigned prio;
  } sends[] = {{"low1", 0}, {"mid1", 5}, {"high", 31}, {"low2", 0}, {"mid2", 5}, {"low3", 0}};
  for (auto &s : sends) ASSERT_EQ(ipc_mq_send(q.h, s.text, strlen(s.text), s.prio, 0), IPC_OK);
  const char *expect[] = {"high", "mid1", "mid2", "low1", "low2", "low3"};
  const unsigned expect_prio[] = {31, 5, 5, 0, 0, 0};
  for (int i = 0; i < 6; ++i) {
    unsigned prio = 99;
    EXPECT_EQ(recv_str(q.h, &prio), expect[i]);
    EXPECT_EQ(prio, expect_prio[i]);
  }
  EXPECT_EQ(recv_str(q.h), "<IPC_EAGAIN>");
}

TEST(Mq, FullQueueBlocksNeverDrops) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 2, 8, 0, &q.h), IPC_OK);
  ASSERT_EQ(ipc_mq_send(q.h, "a", 1, 0, 0), IPC_OK);
  ASSERT_EQ(ipc_mq_send(q.h, "b", 1, 0, 0), IPC_OK);
  EXPECT_EQ(ipc_mq_send(q.h, "c", 1, 0, IPC_NOWAIT), IPC_EAGAIN);
  EXPECT_EQ(ipc_mq_send(q.h, "c", 1, 9, 30), IPC_ETIMEDOUT);
  std::thread consumer([&] { EXPECT_EQ(recv_str(q.h, nullptr, 5000), "a"); });
  EXPECT_EQ(ipc_mq_send(q.h, "c", 1, 0, 5000), IPC_OK);  // unblocked by the consumer
  consumer.join();
  EXPECT_EQ(recv_str(q.h), "b");
  EXPECT_EQ(recv_str(q.h), "c");
  EXPECT_EQ(recv_str(q.h, nullptr, 20), "<IPC_ETIMEDOUT>");
}

TEST(Mq, SmallBufferKeepsTheMessage) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 4, 64, 0, &q.h), IPC_OK);
  ASSERT_EQ(ipc_mq_send(q.h, "0123456789", 10, 3, 0), IPC_OK);
  char buf[4];
  size_t len = 0;
  EXPECT_EQ(ipc_mq_receive(q.h, buf, sizeof buf, &len, nullptr, 0), IPC_EMSGSIZE);
  EXPECT_EQ(len, 10u);
  EXPECT_EQ(recv_str(q.h), "0123456789");
}

TEST(Mq, ReceiveManyPacksMessages) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 16, 16, 0, &q.h), IPC_OK);
  for (int i = 0; i < 5; ++i) {
    std::string m(static_cast<size_t>(i + 1), static_cast<char>('a' + i));
    ASSERT_EQ(ipc_mq_send(q.h, m.data(), m.size(), 0, 0), IPC_OK);
  }
  unsigned char buf[64];
  size_t n = 0, used = 0;
  // Room for 4: (8+8)+(8+8)+(8+8)+(8+8) = 64; the 5th stays queued.
  ASSERT_EQ(ipc_mq_receive_many(q.h, buf, sizeof buf, 10, &n, &used, 0), IPC_OK);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(used, 64u);
  size_t off = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t hdr[2];
    std::memcpy(hdr, buf + off, 8);
    EXPECT_EQ(hdr[0], i + 1);
    EXPECT_EQ(std::string(reinterpret_cast<char *>(buf) + off + 8, hdr[0]),
              std::string(i + 1, static_cast<char>('a' + i)));
    off += 8 + ((hdr[0] + 7) & ~7u);
  }
  EXPECT_EQ(ipc_mq_receive_many(q.h, buf, 8, 10, &n, &used, 0), IPC_EMSGSIZE);
  EXPECT_EQ(used, 16u);
  EXPECT_EQ(recv_str(q.h), "eeeee");
  EXPECT_EQ(ipc_mq_receive_many(q.h, buf, sizeof buf, 10, &n, &used, 0), IPC_EAGAIN);
}

TEST(Mq, ManyProducersManyConsumersExactlyOnce) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 8, 8, 0, &q.h), IPC_OK);
  constexpr int kProducers = 3, kEach = 5000, kConsumers = 3;
  std::vector<std::vector<uint64_t>> got(kConsumers);
  std::atomic<int> received{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&, c] {
      while (received.load() < kProducers * kEach) {
        uint64_t v;
        size_t len;
        if (ipc_mq_receive(q.h, &v, sizeof v, &len, nullptr, 20) == IPC_OK) {
          got[c].push_back(v);
          ++received;
        }
      }
    });
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (uint64_t i = 0; i < kEach; ++i) {
        uint64_t v = (uint64_t(p) << 32) | i;
        ASSERT_EQ(ipc_mq_send(q.h, &v, sizeof v, 0, IPC_INFINITE), IPC_OK);
      }
    });
  for (auto &t : threads) t.join();
  std::set<uint64_t> all;
  for (auto &g : got) {
    uint64_t last[kProducers] = {};
    bool first[kProducers] = {true, true, true};
    for (uint64_t v : g) {
      EXPECT_TRUE(all.insert(v).second) << "duplicate " << v;
      int p = static_cast<int>(v >> 32);
      if (!first[p]) {
        EXPECT_GT(v, last[p]);  // FIFO per producer, per consumer
      }
      first[p] = false;
      last[p] = v;
    }
  }
  EXPECT_EQ(all.size(), size_t{kProducers * kEach});
}

TEST(Mq, CloseWakesBlockedReceiverWithECLOSED) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  ipc_mq_t *q = nullptr;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 2, 8, 0, &q), IPC_OK);
  std::atomic<int> rc{-1};
  std::thread receiver([&] {
    char b[8];
    size_t len;
    rc = ipc_mq_receive(q, b, sizeof b, &len, nullptr, IPC_INFINITE);
  });
  ASSERT_EQ(ipc_mq_close(q), IPC_OK);
  receiver.join();
  EXPECT_TRUE(rc == IPC_ECLOSED || rc == IPC_EBADHANDLE) << rc;
}

TEST(Mq, NotifyThenDrainThenArm) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q, producer;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 8, 8, 0, &q.h), IPC_OK);
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &producer.h), IPC_OK);
  int fd = -1;
  ASSERT_EQ(ipc_mq_notify_fd(q.h, &fd), IPC_OK);
  struct pollfd p = {fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  ASSERT_EQ(ipc_mq_send(producer.h, "x", 1, 0, 0), IPC_OK);
  ASSERT_EQ(ipc_mq_send(producer.h, "y", 1, 0, 0), IPC_OK);
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  uint64_t n;
  ASSERT_EQ(::read(fd, &n, 8), 8);
  EXPECT_EQ(recv_str(q.h), "x");
  EXPECT_EQ(recv_str(q.h), "y");
  EXPECT_EQ(recv_str(q.h), "<IPC_EAGAIN>");
  ASSERT_EQ(ipc_mq_notify_arm(q.h), IPC_OK);
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // nothing new: stays quiet
  ASSERT_EQ(ipc_mq_send(producer.h, "z", 1, 0, 0), IPC_OK);
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  EXPECT_EQ(recv_str(q.h), "z");
}

TEST(Mq, SentInOneProcessReceivedInAnother) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 4, 16, 0, &q.h), IPC_OK);
  pid_t pid = ::fork();
  if (pid == 0) {  // producer: 2000 messages through a 4-slot queue
    ipc_mq_t *c = nullptr;
    if (ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &c)) ::_exit(1);
    for (uint32_t i = 0; i < 2000; ++i)
      if (ipc_mq_send(c, &i, sizeof i, i % 3, 10000)) ::_exit(2);
    ::_exit(0);
  }
  uint32_t expected_per_prio[3] = {0, 1, 2};
  for (int i = 0; i < 2000; ++i) {
    uint32_t v;
    size_t len;
    unsigned prio;
    ASSERT_EQ(ipc_mq_receive(q.h, &v, sizeof v, &len, &prio, 10000), IPC_OK);
    ASSERT_EQ(v % 3, prio);
    EXPECT_EQ(v, expected_per_prio[prio]);  // FIFO within a priority
    expected_per_prio[prio] = v + 3;
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Mq, RemovedQueueKeepsWorkingForOpenHandles) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 4, 16, 0, &q.h), IPC_OK);
  ASSERT_EQ(ipc_mq_remove(name.c_str()), IPC_OK);
  EXPECT_EQ(ipc_mq_remove(name.c_str()), IPC_ENOENT);
  ipc_mq_t *h = nullptr;
  EXPECT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &h), IPC_ENOENT);
  ASSERT_EQ(ipc_mq_send(q.h, "still", 5, 0, 0), IPC_OK);
  EXPECT_EQ(recv_str(q.h), "still");
}

TEST(Mq, OpenOrCreateOfAnExistingQueueKeepsItsSizes) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq a, b, c;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 8, 100, 0, &a.h), IPC_OK);
  // Other sizes, smaller and larger: the existing queue wins (sizes apply on creation).
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_OR_CREATE, 2, 10, 0, &b.h), IPC_OK);
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_OR_CREATE, 64, 1000, 0, &c.h), IPC_OK);
  size_t cap = 0, msg = 0;
  ASSERT_EQ(ipc_mq_capacity(b.h, &cap), IPC_OK);
  ASSERT_EQ(ipc_mq_max_msg_size(c.h, &msg), IPC_OK);
  EXPECT_EQ(cap, 8u);
  EXPECT_EQ(msg, 100u);
}

TEST(Mq, ErrorDetailNamesTheQueueAndTheSizeNeeded) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 4, 64, 0, &q.h), IPC_OK);
  ASSERT_EQ(ipc_mq_send(q.h, "0123456789", 10, 0, 0), IPC_OK);
  char buf[4];
  size_t len = 0;
  ASSERT_EQ(ipc_mq_receive(q.h, buf, sizeof buf, &len, nullptr, 0), IPC_EMSGSIZE);
  const std::string detail = ipc_last_error_message();
  EXPECT_NE(detail.find("\"" + name + "\""), std::string::npos) << detail;
  EXPECT_EQ(detail.find("ipc-mq."), std::string::npos) << detail;
  EXPECT_NE(detail.find("10 bytes needed"), std::string::npos) << detail;
}

TEST(Mq, SendManyInOrderAndPartialWhenFull) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq q;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 3, 16, 0, &q.h), IPC_OK);
  std::vector<unsigned char> batch;
  auto add = [&](const std::string &m, uint32_t prio) {
    uint32_t hdr[2] = {static_cast<uint32_t>(m.size()), prio};
    batch.insert(batch.end(), reinterpret_cast<unsigned char *>(hdr), reinterpret_cast<unsigned char *>(hdr) + 8);
    batch.insert(batch.end(), m.begin(), m.end());
    batch.resize((batch.size() + 7) & ~size_t{7});
  };
  add("one", 0);
  add("two", 5);
  add("three", 0);
  add("four", 0);
  size_t sent = 9;
  EXPECT_EQ(ipc_mq_send_many(q.h, batch.data(), batch.size(), &sent, IPC_NOWAIT), IPC_EAGAIN);
  EXPECT_EQ(sent, 3u);  // capacity 3: the fourth did not fit
  EXPECT_EQ(recv_str(q.h), "two");
  EXPECT_EQ(recv_str(q.h), "one");
  EXPECT_EQ(recv_str(q.h), "three");
  // Malformed batches send nothing.
  std::vector<unsigned char> bad(batch.begin(), batch.begin() + 12);  // header says 3 bytes, has 4: ok
  EXPECT_EQ(ipc_mq_send_many(q.h, bad.data(), 6, &sent, 0), IPC_EINVAL);
  EXPECT_EQ(sent, 0u);
  uint32_t big[2] = {17, 0};
  EXPECT_EQ(ipc_mq_send_many(q.h, big, 8, &sent, 0), IPC_EMSGSIZE);
  uint32_t prio[3] = {1, 32, 0};
  EXPECT_EQ(ipc_mq_send_many(q.h, prio, 9, &sent, 0), IPC_EINVAL);
  size_t count = 9;
  ipc_mq_count(q.h, &count);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(ipc_mq_send_many(q.h, batch.data(), batch.size(), &sent, 1000), IPC_ETIMEDOUT);
  EXPECT_EQ(sent, 3u);
}

TEST(Mq, CallbackMayCloseItsOwnHandle) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq producer;
  ipc_mq_t *q = nullptr;
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_CREATE_ONLY, 4, 8, 0, &q), IPC_OK);
  ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &producer.h), IPC_OK);
  struct Ctx {
    ipc_mq_t *q;
    std::atomic<int> rc{-1};
  } ctx{q};
  ASSERT_EQ(ipc_mq_notify(q, [](void *u) {
              auto *c = static_cast<Ctx *>(u);
              c->rc = ipc_mq_close(c->q);  // the last reference: the watcher is freed under us
            }, &ctx), IPC_OK);
  ASSERT_EQ(ipc_mq_send(producer.h, "x", 1, 0, 0), IPC_OK);
  while (ctx.rc.load() == -1) std::this_thread::yield();
  EXPECT_EQ(ctx.rc.load(), IPC_OK);
  size_t n = 0;
  EXPECT_EQ(ipc_mq_count(q, &n), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_mq_count(producer.h, &n), IPC_OK);
  EXPECT_EQ(n, 1u);
}

TEST(Mq, NoCallbackAfterCloseReturns) {
  const std::string name = ipc_test::unique_name("ipctq");
  scoped_cleanup cleanup(remove_mq(name));
  Mq producer;
  for (int round = 0; round < 20; ++round) {
    ipc_mq_t *q = nullptr;
    ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_OR_CREATE, 4, 8, 0, &q), IPC_OK);
    if (!producer.h) {
      ASSERT_EQ(ipc_mq_open(name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &producer.h), IPC_OK);
    }
    struct Ctx {
      ipc_mq_t *q;
      std::atomic<int> calls{0};
      std::atomic<bool> closed{false};
      std::atomic<int> late{0};
    } ctx{q};
    ASSERT_EQ(ipc_mq_notify(q, [](void *u) {
                auto *c = static_cast<Ctx *>(u);
                if (c->closed) ++c->late;
                ++c->calls;
                ipc_mq_notify_arm(c->q);  // keep firing while a message sits there
              }, &ctx), IPC_OK);
    ipc_mq_send(producer.h, "x", 1, 0, 0);
    while (ctx.calls.load() < 3) std::this_thread::yield();
    ASSERT_EQ(ipc_mq_close(q), IPC_OK);
    ctx.closed = true;
    const int after = ctx.calls.load();
    for (int i = 0; i < 1000; ++i) std::this_thread::yield();
    EXPECT_EQ(ctx.calls.load(), after);
    EXPECT_EQ(ctx.late.load(), 0);
    char b[8];
    size_t len;
    while (ipc_mq_receive(producer.h, b, sizeof b, &len, nullptr, 0) == IPC_OK) {
    }
  }
}
