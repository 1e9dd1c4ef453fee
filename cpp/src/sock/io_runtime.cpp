// libipc core — the sock I/O thread (see io_runtime.hpp).
#include "io_runtime.hpp"

#include <asio/executor_work_guard.hpp>

#include <csignal>
#include <pthread.h>
#include <thread>

namespace ipc::sock_detail {

namespace {

struct runtime {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread::id id;

  runtime() {
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
    id = t.get_id();
    t.detach();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
};

runtime &rt() {
  static runtime *r = new runtime;  // never destroyed: see io_runtime.hpp
  return *r;
}

}  // namespace

asio::io_context &io_context() { return rt().io; }
bool on_io_thread() noexcept { return std::this_thread::get_id() == rt().id; }

}  // namespace ipc::sock_detail
