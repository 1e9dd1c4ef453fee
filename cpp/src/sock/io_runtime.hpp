// libipc core — the process's one I/O thread for sockets.
//
// Every sock handle's sockets run on one asio::io_context served by one
// library-owned thread, so all socket state is touched by that thread only
// (an implicit strand) and user threads talk to it by posting. It starts with
// the first handle and lives for the rest of the process: stopping and joining
// it when handles come and go would race with handlers that drop the last
// reference to a handle on that very thread. At exit it is simply abandoned,
// blocked in epoll_wait, which is harmless. (A child made by fork() has no I/O
// thread: open sockets after fork, not before.)
#pragma once

#include <asio/io_context.hpp>

namespace ipc::sock_detail {

asio::io_context &io_context();
bool on_io_thread() noexcept;

}  // namespace ipc::sock_detail
