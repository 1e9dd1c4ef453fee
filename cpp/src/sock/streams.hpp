// libipc core — one interface over the byte streams a sock connection can run
// on (a Unix stream socket, a TCP socket, TLS over TCP), so the framing,
// queueing and reconnect logic in sock.cpp is written once.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <fcntl.h>
#include <functional>
#include <system_error>

namespace ipc::sock_detail {

using io_handler = std::function<void(const std::error_code &, std::size_t)>;

// Every descriptor libipc opens is close-on-exec: a child the application
// spawns must not inherit our listeners and connections (it would keep a port
// bound, or a peer from ever seeing a disconnect). Asio opens sockets without
// SOCK_CLOEXEC, so each is marked right after it is opened or accepted.
inline void set_cloexec(int fd) noexcept {
  if (fd >= 0) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

class stream_base {
public:
  virtual ~stream_base() = default;
  // The socket's descriptor for writes straight from a caller's thread, or -1
  // where that is not possible (TLS: the record layer belongs to the I/O thread).
  virtual int direct_fd() noexcept { return -1; }
  virtual void read_some(char *p, std::size_t n, io_handler h) = 0;
  virtual void write(const char *p, std::size_t n, io_handler h) = 0;  // all n bytes
  // shutdown false: only this process's descriptor goes (a fork()ed child
  // closing what it inherited must not end its parent's connection).
  virtual void close(bool shutdown = true) noexcept = 0;
};

// A plain socket: asio::ip::tcp::socket or asio::local::stream_protocol::socket.
template <class Socket> class plain_stream final : public stream_base {
public:
  explicit plain_stream(Socket s) : s_(std::move(s)) { set_cloexec(s_.native_handle()); }
  int direct_fd() noexcept override { return s_.native_handle(); }
  void read_some(char *p, std::size_t n, io_handler h) override {
    s_.async_read_some(asio::buffer(p, n), std::move(h));
  }
  void write(const char *p, std::size_t n, io_handler h) override {
    asio::async_write(s_, asio::buffer(p, n), std::move(h));
  }
  void close(bool shutdown = true) noexcept override {
    std::error_code ec;
    if (shutdown) s_.shutdown(Socket::shutdown_both, ec);
    s_.close(ec);
  }
  Socket &socket() { return s_; }

private:
  Socket s_;
};

// TLS over TCP. Closing does not wait for a close_notify exchange: a peer
// gone bad must not hold the I/O thread, and node-ipc's peers do not need it.
class tls_stream final : public stream_base {
public:
  tls_stream(asio::ip::tcp::socket s, asio::ssl::context &ctx) : s_(std::move(s), ctx) {
    set_cloexec(s_.lowest_layer().native_handle());
  }
  void read_some(char *p, std::size_t n, io_handler h) override {
    s_.async_read_some(asio::buffer(p, n), std::move(h));
  }
  void write(const char *p, std::size_t n, io_handler h) override {
    asio::async_write(s_, asio::buffer(p, n), std::move(h));
  }
  void close(bool shutdown = true) noexcept override {
    std::error_code ec;
    if (shutdown) s_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    s_.lowest_layer().close(ec);
  }
  asio::ssl::stream<asio::ip::tcp::socket> &stream() { return s_; }

private:
  asio::ssl::stream<asio::ip::tcp::socket> s_;
};

}  // namespace ipc::sock_detail
