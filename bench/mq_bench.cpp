// bench/mq_bench: message-queue round trip and one-way throughput, libipc
// against its peers in the same run, with the two processes pinned to
// different cores and then to the same core. Prints a table and ratios.
//
//   mq_bench [--quick]
//
// Peers: raw Boost.Interprocess message_queue; a process-shared POSIX
// semaphore ping-pong (the futex floor: the cheapest blocking hand-off); a spin
// on shared atomics (the no-sleep floor). CPU time per message is the sum of
// both processes' user+system time divided by messages.
#include <ipc/ipc.h>

#include <boost/interprocess/ipc/message_queue.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <sched.h>
#include <semaphore.h>
#include <string>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace bip = boost::interprocess;
using clk = std::chrono::steady_clock;

namespace {

bool quick = false;

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

double cpu_seconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Result {
  double us_per_op = 0;   // round trip µs, or µs per message for throughput
  double cpu_us_per_msg = 0;
};

// Runs parent() in this process pinned to cpu_a and child() in a fork pinned
// to cpu_b; returns wall time of parent() and CPU time of both.
Result run_pair(int cpu_a, int cpu_b, long msgs, const std::function<void()> &setup,
                const std::function<void()> &child, const std::function<void()> &parent) {
  setup();
  double cpu0 = cpu_seconds(RUSAGE_SELF), ccpu0 = cpu_seconds(RUSAGE_CHILDREN);
  pid_t pid = fork();
  if (pid == 0) {
    pin(cpu_b);
    child();
    _exit(0);
  }
  pin(cpu_a);
  auto t0 = clk::now();
  parent();
  auto t1 = clk::now();
  int status = 0;
  waitpid(pid, &status, 0);
  pin(-1 == 0 ? 0 : cpu_a);
  Result r;
  r.us_per_op = std::chrono::duration<double, std::micro>(t1 - t0).count() / double(msgs);
  r.cpu_us_per_msg = (cpu_seconds(RUSAGE_SELF) - cpu0 + cpu_seconds(RUSAGE_CHILDREN) - ccpu0) * 1e6 / double(msgs);
  return r;
}

std::string uniq(const char *what) { return std::string("bench_") + what + "_" + std::to_string(getpid()); }

// ---- libipc ----
Result ipc_roundtrip(int a, int b, size_t size, long n) {
  std::string q1 = uniq("ping"), q2 = uniq("pong");
  std::vector<char> buf(size, 'x');
  auto r = run_pair(a, b, n,
      [&] {
        ipc_mq_t *x, *y;
        ipc_mq_open(q1.c_str(), IPC_CREATE_ONLY, 64, size, 0, &x);
        ipc_mq_open(q2.c_str(), IPC_CREATE_ONLY, 64, size, 0, &y);
        ipc_mq_close(x);
        ipc_mq_close(y);
      },
      [&] {
        ipc_mq_t *in, *out;
        ipc_mq_open(q1.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &in);
        ipc_mq_open(q2.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &out);
        std::vector<char> b2(size);
        size_t len;
        for (long i = 0; i < n; ++i) {
          ipc_mq_receive(in, b2.data(), size, &len, nullptr, IPC_INFINITE);
          ipc_mq_send(out, b2.data(), len, 0, IPC_INFINITE);
        }
      },
      [&] {
        ipc_mq_t *out, *in;
        ipc_mq_open(q1.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &out);
        ipc_mq_open(q2.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &in);
        size_t len;
        for (long i = 0; i < n; ++i) {
          ipc_mq_send(out, buf.data(), size, 0, IPC_INFINITE);
          ipc_mq_receive(in, buf.data(), size, &len, nullptr, IPC_INFINITE);
        }
      });
  ipc_mq_remove(q1.c_str());
  ipc_mq_remove(q2.c_str());
  return r;
}

Result ipc_throughput(int a, int b, size_t size, long n, bool batch, bool send_batch = false) {
  std::string qn = uniq("tput");
  auto r = run_pair(a, b, n,
      [&] {
        ipc_mq_t *x;
        ipc_mq_open(qn.c_str(), IPC_CREATE_ONLY, 1024, size, 0, &x);
        ipc_mq_close(x);
      },
      [&] {  // producer
        ipc_mq_t *q;
        ipc_mq_open(qn.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &q);
        std::vector<char> m(size, 'p');
        if (!send_batch) {
          for (long i = 0; i < n; ++i) ipc_mq_send(q, m.data(), size, 0, IPC_INFINITE);
          return;
        }
        // Batches of 64 in the packed format.
        const size_t per = 8 + ((size + 7) & ~size_t{7});
        std::vector<unsigned char> b(64 * per, 'p');
        for (size_t k = 0; k < 64; ++k) {
          uint32_t hdr[2] = {static_cast<uint32_t>(size), 0};
          std::memcpy(b.data() + k * per, hdr, 8);
        }
        for (long done = 0; done < n;) {
          size_t want = static_cast<size_t>(std::min<long>(64, n - done)), sent = 0;
          ipc_mq_send_many(q, b.data(), want * per, &sent, IPC_INFINITE);
          done += static_cast<long>(sent);
        }
      },
      [&] {  // consumer (timed)
        ipc_mq_t *q;
        ipc_mq_open(qn.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &q);
        std::vector<char> m(batch ? 256 * (size + 16) : size);
        size_t len, cnt;
        for (long got = 0; got < n;) {
          if (batch) {
            ipc_mq_receive_many(q, m.data(), m.size(), 256, &cnt, &len, IPC_INFINITE);
            got += static_cast<long>(cnt);
          } else {
            ipc_mq_receive(q, m.data(), size, &len, nullptr, IPC_INFINITE);
            ++got;
          }
        }
      });
  ipc_mq_remove(qn.c_str());
  return r;
}

// ---- raw Boost message_queue ----
Result boost_roundtrip(int a, int b, size_t size, long n) {
  std::string q1 = uniq("bping"), q2 = uniq("bpong");
  auto r = run_pair(a, b, n,
      [&] {
        bip::message_queue::remove(q1.c_str());
        bip::message_queue::remove(q2.c_str());
        bip::message_queue(bip::create_only, q1.c_str(), 64, size);
        bip::message_queue(bip::create_only, q2.c_str(), 64, size);
      },
      [&] {
        bip::message_queue in(bip::open_only, q1.c_str()), out(bip::open_only, q2.c_str());
        std::vector<char> m(size);
        bip::message_queue::size_type len;
        unsigned prio;
        for (long i = 0; i < n; ++i) {
          in.receive(m.data(), size, len, prio);
          out.send(m.data(), len, 0);
        }
      },
      [&] {
        bip::message_queue out(bip::open_only, q1.c_str()), in(bip::open_only, q2.c_str());
        std::vector<char> m(size, 'x');
        bip::message_queue::size_type len;
        unsigned prio;
        for (long i = 0; i < n; ++i) {
          out.send(m.data(), size, 0);
          in.receive(m.data(), size, len, prio);
        }
      });
  bip::message_queue::remove(q1.c_str());
  bip::message_queue::remove(q2.c_str());
  return r;
}

Result boost_throughput(int a, int b, size_t size, long n) {
  std::string qn = uniq("btput");
  auto r = run_pair(a, b, n,
      [&] {
        bip::message_queue::remove(qn.c_str());
        bip::message_queue(bip::create_only, qn.c_str(), 1024, size);
      },
      [&] {
        bip::message_queue q(bip::open_only, qn.c_str());
        std::vector<char> m(size, 'p');
        for (long i = 0; i < n; ++i) q.send(m.data(), size, 0);
      },
      [&] {
        bip::message_queue q(bip::open_only, qn.c_str());
        std::vector<char> m(size);
        bip::message_queue::size_type len;
        unsigned prio;
        for (long i = 0; i < n; ++i) q.receive(m.data(), size, len, prio);
      });
  bip::message_queue::remove(qn.c_str());
  return r;
}

// ---- floors ----
struct Shared {
  sem_t a, b;
  alignas(64) std::atomic<long> turn;
};

Result futex_floor(int a, int b, long n) {
  auto *s = static_cast<Shared *>(mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  auto r = run_pair(a, b, n,
      [&] {
        sem_init(&s->a, 1, 0);
        sem_init(&s->b, 1, 0);
      },
      [&] {
        for (long i = 0; i < n; ++i) {
          sem_wait(&s->a);
          sem_post(&s->b);
        }
      },
      [&] {
        for (long i = 0; i < n; ++i) {
          sem_post(&s->a);
          sem_wait(&s->b);
        }
      });
  munmap(s, sizeof(Shared));
  return r;
}

Result spin_floor(int a, int b, long n) {
  auto *s = static_cast<Shared *>(mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  auto r = run_pair(a, b, n, [&] { s->turn = 0; },
      [&] {
        for (long i = 0; i < n; ++i) {
          while (s->turn.load(std::memory_order_acquire) != 2 * i + 1) {
          }
          s->turn.store(2 * i + 2, std::memory_order_release);
        }
      },
      [&] {
        for (long i = 0; i < n; ++i) {
          s->turn.store(2 * i + 1, std::memory_order_release);
          while (s->turn.load(std::memory_order_acquire) != 2 * i + 2) {
          }
        }
      });
  munmap(s, sizeof(Shared));
  return r;
}

void row(const char *what, const Result &r, double ref, const char *ref_name) {
  std::printf("  %-34s %10.2f µs %10.2f µs CPU/msg", what, r.us_per_op, r.cpu_us_per_msg);
  if (ref > 0) std::printf("   %6.2fx %s", r.us_per_op / ref, ref_name);
  std::printf("\n");
}

}  // namespace

int main(int argc, char **argv) {
  quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const long rt_n = quick ? 2000 : 50000, tp_n = quick ? 20000 : 2000000;
  const long spin_n = quick ? 2000 : 200000;
  std::printf("libipc mq bench (%s); lower is better; ratios against the floor in the same run\n",
              quick ? "quick" : "full");
  struct Place {
    const char *name;
    int a, b;
  } places[] = {{"different cores (0,1)", 0, 1}, {"same core (0,0)", 0, 0}};
  for (auto &pl : places) {
    std::printf("\n== round trip, %s\n", pl.name);
    Result floor = futex_floor(pl.a, pl.b, rt_n);
    row("futex floor (sem_t ping-pong)", floor, 0, "");
    if (pl.a != pl.b) row("spin on shared atomics", spin_floor(pl.a, pl.b, spin_n), floor.us_per_op, "floor");
    for (size_t size : {size_t{64}, size_t{4096}}) {
      Result boost = boost_roundtrip(pl.a, pl.b, size, rt_n);
      Result ours = ipc_roundtrip(pl.a, pl.b, size, rt_n);
      char label[64];
      std::snprintf(label, sizeof label, "Boost message_queue %zu B", size);
      row(label, boost, floor.us_per_op, "floor");
      std::snprintf(label, sizeof label, "libipc mq %zu B", size);
      row(label, ours, floor.us_per_op, "floor");
      std::printf("  %-34s %10.2fx Boost\n", "  libipc / Boost", ours.us_per_op / boost.us_per_op);
    }
    std::printf("\n== one-way throughput, %s\n", pl.name);
    for (size_t size : {size_t{64}, size_t{4096}}) {
      long n = size == 64 ? tp_n : tp_n / 8;
      Result boost = boost_throughput(pl.a, pl.b, size, n);
      Result ours = ipc_throughput(pl.a, pl.b, size, n, false);
      Result batch = ipc_throughput(pl.a, pl.b, size, n, true);
      Result both = ipc_throughput(pl.a, pl.b, size, n, true, true);
      std::printf("  %-34s %10.2f M msg/s %8.2f µs CPU/msg\n", ("Boost message_queue " + std::to_string(size) + " B").c_str(), 1 / boost.us_per_op, boost.cpu_us_per_msg);
      std::printf("  %-34s %10.2f M msg/s %8.2f µs CPU/msg  %6.2fx Boost\n", ("libipc mq " + std::to_string(size) + " B").c_str(), 1 / ours.us_per_op, ours.cpu_us_per_msg, boost.us_per_op / ours.us_per_op);
      std::printf("  %-34s %10.2f M msg/s %8.2f µs CPU/msg  %6.2fx Boost\n", ("libipc mq receive_many " + std::to_string(size) + " B").c_str(), 1 / batch.us_per_op, batch.cpu_us_per_msg, boost.us_per_op / batch.us_per_op);
      std::printf("  %-34s %10.2f M msg/s %8.2f µs CPU/msg  %6.2fx Boost\n", ("libipc mq send_many+receive_many " + std::to_string(size) + " B").c_str(), 1 / both.us_per_op, both.cpu_us_per_msg, boost.us_per_op / both.us_per_op);
    }
  }
  return 0;
}
