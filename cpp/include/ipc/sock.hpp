// libipc C++ core — socket channels (the C ABI's ipc_sock_*; see <ipc/sock.h>
// for the model: endpoints, events, wire format, options, limits, threads).
//
// One class for both ends. Expected outcomes of the hot calls (a full write
// queue, no event yet) are return codes, not exceptions; bad input and system
// failures throw ipc::error.
#pragma once

#include <ipc/error.hpp>
#include <ipc/sock.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ipc {

struct sock_event {
  ipc_sock_event_kind_t kind = IPC_SOCK_MESSAGE;
  int code = IPC_OK;
  std::uint64_t conn = 0;
  std::string type;
  std::string data;     // JSON text, raw bytes or an error message
  std::string address;  // the peer
};

class sock {
public:
  // Options: the JSON object text of <ipc/sock.h>.
  static std::shared_ptr<sock> listen(std::string_view options_json);
  static std::shared_ptr<sock> connect(std::string_view options_json);
  ~sock();
  sock(const sock &) = delete;
  sock &operator=(const sock &) = delete;

  // IPC_OK or IPC_EAGAIN (write queue over its limit; nothing queued); throws
  // for the rest (IPC_ENOENT, IPC_EILSEQ, IPC_ENOTSUP, IPC_ECLOSED).
  int emit(std::uint64_t conn, std::string_view type, std::string_view data_json);
  int emit_frames(std::uint64_t conn, std::string_view frames);
  int send(std::uint64_t conn, const void *bytes, std::size_t len);

  // IPC_OK, IPC_EAGAIN, IPC_ETIMEDOUT or IPC_ECLOSED.
  int next(sock_event &ev, std::int64_t timeout_ms);
  // Packs events into buf (the IPC_SOCK_PACKED_HEADER format). IPC_OK,
  // IPC_EAGAIN, IPC_ETIMEDOUT, IPC_ECLOSED or IPC_EMSGSIZE (*out_bytes = need).
  int next_many(void *buf, std::size_t cap, std::size_t max_count, std::size_t *out_count,
                std::size_t *out_bytes, std::int64_t timeout_ms);

  void disconnect(std::uint64_t conn);
  std::uint64_t peer(std::string_view host, std::uint16_t port);

  std::uint16_t local_port() const;
  std::string address() const;
  std::size_t connections() const;
  std::size_t pending(std::uint64_t conn) const;

  // Readiness (an event is queued): as message_queue::notify.
  void notify(std::function<void()> fn);
  void notify_arm();
  int notify_fd();
  // Wakes blocked next() calls with IPC_ECLOSED and shuts the sockets down.
  void interrupt() noexcept;

  // The default private socket root, with a trailing '/'.
  static std::string default_root();

  struct impl;

private:
  explicit sock(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

}  // namespace ipc
