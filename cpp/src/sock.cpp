// libipc core — socket channels (see <ipc/sock.h> for the model and
// sock/*.hpp for the parts: options, JSON frames, the event queue, the I/O
// thread, the stream types).
//
// Threading: every socket, timer and read buffer is touched only on the I/O
// thread (sock/io_runtime.hpp). User threads reach it in two ways: the event
// queue (they take), and each connection's write queue (they append under a
// small lock and post one "kick" when the I/O thread is not already writing).
// A connection writes everything appended since its last write in one go, so
// many small emits become few syscalls.
#include <ipc/sock.hpp>

#include "sock/event_queue.hpp"
#include "sock/io_runtime.hpp"
#include "sock/json.hpp"
#include "sock/options.hpp"
#include "sock/streams.hpp"

#include <asio/connect.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/steady_timer.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace ipc {

using namespace sock_detail;
using asio::ip::tcp;
using asio::ip::udp;
using unix_proto = asio::local::stream_protocol;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxDatagram = 65507;  // IPv4 UDP payload limit
constexpr std::size_t kMaxUdpPeers = 4096;   // remembered sender addresses
constexpr std::chrono::seconds kHandshakeTimeout{10};
constexpr std::chrono::microseconds kBurst{5};  // see enqueue()
constexpr std::uint64_t kWakeTag = ~std::uint64_t(0);  // the event queue's eventfd in the epoll set
constexpr int kInlineReads = 16;  // reads of one connection per pump (fairness)

errc errc_from(const std::error_code &ec) {
  if (ec.category() == asio::error::get_ssl_category()) return IPC_ETLS;
  if (ec.category() == asio::error::get_netdb_category() ||
      ec.category() == asio::error::get_addrinfo_category())
    return IPC_EINVAL;
  if (ec == asio::error::eof) return IPC_ECONNRESET;
  if (ec.category() == std::system_category() || ec.category() == asio::system_category()) {
    if (ec.value() == ENOENT) return IPC_ENOENT;  // no socket file: nothing listening there
    return errc_from_errno(ec.value());
  }
  // OpenSSL reports verification failures through its own categories too.
  std::string cat = ec.category().name();
  if (cat.find("ssl") != std::string::npos || cat.find("stream") != std::string::npos) return IPC_ETLS;
  return IPC_EIO;
}

std::string endpoint_text(const tcp::endpoint &e) {
  auto a = e.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}
std::string endpoint_text(const udp::endpoint &e) {
  auto a = e.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

sock_event make_event(ipc_sock_event_kind_t kind, std::uint64_t conn, std::string address = {}) {
  sock_event e;
  e.kind = kind;
  e.conn = conn;
  e.address = std::move(address);
  return e;
}

sock_event error_event(int code, std::uint64_t conn, std::string message, std::string address = {}) {
  sock_event e = make_event(IPC_SOCK_ERROR, conn, std::move(address));
  e.code = code;
  e.data = std::move(message);
  return e;
}

bool is_ip_literal(const std::string &host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

// ---- a connection ---------------------------------------------------------------

struct conn_state {
  std::uint64_t id = 0;
  std::string address;
  std::size_t max_write_queue = 0;

  // I/O thread only.
  std::shared_ptr<stream_base> stream;

  // Read state: the I/O thread's alone, unless the handle reads inline
  // ("inlineReads"), where taking threads read under rmu while rfd >= 0 (set
  // and cleared by the I/O thread, also under rmu, before the socket closes).
  std::mutex rmu;
  int rfd = -1;
  std::shared_ptr<stream_base> rstream;  // the stream rfd belongs to
  std::unique_ptr<char[]> rbuf;  // not a vector: growing it must not zero-fill
  std::size_t rcap = 0;
  std::size_t rlen = 0;   // bytes held in rbuf
  std::size_t last_frame = 0;  // length of the largest frame of the last read
  std::size_t scan = 0;   // rbuf[..scan) holds no '\f' past the last frame start
  bool paused = false;    // stopped reading: the event queue is full

  // Write queue, shared with user threads.
  std::mutex wmu;
  std::string front;      // being written (only the I/O thread touches it unlocked)
  std::string back;       // appended to by emits
  bool writing = false;
  bool kick_posted = false;
  bool up = false;        // connected: writes may start
  bool gone = false;      // closed for good: emits fail
  bool refused = false;   // an emit got IPC_EAGAIN: a DRAIN event is owed
  // The socket, for writes straight from the emitting thread when the queue is
  // idle (-1: none, or TLS). Set and cleared under wmu, and the I/O thread
  // clears it before closing the socket, so a caller never writes to a
  // descriptor that was closed (and perhaps reused).
  int fd = -1;
  std::chrono::steady_clock::time_point last_direct{};

  std::size_t queued_locked() const { return front.size() + back.size(); }
};

// ---- the endpoint ----------------------------------------------------------------

struct sock::impl : std::enable_shared_from_this<sock::impl> {
  explicit impl(options o)
      : opt(std::move(o)), io(io_context()), events(opt.max_event_queue), retry_timer(io) {}
  ~impl() {
    events.notify({});  // joins a callback watcher, which may be reading (pump_inline)
#ifdef __linux__
    if (epfd >= 0) ::close(epfd);
#endif
  }

  options opt;
  asio::io_context &io;
  event_queue events;
  int epfd = -1;  // inline reading: the epoll set of connections and the queue's eventfd
  std::unique_ptr<asio::ssl::context> ssl;

  std::atomic<bool> closed{false};
  std::string address_text;
  std::uint16_t port = 0;

  // Server connections (the map is changed on the I/O thread, read by any).
  mutable std::mutex mu;
  std::map<std::uint64_t, std::shared_ptr<conn_state>> conns;
  std::uint64_t next_id = 1;
  std::size_t handshaking = 0;  // I/O thread
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<unix_proto::acceptor> unix_acceptor;
  ino_t unix_ino = 0;
  pid_t owner_pid = ::getpid();
  std::vector<std::weak_ptr<conn_state>> paused;  // I/O thread

  // Client.
  std::shared_ptr<conn_state> client;
  asio::steady_timer retry_timer;
  std::int64_t retries_left = 0;
  int failures = 0;             // consecutive failed attempts, for the backoff
  bool explicit_disconnect = false;
  bool destroyed = false;       // I/O thread
  std::atomic<bool> client_gone{false};

  // UDP.
  std::unique_ptr<udp::socket> udp_sock;
  udp::endpoint udp_remote;  // client: where emits go
  udp::endpoint udp_from;
  std::vector<char> dgram;
  std::map<udp::endpoint, std::uint64_t> udp_ids;       // guarded by mu
  std::map<std::uint64_t, udp::endpoint> udp_peers;     // guarded by mu
  std::deque<std::uint64_t> udp_order;                  // guarded by mu: eviction order
  std::atomic<std::size_t> udp_pending{0};
  bool udp_refused = false;                             // guarded by mu

  // ---- setup (caller's thread, before any I/O is posted) ----
  void setup_tls();
  void listen_unix();
  void listen_tcp();
  void open_udp();

  // ---- I/O thread ----
  void push(sock_event e) { events.push(std::move(e)); }
  template <class Acceptor> void accept_loop(Acceptor &acc);
  void accepted(std::shared_ptr<stream_base> s, std::string address);
  std::shared_ptr<conn_state> new_conn(std::shared_ptr<stream_base> s, std::string address);
  void register_conn(const std::shared_ptr<conn_state> &c);
  void begin_reading(const std::shared_ptr<conn_state> &c);
  void stop_inline(const std::shared_ptr<conn_state> &c);
  void start_read(const std::shared_ptr<conn_state> &c);
  void reserve_read(conn_state &c);
  bool consume(const std::shared_ptr<conn_state> &c);
  void on_read(const std::shared_ptr<conn_state> &c, const std::shared_ptr<stream_base> &s,
               const std::error_code &ec, std::size_t n);
  bool take_frames(const std::shared_ptr<conn_state> &c);
  void deliver_text(std::uint64_t conn, const std::string &address, std::string_view payload);
  void start_write(const std::shared_ptr<conn_state> &c);
  void lost(const std::shared_ptr<conn_state> &c, const std::shared_ptr<stream_base> &s,
            const std::error_code &ec);
  void resume_paused();
  void shutdown_all();
  void udp_receive();
  std::uint64_t udp_id_for(const udp::endpoint &e);

  void client_attempt();
  void client_connect_tcp(std::vector<tcp::endpoint> eps, std::size_t i);
  void client_up(std::shared_ptr<stream_base> s);
  void client_failed(const std::error_code &ec, const std::string &what);
  void client_retry_or_destroy();
  void client_destroy();

  // ---- any thread ----
  void setup_inline();
  void pump_inline();
  void read_inline(const std::shared_ptr<conn_state> &c);
  int enqueue(const std::shared_ptr<conn_state> &c, std::string_view bytes, bool broadcast);
  int deliver(std::uint64_t conn, std::string_view bytes, bool frames);
  int udp_send(const udp::endpoint &to, std::string_view datagram);
  template <class F> void run_on_io(F &&f);
  // Everything goes to the I/O thread through here: io_context() starts the
  // thread if this process has none yet (e.g. a child after fork()).
  template <class F> void post(F &&f) { asio::post(io_context(), std::forward<F>(f)); }
};

template <class F> void sock::impl::run_on_io(F &&f) {
  if (on_io_thread()) {
    f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  post([&] {
    f();
    done.set_value();
  });
  fut.wait();
}

// ---- TLS ---------------------------------------------------------------------

void sock::impl::setup_tls() {
  const tls_options &t = opt.tls;
  try {
    ssl = std::make_unique<asio::ssl::context>(opt.server ? asio::ssl::context::tls_server
                                                          : asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ssl->native_handle(), TLS1_2_VERSION);
    ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
    if (!t.cert.empty()) ssl->use_certificate_chain_file(t.cert);
    if (!t.key.empty()) ssl->use_private_key_file(t.key, asio::ssl::context::pem);
    for (const std::string &ca : t.ca) ssl->load_verify_file(ca);
    if (opt.server) {
      if (t.require_client_cert) {
        if (t.ca.empty()) throw_error(IPC_EINVAL, "sock options: \"tls.requireClientCert\" needs \"tls.ca\"");
        ssl->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      } else {
        ssl->set_verify_mode(asio::ssl::verify_none);
      }
    } else if (t.verify) {
      if (t.ca.empty()) ssl->set_default_verify_paths();
      ssl->set_verify_mode(asio::ssl::verify_peer);
      ssl->set_verify_callback(asio::ssl::host_name_verification(t.servername.empty() ? opt.host : t.servername));
    } else {
      ssl->set_verify_mode(asio::ssl::verify_none);
    }
  } catch (const std::system_error &e) {
    throw_error(IPC_ETLS, std::string("sock: TLS setup (certificate, key or CA file): ") + e.what());
  }
}

// ---- server setup ---------------------------------------------------------------

void sock::impl::listen_unix() {
  const std::string &path = opt.path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw_error(IPC_EEXIST, "sock: \"" + path + "\" exists and is not a socket; not replacing it");
    // Is someone serving there? Ask the way a client would.
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno(errno, "sock: socket");
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
    int err = errno;
    ::close(fd);
    if (rc == 0 || err != ECONNREFUSED)
      throw_error(IPC_EADDRINUSE, "sock: a server is already listening on \"" + path + "\"");
    if (!opt.unlink) throw_error(IPC_EADDRINUSE, "sock: stale socket \"" + path + "\" (and \"unlink\" is false)");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(errno, "sock: unlink(\"" + path + "\")");
  }
  unix_acceptor = std::make_unique<unix_proto::acceptor>(io);
  std::error_code ec;
  unix_acceptor->open(unix_proto(), ec);
  if (!ec) set_cloexec(unix_acceptor->native_handle());
  if (!ec) unix_acceptor->bind(unix_proto::endpoint(path), ec);
  if (ec) throw_error(ec.value() == EADDRINUSE ? IPC_EADDRINUSE : errc_from(ec),
                      "sock: bind(\"" + path + "\"): " + ec.message());
  ::chmod(path.c_str(), 0600);  // the owner only, whatever the umask
  unix_acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw_error(errc_from(ec), "sock: listen(\"" + path + "\"): " + ec.message());
  if (::stat(path.c_str(), &st) == 0) unix_ino = st.st_ino;
  address_text = path;
}

namespace {
template <class Proto>
typename Proto::endpoint resolve_one(asio::io_context &io, const std::string &host, std::uint16_t port,
                                     bool v6_only_family = false) {
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return typename Proto::endpoint(addr, port);
  typename Proto::resolver r(io);
  auto results = r.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    throw_error(IPC_EINVAL, "sock: cannot resolve host \"" + host + "\": " + ec.message());
  for (const auto &e : results)
    if (!v6_only_family || e.endpoint().address().is_v6()) return e.endpoint();
  return results.begin()->endpoint();
}
}  // namespace

void sock::impl::listen_tcp() {
  tcp::endpoint ep = resolve_one<tcp>(io, opt.host, opt.port);
  tcp_acceptor = std::make_unique<tcp::acceptor>(io);
  std::error_code ec;
  tcp_acceptor->open(ep.protocol(), ec);
  if (!ec) set_cloexec(tcp_acceptor->native_handle());
  if (!ec) tcp_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) tcp_acceptor->bind(ep, ec);
  if (!ec) tcp_acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw_error(ec.value() == EADDRINUSE ? IPC_EADDRINUSE : errc_from(ec),
                "sock: listen on " + endpoint_text(ep) + ": " + ec.message());
  port = tcp_acceptor->local_endpoint().port();
  address_text = endpoint_text(tcp::endpoint(ep.address(), port));
}

void sock::impl::open_udp() {
  bool v6 = opt.kind == transport::udp6;
  udp_sock = std::make_unique<udp::socket>(io);
  std::error_code ec;
  dgram.resize(kMaxDatagram + 1);
  if (opt.server) {
    udp::endpoint ep = resolve_one<udp>(io, opt.host, opt.port, v6);
    udp_sock->open(ep.protocol(), ec);
    if (!ec) set_cloexec(udp_sock->native_handle());
    if (!ec) udp_sock->bind(ep, ec);
    if (ec)
      throw_error(ec.value() == EADDRINUSE ? IPC_EADDRINUSE : errc_from(ec),
                  "sock: bind UDP " + endpoint_text(ep) + ": " + ec.message());
    port = udp_sock->local_endpoint().port();
    address_text = endpoint_text(udp::endpoint(ep.address(), port));
  } else {
    udp_remote = resolve_one<udp>(io, opt.host, opt.port, v6);
    udp_sock->open(udp_remote.protocol(), ec);
    if (!ec) set_cloexec(udp_sock->native_handle());
    if (!ec) udp_sock->bind(udp::endpoint(udp_remote.protocol(), 0), ec);
    if (ec) throw_error(errc_from(ec), "sock: open UDP socket: " + ec.message());
    port = udp_sock->local_endpoint().port();
    address_text = endpoint_text(udp_remote);
  }
}

// ---- accepting -------------------------------------------------------------------

template <class Acceptor> void sock::impl::accept_loop(Acceptor &acc) {
  acc.async_accept([self = shared_from_this(), &acc](const std::error_code &ec, typename Acceptor::protocol_type::socket s) {
    if (self->closed) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      self->push(error_event(errc_from(ec), 0, "sock: accept: " + ec.message()));
      // Out of descriptors and the like: try again shortly rather than spin.
      auto t = std::make_shared<asio::steady_timer>(self->io, std::chrono::milliseconds(100));
      t->async_wait([self, t, &acc](const std::error_code &) {
        if (!self->closed) self->accept_loop(acc);
      });
      return;
    }
    std::string address = self->address_text;
    if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
      std::error_code e2;
      auto rep = s.remote_endpoint(e2);
      if (!e2) address = endpoint_text(rep);
      s.set_option(tcp::no_delay(true), e2);
    }
    std::size_t live;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      live = self->conns.size();
    }
    if (live + self->handshaking >= self->opt.max_connections) {
      std::error_code e2;
      s.close(e2);
      self->push(error_event(IPC_ENOSPC, 0,
                             "sock: maxConnections (" + std::to_string(self->opt.max_connections) +
                                 ") reached: connection from " + address + " refused",
                             address));
    } else if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
      if (self->ssl) {
        auto ts = std::make_shared<tls_stream>(std::move(s), *self->ssl);
        ++self->handshaking;
        // A peer that connects and never finishes the handshake must not hold
        // a connection slot for ever.
        auto deadline = std::make_shared<asio::steady_timer>(self->io, kHandshakeTimeout);
        deadline->async_wait([ts](const std::error_code &tec) {
          if (!tec) ts->close();
        });
        ts->stream().async_handshake(asio::ssl::stream_base::server,
                                     [self, ts, address, deadline](const std::error_code &hec) {
                                       deadline->cancel();
                                       --self->handshaking;
                                       if (self->closed) return;
                                       if (hec) {
                                         ts->close();
                                         self->push(error_event(IPC_ETLS, 0,
                                                                "sock: TLS handshake with " + address +
                                                                    " failed: " + hec.message(),
                                                                address));
                                         return;
                                       }
                                       self->accepted(ts, address);
                                     });
      } else {
        self->accepted(std::make_shared<plain_stream<tcp::socket>>(std::move(s)), address);
      }
    } else {
      self->accepted(std::make_shared<plain_stream<unix_proto::socket>>(std::move(s)), address);
    }
    self->accept_loop(acc);
  });
}

std::shared_ptr<conn_state> sock::impl::new_conn(std::shared_ptr<stream_base> s, std::string address) {
  auto c = std::make_shared<conn_state>();
  c->address = std::move(address);
  c->stream = std::move(s);
  c->max_write_queue = opt.max_write_queue;
  return c;
}

void sock::impl::accepted(std::shared_ptr<stream_base> s, std::string address) {
  auto c = new_conn(std::move(s), std::move(address));
  {
    std::lock_guard<std::mutex> lock(mu);
    c->id = next_id++;
    conns.emplace(c->id, c);
  }
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    c->up = true;
    c->fd = c->stream->direct_fd();
  }
  push(make_event(IPC_SOCK_CONNECT, c->id, c->address));
  begin_reading(c);
}

// ---- reading ----------------------------------------------------------------------

void sock::impl::reserve_read(conn_state &c) {
  if (c.rcap - c.rlen < kReadChunk) {
    std::size_t cap = std::max(c.rcap * 2, c.rlen + kReadChunk);
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (c.rlen) std::memcpy(bigger.get(), c.rbuf.get(), c.rlen);
    c.rbuf = std::move(bigger);
    c.rcap = cap;
  }
}

void sock::impl::start_read(const std::shared_ptr<conn_state> &c) {
  if (c->paused || !c->stream || closed) return;
  reserve_read(*c);
  auto s = c->stream;
  s->read_some(c->rbuf.get() + c->rlen, c->rcap - c->rlen,
               [self = shared_from_this(), c, s](const std::error_code &ec, std::size_t n) {
                 self->on_read(c, s, ec, n);
               });
}

void sock::impl::on_read(const std::shared_ptr<conn_state> &c, const std::shared_ptr<stream_base> &s,
                         const std::error_code &ec, std::size_t n) {
  if (closed || c->stream != s) return;  // closed, or a stream replaced by a reconnect
  if (ec) {
    lost(c, s, ec);
    return;
  }
  c->rlen += n;
  if (!consume(c)) {
    lost(c, s, asio::error::message_size);
    return;
  }
  if (events.over_limit()) {
    c->paused = true;
    paused.push_back(c);
    return;
  }
  start_read(c);
}

// Splits rbuf into frames at each '\f'. Scans each byte once (scan remembers
// where the last search stopped), so a large frame arriving in many reads costs
// time linear in its size — node-ipc rescans its whole buffer on every read.
// The bytes read so far become events: raw chunks, or the whole frames among
// them. False: an oversized frame (reported; the caller closes the connection).
bool sock::impl::consume(const std::shared_ptr<conn_state> &c) {
  if (opt.raw) {
    sock_event e = make_event(IPC_SOCK_DATA, c->id, c->address);
    e.data.assign(c->rbuf.get(), c->rlen);
    c->rlen = 0;
    push(std::move(e));
  } else if (!take_frames(c)) {
    return false;
  }
  // Keep a burst's big buffer from pinning memory once the burst is over (but
  // keep it while frames that need it keep coming).
  if (c->rlen == 0 && c->rcap > 4 * kReadChunk && c->last_frame * 4 < c->rcap) {
    c->rbuf.reset();
    c->rcap = 0;
  }
  return true;
}

bool sock::impl::take_frames(const std::shared_ptr<conn_state> &c) {
  char *b = c->rbuf.get();
  std::size_t start = 0;
  c->last_frame = 0;
  for (;;) {
    void *f = std::memchr(b + c->scan, '\f', c->rlen - c->scan);
    if (!f) {
      c->scan = c->rlen;
      break;
    }
    std::size_t end = static_cast<std::size_t>(static_cast<char *>(f) - b);
    if (end - start > opt.max_frame) break;  // reported below
    deliver_text(c->id, c->address, std::string_view(b + start, end - start));
    c->last_frame = std::max(c->last_frame, end - start);
    start = end + 1;
    c->scan = start;
  }
  // An oversized frame, whole (the loop stopped at it) or still arriving.
  std::size_t partial = c->rlen - start;
  if (partial > opt.max_frame) {
    push(error_event(IPC_EMSGSIZE, c->id,
                     "sock: frame from " + c->address + " exceeds maxFrame (" + std::to_string(opt.max_frame) +
                         " bytes); connection closed",
                     c->address));
    return false;
  }
  if (start > 0) {
    std::memmove(b, b + start, partial);
    c->rlen = partial;
    c->scan -= start;
  }
  return true;
}

void sock::impl::deliver_text(std::uint64_t conn, const std::string &address, std::string_view payload) {
  // Whitespace between frames (some writers end lines) is not a frame.
  std::size_t i = 0;
  while (i < payload.size() && (payload[i] == ' ' || payload[i] == '\n' || payload[i] == '\r' || payload[i] == '\t')) ++i;
  if (i == payload.size()) return;
  frame f;
  std::string why;
  if (parse_frame(payload, f, &why)) {
    sock_event e = make_event(IPC_SOCK_MESSAGE, conn, address);
    e.type = std::move(f.type);
    e.data = std::move(f.data);
    push(std::move(e));
  } else {
    push(error_event(IPC_EILSEQ, conn, "sock: " + why + " (from " + address + "; frame dropped)", address));
  }
}

// ---- inline reading ("inlineReads") -------------------------------------------------
//
// The thread that takes events reads the sockets itself (event_queue calls
// pump_inline while it takes or waits), as an event loop does: the kernel
// wakes that thread directly, where the I/O thread would wake and then wake
// it — a thread hop saved per event received, the larger part of a round
// trip. Only plain Unix and TCP connections: TLS records and UDP stay on the
// I/O thread, and so do accepting, connecting, writing and reconnecting.

void sock::impl::setup_inline() {
#ifdef __linux__
  if (!opt.inline_reads || opt.is_udp() || opt.kind == transport::tls) return;
  epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) throw_errno(errno, "sock: epoll_create1");
  int wake = events.set_reader([this] { pump_inline(); }, epfd);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, wake, &ev) != 0) throw_errno(errno, "sock: epoll_ctl");
#endif
}

// I/O thread: a connection is up; who reads it.
void sock::impl::begin_reading(const std::shared_ptr<conn_state> &c) {
#ifdef __linux__
  int fd = epfd >= 0 ? c->stream->direct_fd() : -1;
  if (fd >= 0) {
    std::lock_guard<std::mutex> lock(c->rmu);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
      c->rfd = fd;
      c->rstream = c->stream;
      return;
    }
    // (cannot happen for a fresh socket; the I/O thread reads it then)
  }
#endif
  start_read(c);
}

// I/O thread, before the socket closes: no taking thread reads it after this
// returns (one reading now finishes first).
void sock::impl::stop_inline(const std::shared_ptr<conn_state> &c) {
#ifdef __linux__
  if (epfd < 0) return;
  std::lock_guard<std::mutex> lock(c->rmu);
  if (c->rfd >= 0) {
    // (The epoll set is shared with a fork()ed child, or a parent: only the
    // process that made it changes it.)
    if (::getpid() == owner_pid) ::epoll_ctl(epfd, EPOLL_CTL_DEL, c->rfd, nullptr);
    c->rfd = -1;
    c->rstream.reset();
  }
#else
  (void)c;
#endif
}

// A taking thread: reads every connection that is readable now.
void sock::impl::pump_inline() {
#ifdef __linux__
  epoll_event evs[64];
  int n = ::epoll_wait(epfd, evs, 64, 0);
  for (int i = 0; i < n; ++i) {
    std::uint64_t id = evs[i].data.u64;
    if (id == kWakeTag) continue;  // the queue's eventfd: the queue clears it
    std::shared_ptr<conn_state> c;
    if (!opt.server) {
      c = client;
    } else {
      std::lock_guard<std::mutex> lock(mu);
      auto it = conns.find(id);
      if (it != conns.end()) c = it->second;
    }
    if (c) read_inline(c);
  }
#endif
}

void sock::impl::read_inline(const std::shared_ptr<conn_state> &c) {
#ifdef __linux__
  std::unique_lock<std::mutex> lock(c->rmu, std::try_to_lock);
  if (!lock || c->rfd < 0) return;  // another thread is reading it, or it is closing
  std::error_code loss;
  for (int round = 0; round < kInlineReads; ++round) {
    // Past maxEventQueue, leave it in the socket (backpressure): taking makes
    // room, and the next take or wait reads on.
    if (events.over_limit()) return;
    reserve_read(*c);
    std::size_t room = c->rcap - c->rlen;
    ssize_t k = ::recv(c->rfd, c->rbuf.get() + c->rlen, room, MSG_DONTWAIT);
    if (k > 0) {
      c->rlen += static_cast<std::size_t>(k);
      if (!consume(c)) {
        loss = asio::error::message_size;
        break;
      }
      if (static_cast<std::size_t>(k) < room) return;  // a short read: the socket is empty
      continue;
    }
    if (k == 0) {
      loss = asio::error::eof;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    loss = std::error_code(errno, asio::error::get_system_category());
    break;
  }
  if (!loss) return;
  // Lost: stop reading it here, and let the I/O thread close it and report
  // (after the events already pushed, which stay first in the queue).
  if (::getpid() == owner_pid) ::epoll_ctl(epfd, EPOLL_CTL_DEL, c->rfd, nullptr);
  c->rfd = -1;
  auto s = std::move(c->rstream);
  lock.unlock();
  post([self = shared_from_this(), c, s, loss] { self->lost(c, s, loss); });
#else
  (void)c;
#endif
}

void sock::impl::resume_paused() {
  auto list = std::move(paused);
  paused.clear();
  for (auto &w : list) {
    if (auto c = w.lock()) {
      c->paused = false;
      start_read(c);
    }
  }
  if (udp_sock && udp_sock->is_open()) udp_receive();
}

// ---- writing ----------------------------------------------------------------------

int sock::impl::enqueue(const std::shared_ptr<conn_state> &c, std::string_view bytes, bool broadcast) {
  bool kick = false;
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    if (c->gone) return opt.server ? IPC_ENOENT : IPC_ECLOSED;
    if (c->queued_locked() >= c->max_write_queue) {
      if (broadcast) {
        // Dropped now (the I/O thread closes it): later broadcasts skip it.
        c->gone = true;
        c->up = false;
        c->fd = -1;
        c->back.clear();
        return IPC_ENOSPC;
      }
      c->refused = true;
      return IPC_EAGAIN;
    }
    // Idle connection: write now, from this thread, and save the two thread
    // hand-offs (to the I/O thread and back) a queued write costs — the bulk of
    // a round trip. Not twice within kBurst, though: emits that come faster
    // than that are a burst, better queued and written by the I/O thread in
    // one go (a round trip is never that short).
    if (c->fd >= 0 && c->up && !c->writing && !c->kick_posted && c->back.empty()) {
      auto now = std::chrono::steady_clock::now();
      if (now - c->last_direct > kBurst) {
        c->last_direct = now;
        ssize_t n = ::send(c->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == static_cast<ssize_t>(bytes.size())) return IPC_OK;
        // Partial, would block, or an error the I/O thread will meet too.
        if (n > 0) bytes.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    c->back.append(bytes.data(), bytes.size());
    if (c->up && !c->writing && !c->kick_posted) kick = c->kick_posted = true;
  }
  if (kick) post([self = shared_from_this(), c] { self->start_write(c); });
  return IPC_OK;
}

void sock::impl::start_write(const std::shared_ptr<conn_state> &c) {
  std::shared_ptr<stream_base> s = c->stream;
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    c->kick_posted = false;
    if (c->writing || !c->up || c->back.empty() || !s) return;
    c->front.swap(c->back);
    c->writing = true;
  }
  s->write(c->front.data(), c->front.size(), [self = shared_from_this(), c, s](const std::error_code &ec, std::size_t) {
    if (self->closed || c->stream != s) return;
    if (ec) {
      self->lost(c, s, ec);
      return;
    }
    bool drain = false;
    {
      std::lock_guard<std::mutex> lock(c->wmu);
      c->writing = false;
      c->front.clear();
      if (c->front.capacity() > (1u << 20)) std::string().swap(c->front);
      if (c->refused && c->queued_locked() <= c->max_write_queue / 2) {
        c->refused = false;
        drain = true;
      }
    }
    if (drain) self->push(make_event(IPC_SOCK_DRAIN, c->id, c->address));
    self->start_write(c);
  });
}

int sock::impl::deliver(std::uint64_t conn, std::string_view bytes, bool frames) {
  if (closed) throw_error(IPC_ECLOSED, "sock: handle is closed");
  if (udp_sock) {
    std::vector<udp::endpoint> to;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!opt.server && (conn == 0 || conn == IPC_SOCK_ALL)) {
        to.push_back(udp_remote);
      } else if (conn == IPC_SOCK_ALL) {
        for (auto &kv : udp_peers) to.push_back(kv.second);
      } else {
        auto it = udp_peers.find(conn);
        if (it == udp_peers.end()) throw_error(IPC_ENOENT, "sock: no UDP peer " + std::to_string(conn));
        to.push_back(it->second);
      }
    }
    // One frame per datagram, as node-ipc sends them.
    std::vector<std::string_view> grams;
    if (frames) {
      std::size_t start = 0;
      while (start < bytes.size()) {
        std::size_t end = bytes.find('\f', start);
        if (end == std::string_view::npos) end = bytes.size() - 1;
        grams.push_back(bytes.substr(start, end + 1 - start));
        start = end + 1;
      }
    } else {
      grams.push_back(bytes);
    }
    for (auto g : grams)
      if (g.size() > kMaxDatagram)
        throw_error(IPC_EMSGSIZE, "sock: a UDP frame is limited to " + std::to_string(kMaxDatagram) + " bytes");
    for (const auto &ep : to)
      for (auto g : grams) {
        int rc = udp_send(ep, g);
        if (rc != IPC_OK) return rc;
      }
    return IPC_OK;
  }
  if (!opt.server) {
    if (client_gone) throw_error(IPC_ECLOSED, "sock: client destroyed (no more reconnects)");
    return enqueue(client, bytes, false);
  }
  if (conn != IPC_SOCK_ALL) {
    std::shared_ptr<conn_state> c;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = conns.find(conn);
      if (it != conns.end()) c = it->second;
    }
    if (!c) throw_error(IPC_ENOENT, "sock: no connection " + std::to_string(conn));
    int rc = enqueue(c, bytes, false);
    if (rc == IPC_ENOENT) throw_error(IPC_ENOENT, "sock: connection " + std::to_string(conn) + " is closed");
    return rc;
  }
  std::vector<std::shared_ptr<conn_state>> all;
  {
    std::lock_guard<std::mutex> lock(mu);
    all.reserve(conns.size());
    for (auto &kv : conns) all.push_back(kv.second);
  }
  for (auto &c : all) {
    if (enqueue(c, bytes, true) == IPC_ENOSPC) {
      // A reader this slow would hold every broadcast back or grow without
      // bound: drop it, and say so.
      post([self = shared_from_this(), c] {
        self->push(error_event(IPC_ENOSPC, c->id,
                               "sock: connection " + std::to_string(c->id) + " (" + c->address +
                                   ") reads too slowly: write queue over maxWriteQueue; disconnected",
                               c->address));
        self->lost(c, c->stream, asio::error::no_buffer_space);
      });
    }
  }
  return IPC_OK;
}

int sock::impl::udp_send(const udp::endpoint &to, std::string_view datagram) {
  if (udp_pending.load() >= opt.max_write_queue) {
    std::lock_guard<std::mutex> lock(mu);
    udp_refused = true;
    return IPC_EAGAIN;
  }
  auto data = std::make_shared<std::string>(datagram);
  udp_pending += data->size();
  post([self = shared_from_this(), to, data] {
    if (self->closed) return;
    self->udp_sock->async_send_to(asio::buffer(*data), to, [self, data](const std::error_code &ec, std::size_t) {
      std::size_t left = self->udp_pending -= data->size();
      if (ec && ec != asio::error::operation_aborted && !self->closed)
        self->push(error_event(errc_from(ec), 0, "sock: UDP send: " + ec.message()));
      bool drain = false;
      {
        std::lock_guard<std::mutex> lock(self->mu);
        if (self->udp_refused && left <= self->opt.max_write_queue / 2) {
          self->udp_refused = false;
          drain = true;
        }
      }
      if (drain) self->push(make_event(IPC_SOCK_DRAIN, 0));
    });
  });
  return IPC_OK;
}

// ---- losing connections -------------------------------------------------------------

void sock::impl::lost(const std::shared_ptr<conn_state> &c, const std::shared_ptr<stream_base> &s,
                      const std::error_code &ec) {
  if (!s || c->stream != s) return;  // already handled
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    c->fd = -1;  // before the close: no caller may write to it any more
  }
  stop_inline(c);  // nor read from it
  s->close();
  c->stream.reset();
  c->rlen = c->scan = 0;
  c->paused = false;
  bool benign = ec == asio::error::eof || ec == asio::error::connection_reset ||
                ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
                ec == asio::error::message_size || ec == asio::error::no_buffer_space ||
                // a TLS peer that closed without close_notify (we do the same)
                ec == asio::ssl::error::stream_truncated;
  if (opt.server) {
    {
      std::lock_guard<std::mutex> lock(c->wmu);
      c->gone = true;
      c->up = false;
      c->back.clear();
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      conns.erase(c->id);
    }
    if (!benign && !closed)
      push(error_event(errc_from(ec), c->id, "sock: connection " + c->address + ": " + ec.message(), c->address));
    if (!closed) push(make_event(IPC_SOCK_DISCONNECT, c->id, c->address));
    return;
  }
  // Client: frames half written are gone with the connection; whole ones
  // appended since stay queued for the next connection.
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    c->up = false;
    c->writing = false;
    c->front.clear();
  }
  if (closed) return;
  if (!benign) push(error_event(errc_from(ec), 0, "sock: connection to " + address_text + ": " + ec.message(), address_text));
  push(make_event(IPC_SOCK_DISCONNECT, 0, address_text));
  client_retry_or_destroy();
}

// ---- the client ----------------------------------------------------------------------

void sock::impl::client_attempt() {
  if (closed || destroyed) return;
  auto self = shared_from_this();
  if (opt.kind == transport::unix_stream) {
    auto sock = std::make_shared<unix_proto::socket>(io);
    std::error_code oec;
    sock->open(unix_proto(), oec);  // opened here, not by async_connect, to mark it close-on-exec
    if (oec) return client_failed(oec, "socket");
    set_cloexec(sock->native_handle());
    sock->async_connect(unix_proto::endpoint(opt.path), [self, sock](const std::error_code &ec) {
      if (self->closed || self->destroyed) return;
      if (ec) return self->client_failed(ec, "connect to \"" + self->opt.path + "\"");
      self->client_up(std::make_shared<plain_stream<unix_proto::socket>>(std::move(*sock)));
    });
    return;
  }
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(opt.host, std::to_string(opt.port), [self, resolver](const std::error_code &ec, tcp::resolver::results_type results) {
    if (self->closed || self->destroyed) return;
    if (ec) return self->client_failed(ec, "resolve \"" + self->opt.host + "\"");
    if (results.empty()) return self->client_failed(asio::error::host_not_found, "resolve \"" + self->opt.host + "\"");
    self->client_connect_tcp(std::vector<tcp::endpoint>(results.begin(), results.end()), 0);
  });
}

// Tries the resolved addresses in order (as asio::async_connect would, but
// opening each socket ourselves so it is close-on-exec).
void sock::impl::client_connect_tcp(std::vector<tcp::endpoint> eps, std::size_t i) {
  auto self = shared_from_this();
  auto sock = std::make_shared<tcp::socket>(io);
  std::error_code oec;
  sock->open(eps[i].protocol(), oec);
  if (oec) return client_failed(oec, "socket");
  set_cloexec(sock->native_handle());
  sock->async_connect(eps[i], [self, sock, eps, i](const std::error_code &cec) {
      if (self->closed || self->destroyed) return;
      if (cec && i + 1 < eps.size()) return self->client_connect_tcp(eps, i + 1);
      if (cec) return self->client_failed(cec, "connect to " + self->address_text);
      std::error_code e2;
      sock->set_option(tcp::no_delay(true), e2);
      if (!self->ssl) {
        self->client_up(std::make_shared<plain_stream<tcp::socket>>(std::move(*sock)));
        return;
      }
      auto ts = std::make_shared<tls_stream>(std::move(*sock), *self->ssl);
      std::string name = self->opt.tls.servername.empty() ? self->opt.host : self->opt.tls.servername;
      if (!is_ip_literal(name)) SSL_set_tlsext_host_name(ts->stream().native_handle(), name.c_str());
      ts->stream().async_handshake(asio::ssl::stream_base::client, [self, ts](const std::error_code &hec) {
        if (self->closed || self->destroyed) return;
        if (hec) {
          ts->close();
          std::error_code tls_ec = hec;
          return self->client_failed(tls_ec, "TLS handshake with " + self->address_text);
        }
        self->client_up(ts);
      });
  });
}

void sock::impl::client_up(std::shared_ptr<stream_base> s) {
  auto c = client;
  c->stream = std::move(s);
  c->rlen = c->scan = 0;
  c->paused = false;
  retries_left = opt.max_retries;
  failures = 0;
  bool kick;
  {
    std::lock_guard<std::mutex> lock(c->wmu);
    c->up = true;
    c->writing = false;
    c->fd = c->stream->direct_fd();
    kick = !c->back.empty();
  }
  push(make_event(IPC_SOCK_CONNECT, 0, address_text));
  begin_reading(c);
  if (kick) start_write(c);
}

void sock::impl::client_failed(const std::error_code &ec, const std::string &what) {
  errc code = errc_from(ec);
  if (ssl && (ec.category() == asio::error::get_ssl_category() || code == IPC_EIO)) code = IPC_ETLS;
  push(error_event(code, 0, "sock: " + what + ": " + ec.message(), address_text));
  client_retry_or_destroy();
}

void sock::impl::client_retry_or_destroy() {
  if (closed || destroyed) return;
  if (explicit_disconnect || opt.stop_retrying || (opt.max_retries >= 0 && retries_left < 1)) {
    client_destroy();
    return;
  }
  if (opt.max_retries >= 0) --retries_left;
  double delay = static_cast<double>(opt.retry_ms) * std::pow(opt.backoff, failures);
  delay = std::min(delay, std::max(static_cast<double>(opt.retry_max_ms), static_cast<double>(opt.retry_ms)));
  ++failures;
  retry_timer.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(delay)));
  retry_timer.async_wait([self = shared_from_this()](const std::error_code &ec) {
    if (!ec) self->client_attempt();
  });
}

void sock::impl::client_destroy() {
  if (destroyed) return;
  destroyed = true;
  client_gone = true;
  retry_timer.cancel();
  {
    std::lock_guard<std::mutex> lock(client->wmu);
    client->gone = true;
    client->up = false;
    client->back.clear();
  }
  if (!closed) push(make_event(IPC_SOCK_DESTROY, 0, address_text));
}

// ---- UDP ---------------------------------------------------------------------------

std::uint64_t sock::impl::udp_id_for(const udp::endpoint &e) {
  if (!opt.server && e == udp_remote) return 0;
  std::lock_guard<std::mutex> lock(mu);
  auto it = udp_ids.find(e);
  if (it != udp_ids.end()) return it->second;
  if (udp_order.size() >= kMaxUdpPeers) {  // forget the oldest sender
    std::uint64_t old = udp_order.front();
    udp_order.pop_front();
    auto p = udp_peers.find(old);
    if (p != udp_peers.end()) {
      udp_ids.erase(p->second);
      udp_peers.erase(p);
    }
  }
  std::uint64_t id = next_id++;
  udp_ids.emplace(e, id);
  udp_peers.emplace(id, e);
  udp_order.push_back(id);
  return id;
}

void sock::impl::udp_receive() {
  udp_sock->async_receive_from(asio::buffer(dgram), udp_from, [self = shared_from_this()](const std::error_code &ec, std::size_t n) {
    if (self->closed) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // ICMP port unreachable from an earlier send and the like: report, go on.
      self->push(error_event(errc_from(ec), 0, "sock: UDP receive: " + ec.message()));
      self->udp_receive();
      return;
    }
    std::uint64_t id = self->udp_id_for(self->udp_from);
    std::string address = endpoint_text(self->udp_from);
    if (n > self->opt.max_frame || n > kMaxDatagram) {
      self->push(error_event(IPC_EMSGSIZE, id, "sock: datagram from " + address + " exceeds maxFrame; dropped", address));
    } else if (self->opt.raw) {
      sock_event e = make_event(IPC_SOCK_DATA, id, address);
      e.data.assign(self->dgram.data(), n);
      self->push(std::move(e));
    } else {
      std::string_view all(self->dgram.data(), n);
      std::size_t start = 0;
      while (start < all.size()) {
        std::size_t end = all.find('\f', start);
        if (end == std::string_view::npos) end = all.size();
        self->deliver_text(id, address, all.substr(start, end - start));
        start = end + 1;
      }
    }
    if (self->events.over_limit()) return;  // resume_paused() restarts us
    self->udp_receive();
  });
}

// ---- closing -------------------------------------------------------------------------

void sock::impl::shutdown_all() {
  std::error_code ec;
  if (tcp_acceptor) tcp_acceptor->close(ec);
  if (unix_acceptor) {
    unix_acceptor->close(ec);
    struct stat st {};
    // Only the process that made it removes it (not a fork()ed child closing
    // the handle it inherited), and only if it is still ours.
    if (::getpid() == owner_pid && ::stat(opt.path.c_str(), &st) == 0 && st.st_ino == unix_ino)
      ::unlink(opt.path.c_str());
  }
  retry_timer.cancel();
  if (udp_sock) udp_sock->close(ec);
  std::map<std::uint64_t, std::shared_ptr<conn_state>> all;
  {
    std::lock_guard<std::mutex> lock(mu);
    all.swap(conns);
  }
  if (client) all.emplace(0, client);
  for (auto &kv : all) {
    auto &c = kv.second;
    {
      std::lock_guard<std::mutex> lock(c->wmu);
      c->gone = true;
      c->up = false;
      c->fd = -1;
      c->back.clear();
    }
    stop_inline(c);
    // A fork()ed child closing the handle it inherited: its parent's
    // connections go on (no shutdown, which would end them for both).
    if (c->stream) c->stream->close(::getpid() == owner_pid);
    c->stream.reset();
  }
  paused.clear();
}

// ---- the public class -------------------------------------------------------------------

sock::sock(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

sock::~sock() { interrupt(); }

std::shared_ptr<sock> sock::listen(std::string_view options_json) {
  auto p = std::make_shared<impl>(parse_options(options_json, true));
  if (p->opt.kind == transport::tls) p->setup_tls();
  p->setup_inline();
  switch (p->opt.kind) {
    case transport::unix_stream: p->listen_unix(); break;
    case transport::tcp:
    case transport::tls: p->listen_tcp(); break;
    case transport::udp4:
    case transport::udp6: p->open_udp(); break;
  }
  p->events.set_on_room([w = std::weak_ptr<impl>(p)] {
    if (auto s = w.lock()) s->post([s] { s->resume_paused(); });
  });
  p->push(make_event(IPC_SOCK_START, 0, p->address_text));
  p->post([p] {
    if (p->closed) return;
    if (p->unix_acceptor) p->accept_loop(*p->unix_acceptor);
    if (p->tcp_acceptor) p->accept_loop(*p->tcp_acceptor);
    if (p->udp_sock) p->udp_receive();
  });
  return std::shared_ptr<sock>(new sock(p));
}

std::shared_ptr<sock> sock::connect(std::string_view options_json) {
  auto p = std::make_shared<impl>(parse_options(options_json, false));
  if (p->opt.kind == transport::tls) p->setup_tls();
  p->setup_inline();
  p->client = std::make_shared<conn_state>();
  p->client->max_write_queue = p->opt.max_write_queue;
  p->retries_left = p->opt.max_retries;
  p->events.set_on_room([w = std::weak_ptr<impl>(p)] {
    if (auto s = w.lock()) s->post([s] { s->resume_paused(); });
  });
  if (p->opt.is_udp()) {
    p->open_udp();
    {
      std::lock_guard<std::mutex> lock(p->client->wmu);
      p->client->up = true;
    }
    p->push(make_event(IPC_SOCK_CONNECT, 0, p->address_text));
    p->post([p] {
      if (!p->closed) p->udp_receive();
    });
  } else {
    p->address_text = p->opt.kind == transport::unix_stream
                          ? p->opt.path
                          : (p->opt.host.find(':') != std::string::npos ? "[" + p->opt.host + "]" : p->opt.host) +
                                ":" + std::to_string(p->opt.port);
    p->post([p] { p->client_attempt(); });
  }
  p->client->address = p->address_text;
  return std::shared_ptr<sock>(new sock(p));
}

int sock::emit(std::uint64_t conn, std::string_view type, std::string_view data_json) {
  if (impl_->opt.raw) throw_error(IPC_ENOTSUP, "sock: raw mode: use send(), not emit()");
  if (!data_json.empty() && !json_valid(data_json)) throw_error(IPC_EILSEQ, "sock: emit data is not valid JSON");
  std::string f;
  append_frame(f, json_quote(type), data_json);  // json_quote: IPC_EILSEQ for bad UTF-8
  return impl_->deliver(conn, f, true);
}

int sock::emit_frames(std::uint64_t conn, std::string_view frames) {
  if (impl_->opt.raw) throw_error(IPC_ENOTSUP, "sock: raw mode: use send(), not emit_frames()");
  if (frames.empty()) return IPC_OK;
  if (frames.back() != '\f') throw_error(IPC_EILSEQ, "sock: frames must each end with '\\f'");
  std::size_t start = 0;
  std::string why;
  while (start < frames.size()) {
    std::size_t end = frames.find('\f', start);
    if (!frame_valid(frames.substr(start, end - start), &why)) throw_error(IPC_EILSEQ, "sock: emit_frames: " + why);
    start = end + 1;
  }
  return impl_->deliver(conn, frames, true);
}

int sock::send(std::uint64_t conn, const void *bytes, std::size_t len) {
  if (!impl_->opt.raw) throw_error(IPC_ENOTSUP, "sock: send() is for raw mode (\"raw\": true); use emit()");
  if (len == 0) return IPC_OK;
  if (!bytes) throw_error(IPC_EINVAL, "sock: bytes is NULL");
  return impl_->deliver(conn, std::string_view(static_cast<const char *>(bytes), len), false);
}

int sock::next(sock_event &ev, std::int64_t timeout_ms) { return impl_->events.pop(ev, timeout_ms); }

int sock::next_many(void *buf, std::size_t cap, std::size_t max_count, std::size_t *out_count,
                    std::size_t *out_bytes, std::int64_t timeout_ms) {
  return impl_->events.pop_many(buf, cap, max_count, out_count, out_bytes, timeout_ms);
}

void sock::disconnect(std::uint64_t conn) {
  auto p = impl_;
  if (p->closed) throw_error(IPC_ECLOSED, "sock: handle is closed");
  if (p->udp_sock) {
    if (!p->opt.server) {
      p->run_on_io([&] {
        if (!p->destroyed) p->client_destroy();
      });
      return;
    }
    std::lock_guard<std::mutex> lock(p->mu);
    auto it = p->udp_peers.find(conn);
    if (it == p->udp_peers.end()) throw_error(IPC_ENOENT, "sock: no UDP peer " + std::to_string(conn));
    p->udp_ids.erase(it->second);
    p->udp_peers.erase(it);
    p->udp_order.erase(std::remove(p->udp_order.begin(), p->udp_order.end(), conn), p->udp_order.end());
    return;
  }
  if (!p->opt.server) {
    p->run_on_io([&] {
      p->explicit_disconnect = true;
      if (p->client->stream) p->lost(p->client, p->client->stream, asio::error::operation_aborted);
      else p->client_destroy();
    });
    return;
  }
  std::shared_ptr<conn_state> c;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    auto it = p->conns.find(conn);
    if (it != p->conns.end()) c = it->second;
  }
  if (!c) throw_error(IPC_ENOENT, "sock: no connection " + std::to_string(conn));
  p->post([p, c] { p->lost(c, c->stream, asio::error::operation_aborted); });
}

std::uint64_t sock::peer(std::string_view host, std::uint16_t port) {
  if (!impl_->udp_sock) throw_error(IPC_ENOTSUP, "sock: peer() is for UDP sockets");
  udp::endpoint e = resolve_one<udp>(impl_->io, std::string(host), port, impl_->opt.kind == transport::udp6);
  if (e.protocol() != impl_->udp_sock->local_endpoint().protocol())
    throw_error(IPC_EINVAL, "sock: peer address family differs from the socket's (udp4 vs udp6)");
  if (!impl_->opt.server && e == impl_->udp_remote) return 0;
  return impl_->udp_id_for(e);
}

std::uint16_t sock::local_port() const { return impl_->port; }
std::string sock::address() const { return impl_->address_text; }

std::size_t sock::connections() const {
  if (!impl_->opt.server) {
    std::lock_guard<std::mutex> lock(impl_->client->wmu);
    return impl_->client->up ? 1 : 0;
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->udp_sock ? impl_->udp_peers.size() : impl_->conns.size();
}

std::size_t sock::pending(std::uint64_t conn) const {
  if (impl_->udp_sock) return impl_->udp_pending.load();
  std::shared_ptr<conn_state> c;
  if (!impl_->opt.server) {
    c = impl_->client;
  } else {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->conns.find(conn);
    if (it != impl_->conns.end()) c = it->second;
  }
  if (!c) throw_error(IPC_ENOENT, "sock: no connection " + std::to_string(conn));
  std::lock_guard<std::mutex> lock(c->wmu);
  return c->queued_locked();
}

void sock::notify(std::function<void()> fn) { impl_->events.notify(std::move(fn)); }
void sock::notify_arm() { impl_->events.notify_arm(); }
int sock::notify_fd() { return impl_->events.notify_fd(); }

void sock::interrupt() noexcept {
  auto p = impl_;
  if (!p || p->closed.exchange(true)) return;
  p->events.close();
  try {
    p->run_on_io([p] { p->shutdown_all(); });
  } catch (...) {
  }
}

std::string sock::default_root() { return sock_detail::default_root(); }

}  // namespace ipc
