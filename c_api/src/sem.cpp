// libipc C ABI — ipc_sem_* over ipc::semaphore.
#include <ipc/sem.h>

#include <ipc/sem.hpp>

#include "guard.hpp"
#include "handles.hpp"
#include "waitable.hpp"

using namespace ipc;
using namespace ipc::capi;

namespace {

using sem_handles = handles<ipc_sem_t, semaphore, handle_type::sem>;

// Records the detail of a non-OK wait and returns the code (no throw: these
// are expected outcomes on hot paths).
int report(errc rc, const semaphore &s) {
  if (rc == IPC_OK) return IPC_OK;
  const std::string who = "semaphore \"" + s.name() + "\"";
  if (rc == IPC_EAGAIN) return set_last_error(rc, who + ": count is 0");
  if (rc == IPC_ETIMEDOUT) return set_last_error(rc, who + ": wait timed out");
  return set_last_error(rc, who + ": handle closed while waiting");
}

}  // namespace

extern "C" {

IPC_API int ipc_sem_open(const char *name, ipc_open_mode_t mode, unsigned initial, unsigned perm,
                         ipc_sem_t **out) {
  if (out) *out = nullptr;
  return guard([&] {
    require(name, "name");
    require(out, "out");
    const open_mode m = checked_enum<open_mode>(mode, IPC_CREATE_ONLY, IPC_OPEN_OR_CREATE, "open mode");
    if (perm & ~0777u) throw_error(IPC_EINVAL, "permission bits beyond 0777");
    *out = sem_handles::add(
        std::make_shared<semaphore>(name, m, initial, perm ? perm : 0600));
  });
}

IPC_API int ipc_sem_close(ipc_sem_t *h) { return close_waitable<sem_handles>(h); }

IPC_API int ipc_sem_remove(const char *name) {
  return guard([&] {
    require(name, "name");
    semaphore::remove(name);
  });
}

IPC_API int ipc_sem_exists(const char *name, int *out) {
  return guard([&] {
    require(name, "name");
    require(out, "out");
    *out = semaphore::exists(name) ? 1 : 0;
  });
}

IPC_API int ipc_sem_post(ipc_sem_t *h) {
  return guard([&] { sem_handles::get(h)->post(); });
}

IPC_API int ipc_sem_wait(ipc_sem_t *h, int64_t timeout_ms) {
  return guard([&] {
    auto s = sem_handles::get(h);
    return report(s->wait(timeout_ms), *s);
  });
}

IPC_API int ipc_sem_try_wait(ipc_sem_t *h) { return ipc_sem_wait(h, IPC_NOWAIT); }

IPC_API int ipc_sem_value(ipc_sem_t *h, unsigned *out_value) {
  return guard([&] {
    auto s = sem_handles::get(h);
    require(out_value, "out_value");
    *out_value = s->value();
  });
}

IPC_API int ipc_sem_set_spin(ipc_sem_t *h, uint32_t spin_ns) {
  return guard([&] { sem_handles::get(h)->set_spin(spin_ns); });
}

IPC_API int ipc_sem_notify(ipc_sem_t *h, ipc_notify_fn fn, void *user_data) {
  return notify_waitable<sem_handles>(h, fn, user_data);
}

IPC_API int ipc_sem_notify_arm(ipc_sem_t *h) { return notify_arm_waitable<sem_handles>(h); }

IPC_API int ipc_sem_notify_fd(ipc_sem_t *h, int *out_fd) {
  return notify_fd_waitable<sem_handles>(h, out_fd);
}

}  // extern "C"
