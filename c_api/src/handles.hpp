// libipc C ABI — the handle table.
//
// A handle given to C is an id, never an address: (serial << 4) | type. It is
// looked up in a table on every call, so a NULL, closed, forged or wrong-type
// handle is an IPC_EBADHANDLE error and never a dereference of freed memory
// (libzmq's check_tag, made safe against use-after-free). Lookups hand out a
// shared_ptr, so a close racing with a call on another thread only drops the
// table's reference: the object lives until the in-flight call returns. Serials
// are 60-bit and never reused, so a stale handle cannot alias a new object.
#pragma once

#include <ipc/error.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace ipc::capi {

enum class handle_type : std::uintptr_t { shm = 1, sem = 2, mq = 3, sock = 4 };

class handle_table {
public:
  static handle_table &instance();

  std::uintptr_t add(handle_type type, std::shared_ptr<void> obj);
  std::shared_ptr<void> get(std::uintptr_t id, handle_type type) const;
  // Removes and returns the object (the caller drops the last reference).
  std::shared_ptr<void> take(std::uintptr_t id, handle_type type);

private:
  // Sharded by id so threads working on different handles rarely meet on one
  // lock; the serial counter is a lone atomic.
  static constexpr unsigned kShards = 16;
  struct alignas(64) shard {
    mutable std::mutex mu;
    std::unordered_map<std::uintptr_t, std::shared_ptr<void>> objects;
  };
  shard &shard_of(std::uintptr_t id) const { return shards_[(id >> 4) % kShards]; }

  std::atomic<std::uintptr_t> next_{1};
  mutable shard shards_[kShards];
};

// Typed front end: Handle is the C type (ipc_shm_t ...), T the core object.
template <class Handle, class T, handle_type Type> struct handles {
  static Handle *add(std::shared_ptr<T> obj) {
    return reinterpret_cast<Handle *>(handle_table::instance().add(Type, std::move(obj)));
  }
  static std::shared_ptr<T> get(const Handle *h) {
    return std::static_pointer_cast<T>(
        handle_table::instance().get(reinterpret_cast<std::uintptr_t>(h), Type));
  }
  static std::shared_ptr<T> take(const Handle *h) {
    return std::static_pointer_cast<T>(
        handle_table::instance().take(reinterpret_cast<std::uintptr_t>(h), Type));
  }
};

}  // namespace ipc::capi
