// libipc core — a library-owned thread that tells an event loop when a
// semaphore can be taken or a queue has a message, without the loop polling or
// blocking.
//
// Protocol (the same for every area): while armed, the watcher waits until
// ready() holds, disarms itself and calls the callback once, on its own thread.
// The consumer (an event loop) does its non-blocking work and calls arm() to
// hear about the next change. Disarming after each call means a slow event
// loop is never flooded, and arming re-checks ready() first, so nothing that
// happened in between is missed.
#pragma once

#include "futex.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace ipc::detail {

class watcher {
public:
  struct ops {
    std::function<bool()> ready;                     // condition, checked without locks
    std::function<void(clock::time_point)> wait;     // block until a change or the deadline
    std::function<void()> wake;                      // get wait() to return early
  };
  watcher(ops o, std::function<void()> callback);
  // Stops and joins. Called from the callback itself (the callback closed its
  // handle), it detaches instead: the thread keeps its state alive, finishes
  // the callback and exits without touching the ops again.
  ~watcher();
  watcher(const watcher &) = delete;
  watcher &operator=(const watcher &) = delete;

  void arm();

private:
  struct state {
    ops o;
    std::function<void()> callback;
    std::mutex mu;
    std::condition_variable cv;
    bool armed = true;
    bool stop = false;
  };
  static void run(const std::shared_ptr<state> &st);

  std::shared_ptr<state> st_;
  std::thread thread_;
};

// An eventfd-backed signal for notify_fd(): signal() makes fd() readable.
class event_fd {
public:
  event_fd();
  ~event_fd();
  event_fd(const event_fd &) = delete;
  event_fd &operator=(const event_fd &) = delete;
  int fd() const noexcept { return fd_; }
  void signal() noexcept;
  void clear() noexcept;  // back to not readable

private:
  int fd_;
};

// The notify/notify_fd/arm state every waitable object (sem, mq) keeps: at
// most one watcher, and the eventfd it signals when notify_fd() was asked for.
class notifier {
public:
  notifier() = default;
  ~notifier() { watch_.reset(); }  // stop the watcher before the fd it signals (members
                                   // are destroyed after this body)
  notifier(const notifier &) = delete;
  notifier &operator=(const notifier &) = delete;

  // Replaces the callback (an empty fn stops notifications). When set()
  // returns, the old callback is not running and will not run again — unless
  // set() is called from inside it, in which case it finishes first.
  void set(watcher::ops o, std::function<void()> fn);
  void arm();
  // Starts fd-signalling notifications once; returns the fd.
  int fd(watcher::ops o);

private:
  // Guards the pointers only: a watcher is stopped outside the lock, so a
  // callback that calls arm() cannot deadlock against set().
  std::mutex mu_;
  std::unique_ptr<event_fd> efd_;
  std::shared_ptr<watcher> watch_;
};

}  // namespace ipc::detail
