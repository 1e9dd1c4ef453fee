/* libipc SWIG — the sock area, language-neutral: what is exposed and how it is
 * named (ipc_sock_listen -> sock_listen). IPC_EXPOSE is defined in base.i.
 *
 * Not listed: ipc_sock_close (each language's object closes its handle through
 * its own finalizer path, as for sem and mq), ipc_sock_next (bindings take
 * events in batches with ipc_sock_next_many and parse the packed format) and
 * ipc_sock_event_t with it. Typemaps for the handle, out-parameters and byte
 * buffers are in each language's <lang>/sock.i, which libipc.i includes first
 * (and which defines IPC_SWIG_SOCK to turn this file on). */

IPC_EXPOSE(ipc_sock_listen)
IPC_EXPOSE(ipc_sock_connect)
IPC_EXPOSE(ipc_sock_emit)
IPC_EXPOSE(ipc_sock_emit_frames)
IPC_EXPOSE(ipc_sock_send)
IPC_EXPOSE(ipc_sock_next_many)
IPC_EXPOSE(ipc_sock_disconnect)
IPC_EXPOSE(ipc_sock_peer)
IPC_EXPOSE(ipc_sock_local_port)
IPC_EXPOSE(ipc_sock_address)
IPC_EXPOSE(ipc_sock_connections)
IPC_EXPOSE(ipc_sock_pending)
IPC_EXPOSE(ipc_sock_default_root)
IPC_EXPOSE(ipc_sock_notify)
IPC_EXPOSE(ipc_sock_notify_arm)
IPC_EXPOSE(ipc_sock_notify_fd)

%ignore ipc_sock_event;
%include <ipc/sock.h>
