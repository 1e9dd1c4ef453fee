// libipc core — the watcher thread (see watcher.hpp).
#include "watcher.hpp"

#include <ipc/error.hpp>

#include <cerrno>
#include <cstdint>
#include <cxxabi.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ipc::detail {

namespace {
// A waiter woken for us but killed before acting must not stall us forever:
// every wait is capped, then the condition is re-checked.
constexpr auto kRecheck = std::chrono::milliseconds(100);
}  // namespace

watcher::watcher(ops o, std::function<void()> callback)
    : ops_(std::move(o)), callback_(std::move(callback)) {
  thread_ = std::thread([this] { run(); });
}

watcher::~watcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  ops_.wake();
  if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
  else if (thread_.joinable()) thread_.join();
}

void watcher::arm() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  cv_.notify_all();
}

void watcher::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!armed_) {
      cv_.wait(lock, [this] { return armed_ || stop_; });
      continue;
    }
    lock.unlock();
    bool ready = ops_.ready();
    if (ready) {
      lock.lock();
      if (stop_) break;
      armed_ = false;
      lock.unlock();
      try {
        callback_();
      } catch (abi::__forced_unwind &) {
        throw;  // thread cancellation (e.g. interpreter shutdown) must unwind
      } catch (...) {
        // a callback must not throw; there is no one to report it to
      }
    } else {
      ops_.wait(clock::now() + kRecheck);
    }
    lock.lock();
  }
}

event_fd::event_fd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw_errno(errno, "eventfd");
}

event_fd::~event_fd() { ::close(fd_); }

void event_fd::signal() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);  // full counter: already readable
}

void notifier::set(watcher::ops o, std::function<void()> fn) {
  watch_.reset();
  if (fn) watch_ = std::make_unique<watcher>(std::move(o), std::move(fn));
}

void notifier::arm() {
  if (watch_) watch_->arm();
}

int notifier::fd(watcher::ops o) {
  if (!efd_) {
    auto efd = std::make_unique<event_fd>();
    event_fd *e = efd.get();
    set(std::move(o), [e] { e->signal(); });
    efd_ = std::move(efd);
  }
  return efd_->fd();
}

}  // namespace ipc::detail
