// libipc C++ core — named bounded message queues with priorities.
#pragma once

#include <ipc/shm.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace ipc {

// A named queue of up to `capacity` messages of up to `max_msg_size` bytes each,
// shared by every process that opens the name; many producers, many consumers;
// priorities 0..max_priority, higher first, FIFO within one priority. Each
// message is delivered to exactly one consumer. See <ipc/mq.h> for the crash
// guarantee; in short: the queue's state lives in shared memory behind a
// robust mutex, and every change is journalled (an undo log) before it is
// made, so when a process dies holding the lock the next process to take it
// rolls the half-done send or receive back. A receive is complete once the
// message is copied into the receiver's buffer and the journal is cleared.
//
// Thread safety: distinct objects: safe. Shared objects: send, receive and
// the accessors are safe; destruction and notify() need external
// synchronisation.
class message_queue {
public:
  static constexpr unsigned max_priority = 31;
  static constexpr std::size_t max_capacity = 1u << 20;
  static constexpr std::size_t max_message_size = 64u << 20;

  // capacity and max_msg_size are used when this call creates the queue; on
  // open they are discovered (pass 0).
  message_queue(std::string_view name, open_mode mode, std::size_t capacity,
                std::size_t max_msg_size, unsigned perm = 0600);
  message_queue(message_queue &&) noexcept;
  message_queue &operator=(message_queue &&) noexcept;
  ~message_queue();

  // timeout_ms: < 0 forever, 0 try once. Returns IPC_OK, IPC_EAGAIN (try, full)
  // or IPC_ETIMEDOUT; throws for bad arguments (IPC_EMSGSIZE if len exceeds
  // max_msg_size, IPC_EINVAL for a priority above max_priority).
  errc send(const void *data, std::size_t len, unsigned priority, std::int64_t timeout_ms);
  // Receives the highest-priority oldest message into buf. Returns IPC_OK,
  // IPC_EAGAIN, IPC_ETIMEDOUT, or IPC_EMSGSIZE if cap is too small (the message
  // stays queued; *out_len tells its size).
  errc receive(void *buf, std::size_t cap, std::size_t *out_len, unsigned *out_priority,
               std::int64_t timeout_ms);
  // Receives up to max_count messages in one lock hold, packed into buf as
  // [u32 len][u32 priority][bytes, padded to 8] each. Waits (per timeout_ms)
  // only for the first. Returns IPC_OK with *out_count >= 1, IPC_EAGAIN,
  // IPC_ETIMEDOUT, or IPC_EMSGSIZE if not even the first message fits.
  errc receive_many(void *buf, std::size_t cap, std::size_t max_count, std::size_t *out_count,
                    std::size_t *out_bytes, std::int64_t timeout_ms);

  // Sends the messages packed in buf (the receive_many format: [u32 len][u32
  // priority][bytes, padded to 8] each), in order, as many per lock hold as
  // there is room for; waits (per timeout_ms, for each wait) while the queue is
  // full. *out_sent = messages sent, also on IPC_EAGAIN / IPC_ETIMEDOUT /
  // IPC_ECLOSED. Throws IPC_EINVAL for a malformed buffer (checked before
  // anything is sent), IPC_EMSGSIZE / IPC_EINVAL as send() for one message.
  errc send_many(const void *buf, std::size_t len, std::size_t *out_sent, std::int64_t timeout_ms);

  std::size_t count() const;
  // How many times a process that died holding the queue's lock was recovered
  // from (its half-done operation rolled back). For monitoring and tests.
  std::uint64_t recoveries() const;
  std::size_t capacity() const;
  std::size_t max_msg_size() const;
  const std::string &name() const noexcept;
  void set_spin(std::uint32_t ns) noexcept;  // as semaphore::set_spin; default 20 µs

  // Calls fn on a library thread when the queue has a message (arm protocol in
  // detail/watcher.hpp). An empty fn stops notifications.
  void notify(std::function<void()> fn);
  void notify_arm();
  // The same, signalled through a file descriptor an event loop can poll
  // (Linux: an eventfd; readable when ready; read it to clear, then
  // notify_arm()). Owned by this object: closed on destruction.
  int notify_fd();

  // Makes every wait on this object, in any thread, return IPC_ECLOSED now and
  // from then on; used when a handle is closed while a thread waits on it.
  void interrupt() noexcept;

  static void remove(std::string_view name);
  static bool exists(std::string_view name);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ipc
