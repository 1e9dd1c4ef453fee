// libipc C ABI — the parts of ipc_sem_* and ipc_mq_* that are the same for
// every waitable object (one with interrupt() and the notify protocol of
// detail/watcher.hpp): close, notify, notify_arm, notify_fd.
#pragma once

#include <ipc/types.h>

#include "guard.hpp"

namespace ipc::capi {

// Close: waits on this handle in other threads return IPC_ECLOSED, and no
// callback runs once close returns (see types.h).
template <class Handles, class H> int close_waitable(H *h) {
  if (!h) return IPC_OK;
  return guard([&] {
    auto obj = Handles::take(h);
    obj->interrupt();
    obj->notify(nullptr);
  });
}

template <class Handles, class H> int notify_waitable(H *h, ipc_notify_fn fn, void *user_data) {
  return guard([&] {
    auto obj = Handles::get(h);
    if (fn) obj->notify([fn, user_data] { fn(user_data); });
    else obj->notify(nullptr);
  });
}

template <class Handles, class H> int notify_arm_waitable(H *h) {
  return guard([&] { Handles::get(h)->notify_arm(); });
}

template <class Handles, class H> int notify_fd_waitable(H *h, int *out_fd) {
  return guard([&] {
    auto obj = Handles::get(h);
    require(out_fd, "out_fd");
    *out_fd = obj->notify_fd();
  });
}

}  // namespace ipc::capi
