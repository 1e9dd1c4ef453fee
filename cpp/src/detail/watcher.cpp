// libipc core — the watcher thread (see watcher.hpp).
#include "watcher.hpp"

#include <ipc/error.hpp>

#include <cerrno>
#include <cstdint>
#include <cxxabi.h>
#include <utility>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ipc::detail {

namespace {
// A waiter woken for us but killed before acting must not stall us forever:
// every wait is capped, then the condition is re-checked.
constexpr auto kRecheck = std::chrono::milliseconds(100);
}  // namespace

watcher::watcher(ops o, std::function<void()> callback) : st_(std::make_shared<state>()) {
  st_->o = std::move(o);
  st_->callback = std::move(callback);
  thread_ = std::thread([st = st_] { run(st); });
}

watcher::~watcher() {
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    st_->stop = true;
  }
  st_->cv.notify_all();
  st_->o.wake();
  if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
  else if (thread_.joinable()) thread_.join();
}

void watcher::arm() {
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    st_->armed = true;
  }
  st_->cv.notify_all();
}

void watcher::run(const std::shared_ptr<state> &st) {
  std::unique_lock<std::mutex> lock(st->mu);
  while (!st->stop) {
    if (!st->armed) {
      st->cv.wait(lock, [&] { return st->armed || st->stop; });
      continue;
    }
    lock.unlock();
    if (st->o.ready()) {
      lock.lock();
      if (st->stop) break;
      st->armed = false;
      lock.unlock();
      try {
        st->callback();
      } catch (abi::__forced_unwind &) {
        throw;  // thread cancellation (e.g. interpreter shutdown) must unwind
      } catch (...) {
        // a callback must not throw; there is no one to report it to
      }
    } else {
      st->o.wait(clock::now() + kRecheck);
    }
    lock.lock();  // and re-check stop before touching the ops again
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

void event_fd::clear() noexcept {
  std::uint64_t n;
  [[maybe_unused]] ssize_t r = ::read(fd_, &n, sizeof n);  // EAGAIN: already clear
}

void notifier::set(watcher::ops o, std::function<void()> fn) {
  std::shared_ptr<watcher> fresh = fn ? std::make_shared<watcher>(std::move(o), std::move(fn)) : nullptr;
  std::shared_ptr<watcher> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(watch_, std::move(fresh));
  }
  old.reset();  // stops (joins) the old watcher outside the lock
}

void notifier::arm() {
  std::shared_ptr<watcher> w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    w = watch_;
  }
  if (w) w->arm();
}

int notifier::fd(watcher::ops o) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!efd_) {
    auto efd = std::make_unique<event_fd>();
    event_fd *e = efd.get();
    auto fresh = std::make_shared<watcher>(std::move(o), [e] { e->signal(); });
    std::shared_ptr<watcher> old = std::exchange(watch_, std::move(fresh));
    efd_ = std::move(efd);
    if (old) {  // stop the callback-mode watcher outside the lock
      mu_.unlock();
      old.reset();
      mu_.lock();
    }
  }
  return efd_->fd();
}

}  // namespace ipc::detail
