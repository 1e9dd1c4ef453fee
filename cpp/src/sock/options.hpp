// libipc core — sock options: the JSON object of <ipc/sock.h>, checked and
// with node-ipc's defaults applied, plus the private default socket root.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::sock_detail {

enum class transport { unix_stream, tcp, tls, udp4, udp6 };

struct tls_options {
  std::string cert, key;
  std::vector<std::string> ca;
  bool verify = true;
  bool require_client_cert = false;
  std::string servername;
};

struct options {
  bool server = false;
  transport kind = transport::unix_stream;
  std::string path;  // Unix: the socket path (composed if not given)
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool unlink = true;
  bool raw = false;
  bool inline_reads = true;  // read on the taking thread (see sock.h)
  std::size_t max_connections = 100;
  std::size_t max_frame = 16u << 20;
  std::size_t max_write_queue = 16u << 20;
  std::size_t max_event_queue = 16u << 20;
  // client reconnects (node-ipc's names)
  std::int64_t retry_ms = 500;
  std::int64_t max_retries = -1;  // -1: unlimited
  bool stop_retrying = false;
  double backoff = 1.0;
  std::int64_t retry_max_ms = 30000;
  tls_options tls;

  bool is_udp() const { return kind == transport::udp4 || kind == transport::udp6; }
  bool is_stream_ip() const { return kind == transport::tcp || kind == transport::tls; }
};

// Parses and checks; throws IPC_EINVAL naming the bad key, IPC_ENAMETOOLONG
// for a Unix path that does not fit in sockaddr_un.
options parse_options(std::string_view json_text, bool server);

// $XDG_RUNTIME_DIR/libipc/ or /tmp/libipc-<uid>/, created 0700; IPC_EACCES if
// it is not a directory owned by us and closed to others.
std::string default_root();

}  // namespace ipc::sock_detail
