// libipc core — sock options (see options.hpp and <ipc/sock.h>).
#include "options.hpp"

#include "json.hpp"

#include <ipc/error.hpp>

#include <cerrno>
#include <cstdlib>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ipc::sock_detail {

namespace {

transport transport_from(const std::string &s) {
  if (s == "unix") return transport::unix_stream;
  if (s == "tcp") return transport::tcp;
  if (s == "tls") return transport::tls;
  if (s == "udp4") return transport::udp4;
  if (s == "udp6") return transport::udp6;
  throw_error(IPC_EINVAL, "sock options: \"transport\" must be unix, tcp, tls, udp4 or udp6, not \"" + s + "\"");
}

// The directory must be ours alone: a socket in a directory others can write
// could be swapped for theirs.
void check_private_dir(const std::string &dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw_errno(errno, "sock: stat(\"" + dir + "\")");
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    throw_error(IPC_EACCES, "sock: socket root \"" + dir +
                                "\" is not a private directory (must be a directory owned by this user, mode 0700)");
}

}  // namespace

std::string default_root() {
  std::string dir;
  const char *xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg) {
    dir = std::string(xdg) + "/libipc";
  } else {
    dir = "/tmp/libipc-" + std::to_string(::geteuid());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno(errno, "sock: mkdir(\"" + dir + "\")");
  check_private_dir(dir);
  return dir + "/";
}

options parse_options(std::string_view json_text, bool server) {
  options_reader r(json_text);
  options o;
  o.server = server;
  bool unix_hint = r.has("path") || r.has("id");
  o.kind = transport_from(r.str("transport", unix_hint ? "unix" : "tcp"));
  o.raw = r.boolean("raw", false);
  // LIBIPC_SOCK_INLINE_READS=0 flips the default for a whole process, so that
  // one test suite runs over both read paths (tests/CMakeLists.txt).
  const char *inline_default = std::getenv("LIBIPC_SOCK_INLINE_READS");
  o.inline_reads = r.boolean("inlineReads", !(inline_default && inline_default[0] == '0'));
  o.max_connections = static_cast<std::size_t>(r.integer("maxConnections", 100, 1, 1 << 20));
  o.max_frame = static_cast<std::size_t>(r.integer("maxFrame", 16 << 20, 64, std::int64_t(1) << 31));
  o.max_write_queue = static_cast<std::size_t>(r.integer("maxWriteQueue", 16 << 20, 1024, std::int64_t(1) << 40));
  o.max_event_queue = static_cast<std::size_t>(r.integer("maxEventQueue", 16 << 20, 1024, std::int64_t(1) << 40));

  std::string path = r.str("path", "");
  std::string id = r.str("id", "");
  std::string appspace = r.str("appspace", "app.");
  std::string root = r.str("socketRoot", "");
  if (o.kind == transport::unix_stream) {
    if (path.empty()) {
      if (id.empty()) throw_error(IPC_EINVAL, "sock options: a Unix socket needs \"path\" or \"id\"");
      if (root.empty()) root = default_root();
      path = root + appspace + id;
    }
    if (path.size() >= sizeof(sockaddr_un::sun_path))
      throw_error(IPC_ENAMETOOLONG, "sock: Unix socket path longer than " +
                                        std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes: " + path);
    if (path.find('\0') != std::string::npos) throw_error(IPC_EINVAL, "sock options: \"path\" contains NUL");
    o.path = path;
  }
  o.host = r.str("host", o.kind == transport::udp6 ? "::1" : "127.0.0.1");
  std::int64_t port = r.integer("port", -1, 0, 65535);
  if (o.kind != transport::unix_stream) {
    if (port < 0) {
      if (!server) throw_error(IPC_EINVAL, "sock options: a TCP/TLS/UDP client needs \"port\"");
      port = 0;
    }
    o.port = static_cast<std::uint16_t>(port);
  }
  o.unlink = r.boolean("unlink", true);

  // Client reconnects. Accepted (and ignored) on a server so one options object
  // can serve both ends, as node-ipc's ipc.config does.
  o.retry_ms = r.integer("retry", 500, 0, 24LL * 3600 * 1000);
  o.max_retries = r.integer("maxRetries", -1, -1, INT64_MAX / 2);
  o.stop_retrying = r.boolean("stopRetrying", false);
  o.backoff = r.number("backoff", 1.0, 1.0, 100.0);
  o.retry_max_ms = r.integer("retryMax", 30000, 0, 24LL * 3600 * 1000);

  std::unique_ptr<options_reader> t;
  if (r.object("tls", t)) {
    if (o.kind == transport::tcp) o.kind = transport::tls;  // "tls": {...} implies TLS
    if (o.kind != transport::tls) throw_error(IPC_EINVAL, "sock options: \"tls\" needs transport tls (or tcp)");
    o.tls.cert = t->str("cert", "");
    o.tls.key = t->str("key", "");
    o.tls.ca = t->strings("ca");
    o.tls.verify = t->boolean("verify", true);
    o.tls.require_client_cert = t->boolean("requireClientCert", false);
    o.tls.servername = t->str("servername", "");
    t->finish();
  }
  if (o.kind == transport::tls && server && (o.tls.cert.empty() || o.tls.key.empty()))
    throw_error(IPC_EINVAL, "sock options: a TLS server needs \"tls\": {\"cert\", \"key\"}");
  r.finish();
  return o;
}

}  // namespace ipc::sock_detail
