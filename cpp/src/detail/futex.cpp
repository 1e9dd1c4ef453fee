// libipc core — futex wait/wake (Linux).
#include "futex.hpp"

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ipc::detail {

bool futex_wait(const std::uint32_t *word, std::uint32_t expected, clock::time_point deadline) {
  // steady_clock is CLOCK_MONOTONIC on Linux; FUTEX_WAIT_BITSET takes an
  // absolute CLOCK_MONOTONIC time, so a wait is not stretched by retries.
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  if (ns <= 0) return false;
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  long rc = ::syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, &ts, nullptr,
                      FUTEX_BITSET_MATCH_ANY);
  if (rc == 0) return true;
  return errno != ETIMEDOUT;  // EAGAIN (value changed) and EINTR: re-check
}

void futex_wake(const std::uint32_t *word, int count) {
  ::syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
}

}  // namespace ipc::detail
