// libipc core — waiting on a 32-bit word in shared memory (OS specific).
//
// Linux: futex(2) without FUTEX_PRIVATE_FLAG, so waiters in different
// processes that map the same page meet on the same word. A port provides the
// same three functions (macOS: os_sync_wait_on_address with the SHARED flag).
#pragma once

#include <chrono>
#include <cstdint>

namespace ipc::detail {

using clock = std::chrono::steady_clock;

// Sleeps while *word == expected, until woken or `deadline` (steady clock).
// Returns false on timeout; true when woken, when *word != expected, or on a
// signal (callers re-check their condition either way).
bool futex_wait(const std::uint32_t *word, std::uint32_t expected, clock::time_point deadline);
// Wakes up to `count` waiters on `word` in any process.
void futex_wake(const std::uint32_t *word, int count);

// A CPU pause for spin loops.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace ipc::detail
