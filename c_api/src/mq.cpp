// libipc C ABI — ipc_mq_* over ipc::message_queue.
#include <ipc/mq.h>

#include <ipc/mq.hpp>

#include "guard.hpp"
#include "handles.hpp"
#include "waitable.hpp"

using namespace ipc;
using namespace ipc::capi;

namespace {

using mq_handles = handles<ipc_mq_t, message_queue, handle_type::mq>;

// Records the detail of a non-OK queue result and returns the code (no throw:
// these are expected outcomes on hot paths).
int report(errc rc, const message_queue &q, const char *op, std::size_t needed = 0) {
  if (rc == IPC_OK) return IPC_OK;
  std::string detail = std::string(op) + " on queue \"" + q.name() + "\"";
  switch (rc) {
    case IPC_EAGAIN: detail += ": would block"; break;
    case IPC_ETIMEDOUT: detail += ": timed out"; break;
    case IPC_ECLOSED: detail += ": handle closed while waiting"; break;
    case IPC_EMSGSIZE:
      detail += ": buffer too small; " + std::to_string(needed) + " bytes needed";
      break;
    default: break;
  }
  return set_last_error(rc, detail);
}

}  // namespace

extern "C" {

IPC_API int ipc_mq_open(const char *name, ipc_open_mode_t mode, size_t capacity,
                        size_t max_msg_size, unsigned perm, ipc_mq_t **out) {
  if (out) *out = nullptr;
  return guard([&] {
    require(name, "name");
    require(out, "out");
    const open_mode m = checked_enum<open_mode>(mode, IPC_CREATE_ONLY, IPC_OPEN_OR_CREATE, "open mode");
    if (perm & ~0777u) throw_error(IPC_EINVAL, "permission bits beyond 0777");
    *out = mq_handles::add(std::make_shared<message_queue>(
        name, m, capacity, max_msg_size, perm ? perm : 0600));
  });
}

IPC_API int ipc_mq_close(ipc_mq_t *h) { return close_waitable<mq_handles>(h); }

IPC_API int ipc_mq_remove(const char *name) {
  return guard([&] {
    require(name, "name");
    message_queue::remove(name);
  });
}

IPC_API int ipc_mq_exists(const char *name, int *out) {
  return guard([&] {
    require(name, "name");
    require(out, "out");
    *out = message_queue::exists(name) ? 1 : 0;
  });
}

IPC_API int ipc_mq_send(ipc_mq_t *h, const void *data, size_t len, unsigned priority,
                        int64_t timeout_ms) {
  return guard([&] {
    auto q = mq_handles::get(h);
    if (len) require(data, "data");
    return report(q->send(data, len, priority, timeout_ms), *q, "send");
  });
}

IPC_API int ipc_mq_receive(ipc_mq_t *h, void *buf, size_t cap, size_t *out_len,
                           unsigned *out_priority, int64_t timeout_ms) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_len, "out_len");
    if (cap) require(buf, "buf");
    const errc rc = q->receive(buf, cap, out_len, out_priority, timeout_ms);
    return report(rc, *q, "receive", *out_len);  // after the call: it sets *out_len
  });
}

IPC_API int ipc_mq_receive_many(ipc_mq_t *h, void *buf, size_t cap, size_t max_count,
                                size_t *out_count, size_t *out_bytes, int64_t timeout_ms) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_count, "out_count");
    require(out_bytes, "out_bytes");
    if (cap) require(buf, "buf");
    *out_count = 0;
    *out_bytes = 0;
    if (max_count == 0) throw_error(IPC_EINVAL, "max_count is 0");
    const errc rc = q->receive_many(buf, cap, max_count, out_count, out_bytes, timeout_ms);
    return report(rc, *q, "receive_many", *out_bytes);  // after the call: it sets *out_bytes
  });
}

IPC_API int ipc_mq_send_many(ipc_mq_t *h, const void *buf, size_t len, size_t *out_sent,
                             int64_t timeout_ms) {
  if (out_sent) *out_sent = 0;
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_sent, "out_sent");
    if (len) require(buf, "buf");
    return report(q->send_many(buf, len, out_sent, timeout_ms), *q, "send_many");
  });
}

IPC_API int ipc_mq_count(ipc_mq_t *h, size_t *out_count) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_count, "out_count");
    *out_count = q->count();
  });
}

IPC_API int ipc_mq_capacity(ipc_mq_t *h, size_t *out_capacity) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_capacity, "out_capacity");
    *out_capacity = q->capacity();
  });
}

IPC_API int ipc_mq_max_msg_size(ipc_mq_t *h, size_t *out_size) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_size, "out_size");
    *out_size = q->max_msg_size();
  });
}

IPC_API int ipc_mq_recoveries(ipc_mq_t *h, uint64_t *out_count) {
  return guard([&] {
    auto q = mq_handles::get(h);
    require(out_count, "out_count");
    *out_count = q->recoveries();
  });
}

IPC_API int ipc_mq_set_spin(ipc_mq_t *h, uint32_t spin_ns) {
  return guard([&] { mq_handles::get(h)->set_spin(spin_ns); });
}

IPC_API int ipc_mq_notify(ipc_mq_t *h, ipc_notify_fn fn, void *user_data) {
  return notify_waitable<mq_handles>(h, fn, user_data);
}

IPC_API int ipc_mq_notify_arm(ipc_mq_t *h) { return notify_arm_waitable<mq_handles>(h); }

IPC_API int ipc_mq_notify_fd(ipc_mq_t *h, int *out_fd) {
  return notify_fd_waitable<mq_handles>(h, out_fd);
}

}  // extern "C"
