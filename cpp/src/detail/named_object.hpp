// libipc core — a named, self-initialising shared object (the backing of sem and mq).
//
// Each named semaphore or queue is a POSIX segment "/ipc-<area>.<name>" that
// starts with this header. Exactly one process initialises the object behind
// it; everyone else waits (boundedly) until it is ready. A process that dies
// while initialising is detected (its pid is gone) and another takes over, so a
// crash during creation never leaves a name unusable.
#pragma once

#include <ipc/shm.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ipc::detail {

struct object_header {
  std::uint32_t magic;    // area-specific
  std::uint32_t version;  // layout version
  std::uint32_t state;    // 0 fresh, 1 initialising, 2 ready
  std::uint32_t init_pid; // who is initialising (state 1)
};

// Longest user name for sem and mq: leaves room for the prefix in NAME_MAX.
constexpr std::size_t kObjectNameMax = 240;

// The backing segment's name for `area` ("sem", "mq") and a user name.
std::string backing_name(std::string_view area, std::string_view name);

// Validates `name` (same rules as POSIX segment names, at most kObjectNameMax).
void validate_object_name(std::string_view name);

// Opens or creates the backing segment of `size` bytes (size 0 with open_only:
// whatever exists) and makes sure it is initialised. `init` runs on the fresh,
// zeroed memory in exactly one process and must fill everything but the
// header's state/pid; `check` validates an existing object (throws ECORRUPT).
shared_memory open_object(std::string_view area, std::string_view name, open_mode mode,
                          std::size_t size, unsigned perm, std::uint32_t magic,
                          std::uint32_t version, const std::function<void(void *)> &init);

// Removes the object's backing segment; IPC_ENOENT says "no <what> named ...".
void remove_object(std::string_view area, std::string_view name, const char *what);
bool object_exists(std::string_view area, std::string_view name);

}  // namespace ipc::detail
