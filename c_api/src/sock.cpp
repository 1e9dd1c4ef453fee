// libipc C ABI — ipc_sock_* over ipc::sock.
#include <ipc/sock.h>

#include <ipc/sock.hpp>

#include "guard.hpp"
#include "handles.hpp"
#include "waitable.hpp"

#include <cstring>
#include <mutex>

using namespace ipc;
using namespace ipc::capi;

namespace {

// The handle's object: the socket, plus the event ipc_sock_next() handed out
// last (its pointers must stay valid until the next take).
struct sock_handle {
  std::shared_ptr<sock> s;
  std::mutex mu;
  sock_event last;

  void interrupt() noexcept { s->interrupt(); }
  void notify(std::function<void()> fn) { s->notify(std::move(fn)); }
  void notify_arm() { s->notify_arm(); }
  int notify_fd() { return s->notify_fd(); }
};

using sock_handles = handles<ipc_sock_t, sock_handle, handle_type::sock>;

int report(int rc, const char *op) {
  if (rc == IPC_OK) return IPC_OK;
  std::string detail = std::string("sock: ") + op;
  switch (rc) {
    case IPC_EAGAIN: detail += ": nothing ready (or write queue full)"; break;
    case IPC_ETIMEDOUT: detail += ": timed out"; break;
    case IPC_ECLOSED: detail += ": closed"; break;
    case IPC_EMSGSIZE: detail += ": buffer too small for the next event"; break;
    default: break;
  }
  return set_last_error(rc, detail);
}

int open_sock(const char *options_json, ipc_sock_t **out, bool server) {
  if (out) *out = nullptr;
  return guard([&] {
    require(out, "out");
    std::string_view o = options_json ? std::string_view(options_json) : std::string_view("{}");
    auto h = std::make_shared<sock_handle>();
    h->s = server ? sock::listen(o) : sock::connect(o);
    *out = sock_handles::add(std::move(h));
  });
}

int copy_text(const std::string &text, char *buf, size_t cap, size_t *out_len) {
  require(out_len, "out_len");
  *out_len = text.size();
  if (!buf) {
    if (cap) throw_error(IPC_EINVAL, "buf is NULL but cap is not 0");
    return IPC_OK;
  }
  if (cap <= text.size()) {
    if (cap) {
      std::memcpy(buf, text.data(), cap - 1);
      buf[cap - 1] = '\0';
    }
    return set_last_error(IPC_EMSGSIZE, "buffer of " + std::to_string(cap) + " bytes too small: " +
                                          std::to_string(text.size() + 1) + " needed");
  }
  std::memcpy(buf, text.c_str(), text.size() + 1);
  return IPC_OK;
}

}  // namespace

extern "C" {

IPC_API int ipc_sock_listen(const char *options_json, ipc_sock_t **out) {
  return open_sock(options_json, out, true);
}

IPC_API int ipc_sock_connect(const char *options_json, ipc_sock_t **out) {
  return open_sock(options_json, out, false);
}

IPC_API int ipc_sock_close(ipc_sock_t *s) { return close_waitable<sock_handles>(s); }

IPC_API int ipc_sock_emit(ipc_sock_t *s, uint64_t conn, const char *type, const char *data) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(type, "type");
    return report(h->s->emit(conn, type, data ? std::string_view(data) : std::string_view()), "emit");
  });
}

IPC_API int ipc_sock_emit_frames(ipc_sock_t *s, uint64_t conn, const char *frames, size_t len) {
  return guard([&] {
    auto h = sock_handles::get(s);
    if (len) require(frames, "frames");
    return report(h->s->emit_frames(conn, std::string_view(frames ? frames : "", len)), "emit_frames");
  });
}

IPC_API int ipc_sock_send(ipc_sock_t *s, uint64_t conn, const void *bytes, size_t len) {
  return guard([&] {
    auto h = sock_handles::get(s);
    if (len) require(bytes, "bytes");
    return report(h->s->send(conn, bytes, len), "send");
  });
}

IPC_API int ipc_sock_next(ipc_sock_t *s, ipc_sock_event_t *ev, int64_t timeout_ms) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(ev, "ev");
    std::lock_guard<std::mutex> lock(h->mu);
    int rc = h->s->next(h->last, timeout_ms);
    if (rc != IPC_OK) return report(rc, "next");
    const sock_event &e = h->last;
    ev->kind = e.kind;
    ev->code = e.code;
    ev->conn = e.conn;
    ev->type = e.type.c_str();
    ev->type_len = e.type.size();
    ev->data = e.data.c_str();
    ev->data_len = e.data.size();
    ev->address = e.address.c_str();
    ev->address_len = e.address.size();
    return static_cast<int>(IPC_OK);
  });
}

IPC_API int ipc_sock_next_many(ipc_sock_t *s, void *buf, size_t cap, size_t max_count,
                               size_t *out_count, size_t *out_bytes, int64_t timeout_ms) {
  if (out_count) *out_count = 0;
  if (out_bytes) *out_bytes = 0;
  return guard([&] {
    auto h = sock_handles::get(s);
    require(out_count, "out_count");
    require(out_bytes, "out_bytes");
    if (cap) require(buf, "buf");
    return report(h->s->next_many(buf, cap, max_count, out_count, out_bytes, timeout_ms), "next_many");
  });
}

IPC_API int ipc_sock_disconnect(ipc_sock_t *s, uint64_t conn) {
  return guard([&] { sock_handles::get(s)->s->disconnect(conn); });
}

IPC_API int ipc_sock_peer(ipc_sock_t *s, const char *host, uint16_t port, uint64_t *out_conn) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(host, "host");
    require(out_conn, "out_conn");
    *out_conn = h->s->peer(host, port);
  });
}

IPC_API int ipc_sock_local_port(ipc_sock_t *s, uint16_t *out_port) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(out_port, "out_port");
    *out_port = h->s->local_port();
  });
}

IPC_API int ipc_sock_address(ipc_sock_t *s, char *buf, size_t cap, size_t *out_len) {
  return guard([&] { return copy_text(sock_handles::get(s)->s->address(), buf, cap, out_len); });
}

IPC_API int ipc_sock_connections(ipc_sock_t *s, size_t *out_count) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(out_count, "out_count");
    *out_count = h->s->connections();
  });
}

IPC_API int ipc_sock_pending(ipc_sock_t *s, uint64_t conn, size_t *out_bytes) {
  return guard([&] {
    auto h = sock_handles::get(s);
    require(out_bytes, "out_bytes");
    *out_bytes = h->s->pending(conn);
  });
}

IPC_API int ipc_sock_default_root(char *buf, size_t cap, size_t *out_len) {
  return guard([&] { return copy_text(sock::default_root(), buf, cap, out_len); });
}

IPC_API int ipc_sock_notify(ipc_sock_t *s, ipc_notify_fn fn, void *user_data) {
  return notify_waitable<sock_handles>(s, fn, user_data);
}

IPC_API int ipc_sock_notify_arm(ipc_sock_t *s) { return notify_arm_waitable<sock_handles>(s); }

IPC_API int ipc_sock_notify_fd(ipc_sock_t *s, int *out_fd) {
  return notify_fd_waitable<sock_handles>(s, out_fd);
}

}  // extern "C"
