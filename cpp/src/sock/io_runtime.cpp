// libipc core — the sock I/O thread (see io_runtime.hpp).
#include "io_runtime.hpp"

#include <asio/executor_work_guard.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace ipc::sock_detail {

namespace {

std::atomic<bool> g_forked{false};

struct runtime {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::mutex mu;
  bool running = false;  // guarded by mu
  std::atomic<std::thread::id> id{};

  runtime() { ::pthread_atfork(nullptr, nullptr, [] { g_forked.store(true); }); }

  // Starts the thread if this process has none (first use, or first use after
  // a fork).
  void ensure() {
    if (!g_forked.load(std::memory_order_relaxed) && running_fast.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(mu);
    if (g_forked.exchange(false)) {
      io.notify_fork(asio::execution_context::fork_child);
      running = false;
    }
    if (running) return;
    // Signals are the application's business: block them all on our thread so
    // none is delivered here (Node, Python and .NET expect them on their own).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    std::thread t([this] {
      for (;;) {
        try {
          io.run();
          return;
        } catch (...) {
          // A handler must not throw; if one does, keep serving the others.
        }
      }
    });
    id.store(t.get_id());
    t.detach();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    running = true;
    running_fast.store(true, std::memory_order_release);
  }
  std::atomic<bool> running_fast{false};
};

runtime &rt() {
  static runtime *r = new runtime;  // never destroyed: see io_runtime.hpp
  return *r;
}

}  // namespace

asio::io_context &io_context() {
  runtime &r = rt();
  r.ensure();
  return r.io;
}

bool on_io_thread() noexcept { return std::this_thread::get_id() == rt().id.load(); }

}  // namespace ipc::sock_detail
