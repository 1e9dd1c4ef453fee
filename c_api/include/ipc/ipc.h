/* libipc — the umbrella header. Include this one; it includes one header per
 * area. Compiles as C99 and as C++.
 *
 *   errors.h      error codes, ipc_strerror, ipc_err_name, last-error detail
 *   version.h     IPC_VERSION_*, ipc_version()
 *   types.h       open modes and limits shared by every area
 *   shm.h         shared memory segments (ipc_shm_*)
 *   shm_stream.h  the torn-read-free stream layout over a segment
 *   sem.h         named counting semaphores (ipc_sem_*)
 *   mq.h          named bounded priority message queues (ipc_mq_*)
 *
 * Conventions (every function follows them; each declaration states the rest):
 *   - Fallible functions return int: IPC_OK (0) or an ipc_error_t code.
 *   - Results come back through out-parameters placed last.
 *   - Handles are opaque typed pointers created by _open and ended by _close.
 *     A NULL, closed or wrong-type handle returns IPC_EBADHANDLE, never crashes.
 *   - Input buffers are copied before return. Receive-into-buffer calls return
 *     IPC_EMSGSIZE with the needed size when the buffer is too small.
 *   - Named resources outlive handles; _remove(name) deletes them.
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <ipc/export.h>
#include <ipc/errors.h>
#include <ipc/version.h>
#include <ipc/types.h>
#include <ipc/shm.h>
#include <ipc/shm_stream.h>
#include <ipc/sem.h>
#include <ipc/mq.h>
#include <ipc/sock.h>

#endif /* IPC_IPC_H */
