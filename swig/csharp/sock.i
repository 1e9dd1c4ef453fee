/* C# typemaps for the sock area (owner: the C# binding; catalogue in
 * ../TYPEMAPS.md, "C#"). libipc.i includes this file after common/*.i, so the
 * macros of their C# sections (IPC_CS_OBJ_HANDLE, IPC_CS_OUT, IPC_PTR) are
 * known here, and before sock.i, which it turns on by defining IPC_SWIG_SOCK.
 *
 * Everything stays in the internal generated layer; the public API is the
 * hand-written LibIpc.SocketServer / SocketClient (bindings/csharp/src). */

/* The handle: LibIpc.SockHandle, a SafeHandle like SemHandle/MqHandle
 * (AddRef'd for every call; the out-handle of listen/connect stored by the
 * marshaller, so it cannot leak). ipc_sock_close is not wrapped as such (sock.i
 * does not list it): SockHandle closes through the raw-pointer sock_close
 * below, once, whatever calls are in flight (a blocked next_many then returns
 * IPC_ECLOSED). */
IPC_CS_OBJ_HANDLE(ipc_sock_t, global::LibIpc.SockHandle, ipc_sock_close)
%rename(sock_close) ipc_cs_sock_close;
%inline %{
static int ipc_cs_sock_close(void *IPC_RAW_HANDLE) { return ipc_sock_close((ipc_sock_t *)IPC_RAW_HANDLE); }
%}

/* Text and bytes in: IntPtr to UTF-8 the C# side encoded into a buffer it
 * pinned, with the NUL terminator these functions need (options, type, data,
 * host) or the length beside it (frames, bytes). No marshaller copy, no
 * ownership moves: C copies or validates before it returns. */
%apply void *IPC_PTR { const char *options_json, const char *type, const char *data,
                       const char *frames, const char *host, const void *bytes };

/* uint16_t (ports) is not known to SWIG (no #include <stdint.h>): ushort. */
%apply unsigned short { uint16_t };

/* Out-parameters of the area not already in common/buffers.i. */
IPC_CS_OUT(uint64_t, ulong, uint64_t *out_conn)
IPC_CS_OUT(uint16_t, ushort, uint16_t *out_port)

/* The packed event struct and ipc_sock_next are not wrapped (sock.i): the C#
 * layer takes batches with next_many and parses the packed format itself. */

#define IPC_SWIG_SOCK
