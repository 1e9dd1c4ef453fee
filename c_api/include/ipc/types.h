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

/* Maximum length of a resource name in bytes, not counting the terminating NUL. */
#define IPC_NAME_MAX 250

#endif /* IPC_TYPES_H */
