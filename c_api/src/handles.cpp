// libipc C ABI — the handle table (see handles.hpp).
#include "handles.hpp"

namespace ipc::capi {

namespace {
constexpr unsigned kTypeBits = 4;
constexpr std::uintptr_t kTypeMask = (1u << kTypeBits) - 1;
}  // namespace

handle_table &handle_table::instance() {
  // Leaked on purpose: handles may still be closed from atexit hooks and
  // language finalizers that run after static destructors.
  static handle_table *table = new handle_table;
  return *table;
}

std::uintptr_t handle_table::add(handle_type type, std::shared_ptr<void> obj) {
  const std::uintptr_t id =
      (next_.fetch_add(1, std::memory_order_relaxed) << kTypeBits) | static_cast<std::uintptr_t>(type);
  shard &sh = shard_of(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  sh.objects.emplace(id, std::move(obj));
  return id;
}

namespace {
void check_id(std::uintptr_t id, handle_type type) {
  if (id == 0) throw_error(IPC_EBADHANDLE, "handle is NULL");
  if ((id & kTypeMask) != static_cast<std::uintptr_t>(type))
    throw_error(IPC_EBADHANDLE, "handle is of another type, or not a libipc handle");
}
}  // namespace

std::shared_ptr<void> handle_table::get(std::uintptr_t id, handle_type type) const {
  check_id(id, type);
  const shard &sh = shard_of(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  auto it = sh.objects.find(id);
  if (it == sh.objects.end()) throw_error(IPC_EBADHANDLE, "handle is closed or unknown");
  return it->second;
}

std::shared_ptr<void> handle_table::take(std::uintptr_t id, handle_type type) {
  check_id(id, type);
  shard &sh = shard_of(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  auto it = sh.objects.find(id);
  if (it == sh.objects.end()) throw_error(IPC_EBADHANDLE, "handle is closed or unknown");
  std::shared_ptr<void> obj = std::move(it->second);
  sh.objects.erase(it);
  return obj;
}

}  // namespace ipc::capi
