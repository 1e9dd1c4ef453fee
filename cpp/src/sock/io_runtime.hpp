// libipc core — the process's one I/O thread for sockets.
//
// Every sock handle's sockets run on one asio::io_context served by one
// library-owned thread, so all socket state is touched by that thread only
// (an implicit strand) and user threads talk to it by posting. It starts with
// the first handle and lives for the rest of the process: stopping and joining
// it when handles come and go would race with handlers that drop the last
// reference to a handle on that very thread. At exit it is simply abandoned,
// blocked in epoll_wait, which is harmless.
//
// fork(): the child has no copy of the thread. The first use of the runtime in
// the child (opening, emitting to or closing a socket) re-creates Asio's
// reactor state (io_context::notify_fork) and starts the child's own thread,
// so sockets work in the child and closing an inherited handle does not wait
// for a thread that is not there.
#pragma once

#include <asio/io_context.hpp>

namespace ipc::sock_detail {

// The context, with its thread running in this process.
asio::io_context &io_context();
bool on_io_thread() noexcept;

}  // namespace ipc::sock_detail
