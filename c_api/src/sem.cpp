// libipc C ABI — ipc_sem_* over ipc::semaphore.
#include <ipc/sem.h>

#include <ipc/sem.hpp>

#include "guard.hpp"
#include "handles.hpp"

using namespace ipc;
using namespace ipc::capi;

namespace {

using sem_handles = handles<ipc_sem_t, semaphore, handle_type::sem>;

// Maps a non-OK wait result to an error carrying a message.
void check_wait(errc rc, const semaphore &s) {
  if (rc == IPC_OK) return;
  const std::string who = "semaphore \"" + s.name() + "\"";
  if (rc == IPC_EAGAIN) throw_error(rc, who + ": count is 0");
  if (rc == IPC_ETIMEDOUT) throw_error(rc, who + ": wait timed out");
  throw_error(rc, who + ": handle closed while waiting");
}

}  // namespace

extern "C" {

IPC_API int ipc_sem_open(const char *name, ipc_open_mode_t mode, unsigned initial, unsigned perm,
                         ipc_sem_t **out) {
  if (out) *out = nullptr;
  return guard([&] {
    require(name, "name");
    require(out, "out");
    if (mode < IPC_CREATE_ONLY || mode > IPC_OPEN_OR_CREATE) throw_error(IPC_EINVAL, "unknown open mode");
    if (perm & ~0777u) throw_error(IPC_EINVAL, "permission bits beyond 0777");
    *out = sem_handles::add(
        std::make_shared<semaphore>(name, static_cast<open_mode>(mode), initial, perm ? perm : 0600));
  });
}

IPC_API int ipc_sem_close(ipc_sem_t *h) {
  if (!h) return IPC_OK;
  return guard([&] { sem_handles::take(h)->interrupt(); });
}

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
    check_wait(s->wait(timeout_ms), *s);
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
  return guard([&] {
    auto s = sem_handles::get(h);
    if (fn) s->notify([fn, user_data] { fn(user_data); });
    else s->notify(nullptr);
  });
}

IPC_API int ipc_sem_notify_arm(ipc_sem_t *h) {
  return guard([&] { sem_handles::get(h)->notify_arm(); });
}

IPC_API int ipc_sem_notify_fd(ipc_sem_t *h, int *out_fd) {
  return guard([&] {
    auto s = sem_handles::get(h);
    require(out_fd, "out_fd");
    *out_fd = s->notify_fd();
  });
}

}  // extern "C"
