// libipc core — the queue of events a sock handle has not handed out yet.
//
// The I/O thread pushes (never blocks, never drops); the application takes,
// from any thread, with a timeout. Its size in bytes is bounded by pausing the
// sockets that fill it: push() says when the queue is over its limit, and the
// on_room callback runs (on the taking thread) once it has drained below half,
// so the I/O thread can resume reading. Readiness for event loops goes through
// detail::notifier, as for sem and mq.
#pragma once

#include "../detail/watcher.hpp"

#include <ipc/sock.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace ipc::sock_detail {

class event_queue {
public:
  explicit event_queue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // True while the queue is over its byte limit (the pusher should pause).
  bool push(sock_event ev);
  bool over_limit() const { return bytes_.load(std::memory_order_relaxed) > max_bytes_; }
  void set_on_room(std::function<void()> fn) { on_room_ = std::move(fn); }

  // IPC_OK, IPC_EAGAIN, IPC_ETIMEDOUT or IPC_ECLOSED.
  int pop(sock_event &out, std::int64_t timeout_ms);
  int pop_many(void *buf, std::size_t cap, std::size_t max_count, std::size_t *out_count,
               std::size_t *out_bytes, std::int64_t timeout_ms);

  // Everything waiting returns IPC_ECLOSED, and so does every later call.
  void close();
  std::size_t size() const { return count_.load(std::memory_order_acquire); }

  // Inline reading (the sock option "inlineReads"): the sockets are read by
  // the threads that take events, while they take or wait, not by the I/O
  // thread. `pump` reads what is readable now and pushes the events (never
  // blocks); `wait_set` is an epoll set holding the sockets and the eventfd
  // returned here, which every push from another thread (the I/O thread:
  // connects, disconnects, TLS and UDP) signals. Waits then sleep in
  // epoll_wait on the set, and notify_fd() is the set: readable when a socket
  // is or an event is queued. Called once, before any event is taken.
  int set_reader(std::function<void()> pump, int wait_set);

  // Callbacks run on a watcher thread (user code never runs on the I/O
  // thread). The eventfd, though, is signalled by push() itself while armed:
  // writing to an eventfd is not user code, and it saves the event loop a
  // thread hop on every wake-up.
  void notify(std::function<void()> fn) { notes_.set(watch_ops(), std::move(fn)); }
  void notify_arm();
  int notify_fd();

private:
  static std::size_t cost(const sock_event &e) { return e.type.size() + e.data.size() + e.address.size() + 64; }
  static std::size_t packed_size(const sock_event &e);
  // Waits (lock held) until there is an event, the queue is closed, or the
  // deadline passes; returns IPC_OK when there is one to take.
  int wait(std::unique_lock<std::mutex> &lock, std::int64_t timeout_ms);
  void took(std::size_t cost_taken);  // after a take, outside the lock
  int wait_reading(std::unique_lock<std::mutex> &lock, std::int64_t timeout_ms);
  void pump();                         // runs pump_, without the lock
  void settle_locked();                // inline reading: clear the eventfd once empty
  void signal_locked();
  detail::watcher::ops watch_ops();

  const std::size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<sock_event> q_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> bytes_{0};
  bool closed_ = false;
  bool finished_ = false;  // a client's DESTROY was taken: nothing more will come
  bool paused_ = false;    // push() reported over_limit; on_room_ owed
  std::uint64_t wake_gen_ = 0;  // bumped to end a watcher's wait
  std::function<void()> on_room_;
  std::unique_ptr<detail::event_fd> efd_;  // guarded by mu_
  bool fd_armed_ = false;                  // guarded by mu_
  // Inline reading (set_reader): the eventfd is efd_, signalled once per
  // batch of pushes (sig_) and cleared when the queue is found empty.
  std::function<void()> pump_;
  int wait_set_ = -1;
  bool sig_ = false;                       // guarded by mu_
  detail::notifier notes_;  // last: its watcher stops before the rest goes
};

}  // namespace ipc::sock_detail
