// libipc core — the sock event queue (see event_queue.hpp).
#include "event_queue.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#ifdef __linux__
#include <sys/epoll.h>
#endif

namespace ipc::sock_detail {

namespace {
constexpr std::chrono::microseconds kSpin{20};
// Set while this thread runs a pump: what it pushes, it takes itself, so the
// eventfd need not be signalled for it.
thread_local bool t_pumping = false;

// Sleeps in epoll_wait on the set until something in it is readable or the
// deadline (none: -1) passes.
void sleep_on(int wait_set, std::int64_t ms) {
#ifdef __linux__
  epoll_event ev;
  int n;
  do {
    n = ::epoll_wait(wait_set, &ev, 1, ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));
  } while (n < 0 && errno == EINTR && ms < 0);
#else
  (void)wait_set;
  (void)ms;
#endif
}
}  // namespace

int event_queue::set_reader(std::function<void()> pump, int wait_set) {
  std::lock_guard<std::mutex> lock(mu_);
  pump_ = std::move(pump);
  wait_set_ = wait_set;
  if (!efd_) efd_ = std::make_unique<detail::event_fd>();
  fd_armed_ = false;
  return efd_->fd();
}

void event_queue::pump() {
  struct flag {
    flag() { t_pumping = true; }
    ~flag() { t_pumping = false; }
  } pumping;
  pump_();
}

void event_queue::signal_locked() {
  if (!sig_) {
    sig_ = true;
    efd_->signal();
  }
}

void event_queue::settle_locked() {
  if (pump_ && sig_ && q_.empty() && !closed_) {
    sig_ = false;
    efd_->clear();
  }
}

bool event_queue::push(sock_event ev) {
  bool over;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    bytes_.fetch_add(cost(ev), std::memory_order_relaxed);
    q_.push_back(std::move(ev));
    count_.fetch_add(1, std::memory_order_release);
    over = bytes_.load(std::memory_order_relaxed) > max_bytes_;
    if (over) paused_ = true;
    if (pump_) {
      if (!t_pumping) signal_locked();
    } else if (fd_armed_) {
      fd_armed_ = false;
      efd_->signal();
    }
  }
  cv_.notify_all();
  return over;
}

int event_queue::wait(std::unique_lock<std::mutex> &lock, std::int64_t timeout_ms) {
  if (pump_) return wait_reading(lock, timeout_ms);
  auto ready = [&] { return closed_ || !q_.empty() || finished_; };
  if (!ready() && timeout_ms != 0) {
    // Spin briefly before sleeping, as the mq waits do: a reply to a request
    // just sent usually comes within microseconds, and a sleep costs a
    // wake-up of 10-20 µs on an idle CPU — the largest part of a round trip.
    lock.unlock();
    const auto spin_end = detail::clock::now() + kSpin;
    for (unsigned i = 1; count_.load(std::memory_order_acquire) == 0 && detail::clock::now() < spin_end; ++i) {
      if (i < 16) detail::cpu_relax();
      else std::this_thread::yield();  // a peer on this core can only run if we yield
    }
    lock.lock();
  }
  if (!ready()) {
    if (timeout_ms == 0) return IPC_EAGAIN;
    if (timeout_ms < 0) {
      cv_.wait(lock, ready);
    } else if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready)) {
      return IPC_ETIMEDOUT;
    }
  }
  if (closed_) return IPC_ECLOSED;
  if (q_.empty()) return IPC_ECLOSED;  // finished
  return IPC_OK;
}

// wait() with inline reading: read the sockets here, spin a little reading
// them, then sleep on the epoll set (sockets + the eventfd the I/O thread
// signals). One thread wakes per event instead of two.
int event_queue::wait_reading(std::unique_lock<std::mutex> &lock, std::int64_t timeout_ms) {
  auto ready = [&] { return closed_ || !q_.empty() || finished_; };
  const auto deadline = timeout_ms > 0 ? detail::clock::now() + std::chrono::milliseconds(timeout_ms)
                                       : detail::clock::time_point::max();
  bool spun = false;
  while (!ready()) {
    lock.unlock();
    if (!spun && timeout_ms != 0) {
      // As in wait(): a reply to a request just sent usually comes within
      // microseconds, sooner than a sleep and a wake-up. So read, and read
      // again, for a little while.
      spun = true;
      const auto spin_end = detail::clock::now() + kSpin;
      for (unsigned i = 1;; ++i) {
        pump();
        if (count_.load(std::memory_order_acquire) != 0 || detail::clock::now() >= spin_end) break;
        if (i >= 4) std::this_thread::yield();  // a peer on this core can only run if we yield
      }
    } else {
      pump();
    }
    lock.lock();
    if (ready()) break;
    if (timeout_ms == 0) {
      settle_locked();
      return IPC_EAGAIN;
    }
    std::int64_t ms = -1;
    if (timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - detail::clock::now()).count();
      if (left <= 0) return IPC_ETIMEDOUT;
      ms = left;
    }
    // Clear the eventfd only now, with the queue empty and the lock held: a
    // push after this signals it again, so the sleep cannot miss one.
    settle_locked();
    lock.unlock();
    sleep_on(wait_set_, ms);
    lock.lock();
  }
  if (closed_) return IPC_ECLOSED;
  if (q_.empty()) return IPC_ECLOSED;  // finished
  return IPC_OK;
}

void event_queue::took(std::size_t cost_taken) {
  std::size_t left = bytes_.fetch_sub(cost_taken, std::memory_order_relaxed) - cost_taken;
  bool resume = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (paused_ && left <= max_bytes_ / 2) {
      paused_ = false;
      resume = true;
    }
  }
  if (resume && on_room_) on_room_();
}

int event_queue::pop(sock_event &out, std::int64_t timeout_ms) {
  std::size_t c;
  {
    std::unique_lock<std::mutex> lock(mu_);
    int rc = wait(lock, timeout_ms);
    if (rc != IPC_OK) return rc;
    out = std::move(q_.front());
    q_.pop_front();
    count_.fetch_sub(1, std::memory_order_release);
    c = cost(out);
    if (out.kind == IPC_SOCK_DESTROY) finished_ = true;
    settle_locked();
  }
  took(c);
  return IPC_OK;
}

std::size_t event_queue::packed_size(const sock_event &e) {
  std::size_t n = IPC_SOCK_PACKED_HEADER + e.type.size() + e.data.size() + e.address.size();
  return (n + 7) & ~std::size_t(7);
}

int event_queue::pop_many(void *buf, std::size_t cap, std::size_t max_count, std::size_t *out_count,
                          std::size_t *out_bytes, std::int64_t timeout_ms) {
  *out_count = 0;
  *out_bytes = 0;
  if (max_count == 0) return IPC_OK;
  std::size_t taken_cost = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    int rc = wait(lock, timeout_ms);
    if (rc != IPC_OK) return rc;
    auto *p = static_cast<unsigned char *>(buf);
    std::size_t used = 0, n = 0;
    while (n < max_count && !q_.empty()) {
      const sock_event &e = q_.front();
      std::size_t need = packed_size(e);
      if (used + need > cap || e.type.size() > UINT32_MAX || e.data.size() > UINT32_MAX) {
        if (n == 0) {
          *out_bytes = need;
          return IPC_EMSGSIZE;
        }
        break;
      }
      unsigned char *h = p + used;
      std::uint32_t kind = static_cast<std::uint32_t>(e.kind);
      std::int32_t code = e.code;
      std::uint32_t tl = static_cast<std::uint32_t>(e.type.size());
      std::uint32_t dl = static_cast<std::uint32_t>(e.data.size());
      std::uint32_t al = static_cast<std::uint32_t>(e.address.size());
      std::uint32_t zero = 0;
      std::memcpy(h, &kind, 4);
      std::memcpy(h + 4, &code, 4);
      std::memcpy(h + 8, &e.conn, 8);
      std::memcpy(h + 16, &tl, 4);
      std::memcpy(h + 20, &dl, 4);
      std::memcpy(h + 24, &al, 4);
      std::memcpy(h + 28, &zero, 4);
      unsigned char *b = h + IPC_SOCK_PACKED_HEADER;
      if (tl) std::memcpy(b, e.type.data(), tl);
      if (dl) std::memcpy(b + tl, e.data.data(), dl);
      if (al) std::memcpy(b + tl + dl, e.address.data(), al);
      std::size_t raw = IPC_SOCK_PACKED_HEADER + tl + dl + al;
      if (need > raw) std::memset(h + raw, 0, need - raw);
      used += need;
      ++n;
      taken_cost += cost(e);
      if (e.kind == IPC_SOCK_DESTROY) finished_ = true;
      q_.pop_front();
      count_.fetch_sub(1, std::memory_order_release);
      if (finished_) break;
    }
    *out_count = n;
    *out_bytes = used;
    settle_locked();
  }
  took(taken_cost);
  return IPC_OK;
}

void event_queue::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    q_.clear();
    count_.store(0, std::memory_order_release);
    if (pump_) signal_locked();  // wakes the threads sleeping on the epoll set
  }
  cv_.notify_all();
}

int event_queue::notify_fd() {
  std::lock_guard<std::mutex> lock(mu_);
  if (pump_) return wait_set_;  // level-triggered: nothing to arm
  if (!efd_) {
    efd_ = std::make_unique<detail::event_fd>();
    fd_armed_ = true;
    if (!q_.empty()) {
      fd_armed_ = false;
      efd_->signal();
    }
  }
  return efd_->fd();
}

void event_queue::notify_arm() {
  notes_.arm();
  std::lock_guard<std::mutex> lock(mu_);
  if (!efd_ || pump_) return;
  if (!q_.empty() && !closed_) efd_->signal();  // something came while disarmed
  else fd_armed_ = true;
}

detail::watcher::ops event_queue::watch_ops() {
  detail::watcher::ops o;
  if (pump_) {
    // Inline reading: the watcher thread is the one that reads.
    o.ready = [this] {
      if (count_.load(std::memory_order_acquire) == 0) pump();
      return count_.load(std::memory_order_acquire) > 0;
    };
    o.wait = [this](detail::clock::time_point until) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!q_.empty()) return;
        settle_locked();
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - detail::clock::now()).count();
      if (ms > 0) sleep_on(wait_set_, ms);
    };
    o.wake = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      signal_locked();
    };
    return o;
  }
  o.ready = [this] { return count_.load(std::memory_order_acquire) > 0; };
  // Not woken by closed_: a closed queue stays empty, and the watcher must
  // sleep until it is stopped (wake) rather than spin.
  o.wait = [this](detail::clock::time_point until) {
    std::unique_lock<std::mutex> lock(mu_);
    std::uint64_t gen = wake_gen_;
    cv_.wait_until(lock, until, [&] { return !q_.empty() || wake_gen_ != gen; });
  };
  o.wake = [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wake_gen_;
    }
    cv_.notify_all();
  };
  return o;
}

}  // namespace ipc::sock_detail
