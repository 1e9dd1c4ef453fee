/* libipc — types shared by every area (shm, sem, mq, sock). */
#ifndef IPC_TYPES_H
#define IPC_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* How an _open call treats a named resource (Boost.Interprocess's creation tags). */
typedef enum ipc_open_mode {
  IPC_CREATE_ONLY = 0,    /* create; IPC_EEXIST if it already exists */
  IPC_OPEN_ONLY = 1,      /* open an existing one; IPC_ENOENT if there is none */
  IPC_OPEN_OR_CREATE = 2  /* open it if it exists, else create it */
} ipc_open_mode_t;

/* Default permission bits for anything libipc creates: owner read/write only. */
#define IPC_DEFAULT_PERM 0600u

/* Maximum length of a shared-memory segment name in bytes (no terminating NUL). */
#define IPC_NAME_MAX 250
/* Maximum length of a semaphore or message-queue name: their backing segments
 * carry a prefix ("ipc-sem.", "ipc-mq.") within the OS limit of 255. */
#define IPC_OBJ_NAME_MAX 240

/* Timeouts are in milliseconds (int64_t): IPC_INFINITE waits forever,
 * IPC_NOWAIT tries once (IPC_EAGAIN if it would block), a positive value waits
 * at most that long (IPC_ETIMEDOUT). */
#define IPC_INFINITE (-1)
#define IPC_NOWAIT 0

/* A readiness callback (see ipc_sem_notify, ipc_mq_notify). It runs on a
 * thread owned by libipc, must not block for long, and must not throw or
 * longjmp. It may call any libipc function, including _notify_arm, _notify and
 * _close of its own handle. Once _notify(NULL), another _notify or _close
 * returns, the callback is not running and is not called again, so its
 * user_data may be freed — except when that call is made from inside the
 * callback itself, which then finishes normally. */
typedef void (*ipc_notify_fn)(void *user_data);

#endif /* IPC_TYPES_H */
