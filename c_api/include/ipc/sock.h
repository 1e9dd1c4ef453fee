/* libipc — socket channels (ipc_sock_*): event messaging between processes over
 * Unix stream sockets, TCP (IPv4/IPv6), TLS over TCP and UDP, speaking
 * node-ipc's wire format so that node-ipc programs and libipc programs talk to
 * each other.
 *
 * ENDPOINTS. One handle type, ipc_sock_t, for both ends: ipc_sock_listen()
 * makes a server (accepts many connections, each with an id), ipc_sock_connect()
 * a client (one connection, reconnecting per its retry options). Both take
 * their options as a JSON object text (see OPTIONS below), so the same options
 * read the same in every language and new ones never change the ABI.
 *
 * MESSAGES are events (type, data): `type` a string, `data` JSON text (each
 * binding turns it into its own values). On the wire each is node-ipc's frame,
 * UTF-8 `{"type":<type>,"data":<data>}` followed by a form feed '\f'; frames
 * split or merged across reads are handled. In raw mode ("raw": true, node-ipc's
 * rawBuffer) bytes go unframed and arrive as IPC_SOCK_DATA events as read. UDP
 * sends one frame per datagram.
 *
 * EVENTS. Everything that happens — the server started, a connection came or
 * went, a message arrived, an error — is queued on the handle as an event and
 * taken with ipc_sock_next() (one, into a struct) or ipc_sock_next_many() (a
 * batch, packed into a buffer; what bindings use). Waiting is per timeout_ms
 * (IPC_INFINITE, IPC_NOWAIT, or milliseconds). For event loops,
 * ipc_sock_notify()/ipc_sock_notify_arm()/ipc_sock_notify_fd() work as
 * ipc_mq_notify*: readiness means "an event is queued" — or, with inline
 * reads (below), "an event is queued or a connection has bytes to read".
 *
 * THREADS. libipc owns the I/O: one thread per process (started by the first
 * handle, then kept for the life of the process; a child after fork() starts
 * its own on first use, and closing a handle it inherited leaves the
 * parent's connections alone) runs every socket: it accepts, connects, reconnects,
 * writes, runs TLS and UDP. No user code ever runs on it; notify callbacks run
 * on a libipc watcher thread (see ipc_notify_fn in types.h).
 *
 * INLINE READS ("inlineReads", default true). Unix and TCP connections are
 * read by the thread that takes events — inside ipc_sock_next*() (also with
 * IPC_NOWAIT), while it waits there, or on the watcher thread in callback mode
 * — as an event loop reads its sockets: the kernel wakes the taking thread
 * directly instead of waking the I/O thread, which then wakes it (a thread
 * hop per event received; about half of a round trip). What follows from it:
 *   - bytes are read only while some thread takes or waits; until then they
 *     wait in the kernel, and a peer that keeps writing meets backpressure
 *     from the socket buffers rather than from maxEventQueue;
 *   - a peer's disconnect is noticed (IPC_SOCK_DISCONNECT) when it is read;
 *   - ipc_sock_notify_fd() returns an epoll descriptor, not an eventfd: poll
 *     it for readability, never read() it (EINVAL). It is level-triggered:
 *     readable while an event is queued or a connection has bytes waiting,
 *     quiet once everything is taken; arming it is not needed (harmless).
 * "inlineReads": false has the I/O thread read everything as it arrives (up to
 * maxEventQueue), with an eventfd for ipc_sock_notify_fd(). TLS and UDP are
 * always read by the I/O thread. Inline reads need epoll (Linux); elsewhere
 * the option is accepted and the I/O thread reads.
 * Every function may be called from any thread;
 * emits from one thread to one connection keep their order. One thread at a
 * time should take events from a handle (the pointers ipc_sock_next() returns
 * are valid until the next ipc_sock_next*() or ipc_sock_close() on it).
 *
 * LIMITS (per handle, all configurable, all bounded — a misbehaving peer can
 * cost memory only up to them):
 *   - "maxFrame" (default 16 MiB): a longer incoming frame (or datagram) is an
 *     IPC_SOCK_ERROR event with IPC_EMSGSIZE, and that connection is closed
 *     (there is no way to find the next frame boundary we can trust).
 *   - invalid JSON, or a frame that is not {"type":string,"data":...}: an
 *     IPC_SOCK_ERROR event with IPC_EILSEQ for that connection; the frame is
 *     dropped, the connection and every other connection keep going.
 *   - "maxWriteQueue" (default 16 MiB) bytes queued for one connection. An emit
 *     to one connection whose queue is already over it returns IPC_EAGAIN and
 *     queues nothing (wait for IPC_SOCK_DRAIN, then retry); a broadcast
 *     disconnects such a slow reader instead (IPC_SOCK_ERROR with IPC_ENOSPC,
 *     then IPC_SOCK_DISCONNECT), so it cannot stall the others.
 *   - "maxEventQueue" (default 16 MiB) bytes of events not yet taken: past it
 *     reading stops (TCP backpressure reaches the senders) until the
 *     application takes events again. Nothing is dropped.
 *   - "maxConnections" (default 100, node-ipc's): further connections are
 *     accepted and closed at once, with an IPC_SOCK_ERROR (IPC_ENOSPC).
 *
 * OPTIONS (JSON object; unknown keys are IPC_EINVAL so typos are caught; NULL
 * or "" means {}, and a key whose value is null takes its default):
 *   "transport"   "unix" | "tcp" | "tls" | "udp4" | "udp6". Default: "unix"
 *                 when "path" or "id" is given, else "tcp".
 *   "path"        Unix socket path. If absent it is composed as node-ipc does:
 *                 socketRoot + appspace + id.
 *   "id", "appspace" (default "app."), "socketRoot" (default: a private 0700
 *                 directory, $XDG_RUNTIME_DIR/libipc/ or /tmp/libipc-<uid>/,
 *                 see ipc_sock_default_root()). node-ipc's legacy root was
 *                 "/tmp/"; pass it explicitly to meet an unmodified node-ipc.
 *   "host"        TCP/TLS/UDP host (default "127.0.0.1"; "::1" etc. for IPv6).
 *   "port"        TCP/TLS/UDP port; 0 = any free port (ipc_sock_local_port()).
 *   "unlink"      server, Unix: replace a stale socket file (default true). It
 *                 is removed only if it is a socket and nothing answers on it;
 *                 a live server there is IPC_EADDRINUSE, anything else IPC_EEXIST.
 *   "raw"         node-ipc's rawBuffer mode (default false).
 *   "inlineReads" read connections on the taking thread (default true): above.
 *   "maxConnections", "maxFrame", "maxWriteQueue", "maxEventQueue": above.
 *   Client only:
 *   "retry"       ms between reconnect attempts (default 500, node-ipc's).
 *   "maxRetries"  attempts after a loss before giving up (default: unlimited;
 *                 node-ipc's Infinity). 0 = never retry.
 *   "stopRetrying" true: never reconnect (node-ipc's flag).
 *   "backoff"     factor > 1 multiplies the delay after each failed attempt
 *                 (default 1: node-ipc's fixed interval) ...
 *   "retryMax"    ... up to this many ms (default 30000).
 *   TLS ("transport": "tls"), an object under "tls":
 *     "cert", "key"   PEM files: our certificate and private key (a server
 *                     needs them; a client only for mutual TLS).
 *     "ca"            PEM file (or array of files) of trusted CAs. Default: the
 *                     system's trust store.
 *     "verify"        verify the peer (default true; a client checks the
 *                     server's certificate and its name, see "servername").
 *     "requireClientCert"  server: mutual TLS, refuse clients without a
 *                     certificate signed by "ca" (default false).
 *     "servername"    client: the name to check the server certificate
 *                     against (default: "host").
 *
 * CLIENT LIFECYCLE (node-ipc's): IPC_SOCK_CONNECT on each (re)connection;
 * IPC_SOCK_DISCONNECT when it is lost; then a retry after "retry" ms unless
 * stopRetrying, retries exhausted or ipc_sock_disconnect() — in which case
 * IPC_SOCK_DESTROY follows and is the last event. A failed attempt is an
 * IPC_SOCK_ERROR (IPC_ECONNREFUSED; IPC_ENOENT when a Unix socket file does
 * not exist; IPC_ETLS) and counts as a retry. Emits made
 * while not connected are queued (up to maxWriteQueue) and sent on connect.
 *
 * ERRORS common to every function: IPC_EBADHANDLE, IPC_EINVAL for NULL pointers.
 */
#ifndef IPC_SOCK_H
#define IPC_SOCK_H

#include <ipc/export.h>
#include <ipc/types.h>

IPC_EXTERN_C_BEGIN

typedef struct ipc_sock ipc_sock_t;

/* Connection id meaning "every connection" (ipc_sock_emit on a server). A
 * client's one connection is id 0 (any id is accepted for a client). */
#define IPC_SOCK_ALL UINT64_MAX

typedef enum ipc_sock_event_kind {
  IPC_SOCK_MESSAGE = 0,    /* a user event: type, data (JSON text), conn */
  IPC_SOCK_DATA = 1,       /* raw mode: data = the bytes read, conn */
  IPC_SOCK_START = 2,      /* server: listening (first event of a server) */
  IPC_SOCK_CONNECT = 3,    /* server: new connection conn; client: connected */
  IPC_SOCK_DISCONNECT = 4, /* connection conn closed (by either side) */
  IPC_SOCK_DESTROY = 5,    /* client: no more reconnects; the last event */
  IPC_SOCK_ERROR = 6,      /* code = an ipc_error_t, data = message text, conn
                              = the connection concerned (0 if none) */
  IPC_SOCK_DRAIN = 7       /* conn's write queue, which had refused an emit
                              with IPC_EAGAIN, is below half maxWriteQueue */
} ipc_sock_event_kind_t;

typedef struct ipc_sock_event {
  int kind;                /* an ipc_sock_event_kind_t */
  int code;                /* IPC_SOCK_ERROR: the error; else IPC_OK */
  uint64_t conn;           /* connection id (server: >= 1; client: 0) */
  const char *type;        /* NUL-terminated; "" unless IPC_SOCK_MESSAGE */
  size_t type_len;
  const char *data;        /* JSON text / raw bytes / error message; NUL-terminated */
  size_t data_len;
  const char *address;     /* the peer, e.g. "127.0.0.1:40312", "[::1]:8000",
                              or the socket path; NUL-terminated, may be "" */
  size_t address_len;
} ipc_sock_event_t;

/* Packed event in ipc_sock_next_many()'s buffer (all little-endian host
 * order): uint32 kind, int32 code, uint64 conn, uint32 type_len, uint32
 * data_len, uint32 address_len, uint32 reserved (0) = 32 bytes; then the type,
 * data and address bytes back to back (no NULs); then zero to 7 bytes of
 * padding to the next multiple of 8. */
#define IPC_SOCK_PACKED_HEADER 32

/* Starts a server: binds and listens before returning (so an address in use is
 * an error here, not later), then queues IPC_SOCK_START. Errors: IPC_EINVAL
 * (bad options JSON, unknown key, bad value — ipc_last_error_message() says
 * which), IPC_EADDRINUSE, IPC_EEXIST (a non-socket file at the path),
 * IPC_EACCES, IPC_ENAMETOOLONG (Unix path over 107 bytes), IPC_ETLS (TLS
 * certificate or key unreadable), IPC_EIO. */
IPC_API int ipc_sock_listen(const char *options_json, ipc_sock_t **out);
/* Starts a client; connecting happens in the background (IPC_SOCK_CONNECT or
 * IPC_SOCK_ERROR events follow). Errors: as ipc_sock_listen for the options. */
IPC_API int ipc_sock_connect(const char *options_json, ipc_sock_t **out);
/* Closes every connection and the listener (a server's Unix socket file is
 * removed), frees the handle. Events not yet taken are discarded; a blocked
 * ipc_sock_next*() returns IPC_ECLOSED. No notify callback runs once it returns. */
IPC_API int ipc_sock_close(ipc_sock_t *s);

/* Sends event (type, data) to connection conn (server: an id or IPC_SOCK_ALL
 * for a broadcast; client: ignored). `type` is any NUL-terminated UTF-8
 * string; `data` NUL-terminated JSON text, validated here (IPC_EILSEQ if
 * invalid); NULL or "" sends {} as node-ipc does for no data. Queued and
 * written by the I/O thread; returns once queued.
 * Errors: IPC_EAGAIN (that connection's write queue is over maxWriteQueue —
 * nothing queued), IPC_ENOENT (no connection conn), IPC_ENOTSUP (raw mode: use
 * ipc_sock_send), IPC_ECLOSED (client destroyed), IPC_EILSEQ. A broadcast
 * returns IPC_OK even if some slow readers were disconnected (see LIMITS). */
IPC_API int ipc_sock_emit(ipc_sock_t *s, uint64_t conn, const char *type, const char *data);
/* Sends already-formatted frames: `frames` is one or more complete node-ipc
 * frames `{"type":...,"data":...}\f` back to back (len bytes). Each is
 * validated (IPC_EILSEQ: none is sent); then all are queued as one write.
 * For bindings that batch many small emits into one call. */
IPC_API int ipc_sock_emit_frames(ipc_sock_t *s, uint64_t conn, const char *frames, size_t len);
/* Raw mode: sends len bytes unframed (UDP: one datagram). IPC_ENOTSUP when
 * the handle is not in raw mode; otherwise as ipc_sock_emit. */
IPC_API int ipc_sock_send(ipc_sock_t *s, uint64_t conn, const void *bytes, size_t len);

/* Takes the next event, waiting per timeout_ms. The event's pointers are owned
 * by the handle, valid until the next ipc_sock_next*() or ipc_sock_close().
 * IPC_OK; IPC_EAGAIN / IPC_ETIMEDOUT (none); IPC_ECLOSED (closed, or a client
 * whose IPC_SOCK_DESTROY has been taken). */
IPC_API int ipc_sock_next(ipc_sock_t *s, ipc_sock_event_t *ev, int64_t timeout_ms);
/* Takes up to max_count events packed into buf (format: IPC_SOCK_PACKED_HEADER),
 * waiting per timeout_ms only for the first. *out_count events, *out_bytes
 * bytes of buf used. IPC_EMSGSIZE if not even the first fits (*out_bytes =
 * the size it needs; the event stays queued). Returns as ipc_sock_next. */
IPC_API int ipc_sock_next_many(ipc_sock_t *s, void *buf, size_t cap, size_t max_count,
                               size_t *out_count, size_t *out_bytes, int64_t timeout_ms);

/* Server: closes connection conn (IPC_SOCK_DISCONNECT follows; IPC_ENOENT if
 * there is none). Client: disconnects for good — no reconnect;
 * IPC_SOCK_DISCONNECT (if connected) and IPC_SOCK_DESTROY follow. */
IPC_API int ipc_sock_disconnect(ipc_sock_t *s, uint64_t conn);

/* UDP: the connection id for a peer address, to emit to it (node-ipc's
 * server.emit({address, port}, ...)). Ids of peers that sent us datagrams
 * arrive in their events. IPC_ENOTSUP on a stream socket; IPC_EINVAL if the
 * host does not resolve. */
IPC_API int ipc_sock_peer(ipc_sock_t *s, const char *host, uint16_t port, uint64_t *out_conn);

/* The bound TCP/TLS/UDP port (useful after "port": 0); 0 for Unix sockets. */
IPC_API int ipc_sock_local_port(ipc_sock_t *s, uint16_t *out_port);
/* The endpoint as text: the Unix socket path, or "host:port". Copies up to
 * cap-1 bytes and a NUL; *out_len = the full length without the NUL
 * (IPC_EMSGSIZE if cap is not more than that). buf may be NULL with cap 0 to
 * ask the length. */
IPC_API int ipc_sock_address(ipc_sock_t *s, char *buf, size_t cap, size_t *out_len);
/* Server: live connections; client: 1 if connected, else 0. */
IPC_API int ipc_sock_connections(ipc_sock_t *s, size_t *out_count);
/* Bytes queued for writing to conn (client: its one connection). */
IPC_API int ipc_sock_pending(ipc_sock_t *s, uint64_t conn, size_t *out_bytes);

/* The default private socket root, with a trailing '/': $XDG_RUNTIME_DIR/libipc/
 * when XDG_RUNTIME_DIR is set, else /tmp/libipc-<uid>/. Created 0700 if
 * missing; IPC_EACCES if it exists but is not a directory owned by us with no
 * group/other access. Copy semantics as ipc_sock_address. */
IPC_API int ipc_sock_default_root(char *buf, size_t cap, size_t *out_len);

/* Readiness (an event is queued), as ipc_mq_notify: fn(user_data) on a libipc
 * thread, then quiet until ipc_sock_notify_arm(). Drain with IPC_NOWAIT
 * ipc_sock_next*(), then arm. fn NULL stops. */
IPC_API int ipc_sock_notify(ipc_sock_t *s, ipc_notify_fn fn, void *user_data);
IPC_API int ipc_sock_notify_arm(ipc_sock_t *s);
/* As ipc_mq_notify_fd: an eventfd readable when an event is queued — with
 * inline reads (the default for Unix and TCP), an epoll descriptor readable
 * while an event is queued or bytes wait; poll it, do not read it (INLINE
 * READS above). */
IPC_API int ipc_sock_notify_fd(ipc_sock_t *s, int *out_fd);

IPC_EXTERN_C_END

#endif /* IPC_SOCK_H */
