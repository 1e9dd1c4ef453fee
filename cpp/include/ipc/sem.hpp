// libipc C++ core — named counting semaphores.
#pragma once

#include <ipc/shm.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace ipc {

// A named counting semaphore shared by every process that opens the name
// (see <ipc/sem.h> for names, lifetime and the crash guarantee).
//
// The count is one 32-bit word changed only by atomic compare-and-swap and
// waited on with a futex: there is no internal lock, so a process killed at
// any moment — mid-post, mid-wait, asleep — cannot leave it locked or
// inconsistent. A unit taken by a process that then dies is gone, as with
// every semaphore: semaphores have no owner to give it back.
//
// Thread safety: distinct objects: safe. Shared objects: safe (all members),
// except destruction and notify() which need external synchronisation.
class semaphore {
public:
  static constexpr std::uint32_t max_value = 0x7FFFFFFF;

  semaphore(std::string_view name, open_mode mode, std::uint32_t initial, unsigned perm = 0600);
  semaphore(semaphore &&) noexcept;
  semaphore &operator=(semaphore &&) noexcept;
  ~semaphore();

  void post();  // throws IPC_ERANGE at max_value
  bool try_wait();
  // timeout_ms < 0: forever, 0: try once. Returns IPC_OK, IPC_EAGAIN (try),
  // IPC_ETIMEDOUT, or IPC_ECLOSED after interrupt().
  errc wait(std::int64_t timeout_ms = -1);
  std::uint32_t value() const;
  const std::string &name() const noexcept;

  // Spin this long (checking the count, yielding the CPU now and then) before
  // sleeping in a wait. 0 disables spinning. Default 20 µs.
  void set_spin(std::uint32_t ns) noexcept;

  // Calls fn on a library thread when the count is > 0 (see detail/watcher.hpp
  // for the arm protocol). An empty fn stops notifications.
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
