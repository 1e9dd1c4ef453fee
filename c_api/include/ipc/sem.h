/* libipc — named counting semaphores (ipc_sem_*).
 *
 * NAMES: 1..IPC_OBJ_NAME_MAX bytes, no '/' and no NUL. A semaphore named "jobs"
 * lives in the POSIX segment "/ipc-sem.jobs" (/dev/shm/ipc-sem.jobs on Linux);
 * semaphores, queues and segments have separate namespaces.
 *
 * LIFETIME: kernel persistence. Closing never removes; ipc_sem_remove() does.
 * Handles open before a remove keep working with the removed semaphore;
 * new opens get IPC_ENOENT (or, with IPC_OPEN_OR_CREATE, a fresh semaphore).
 *
 * CRASHED PEERS: the count is a single word changed only by atomic
 * compare-and-swap and waited on with a futex; there is no internal lock. A
 * process killed at any moment — mid-post, mid-wait, asleep in a wait — leaves
 * the semaphore consistent and usable by everyone else. A unit a process took
 * and never posted back is gone (a semaphore has no owner to return it). A
 * waiter killed right after being woken can delay the next waiter by at most
 * 100 ms (every sleep is capped and the count re-checked).
 *
 * WAITING: waits spin briefly (default 20 µs, ipc_sem_set_spin), yielding the
 * CPU now and then, before they sleep; an idle waiter uses no CPU.
 *
 * THREADS: every function may be called from any thread, on any handle.
 * Closing a handle makes waits blocked on it in other threads return
 * IPC_ECLOSED.
 *
 * ERRORS common to every function: IPC_EBADHANDLE for a NULL, closed or
 * wrong-type handle; IPC_EINVAL for a NULL pointer that must not be NULL.
 */
#ifndef IPC_SEM_H
#define IPC_SEM_H

#include <ipc/export.h>
#include <ipc/types.h>

IPC_EXTERN_C_BEGIN

typedef struct ipc_sem ipc_sem_t;

#define IPC_SEM_VALUE_MAX 0x7FFFFFFF

/* Open or create. `initial` (0..IPC_SEM_VALUE_MAX) is used only if this call
 * creates the semaphore; `perm` as for ipc_shm_open (0 = 0600).
 * IPC_ENOENT, IPC_EEXIST, IPC_EACCES, IPC_EBADNAME, IPC_ENAMETOOLONG,
 * IPC_ERANGE (initial too large), IPC_ECORRUPT (the name holds something else),
 * IPC_EAGAIN (another process is still creating it after 2 s). */
IPC_API int ipc_sem_open(const char *name, ipc_open_mode_t mode, unsigned initial, unsigned perm,
                         ipc_sem_t **out);
/* Frees the handle (stopping its notifications). NULL: no-op. */
IPC_API int ipc_sem_close(ipc_sem_t *sem);
IPC_API int ipc_sem_remove(const char *name);
IPC_API int ipc_sem_exists(const char *name, int *out);

/* Adds one, waking a waiter. IPC_ERANGE at IPC_SEM_VALUE_MAX. */
IPC_API int ipc_sem_post(ipc_sem_t *sem);
/* Takes one: IPC_OK; IPC_EAGAIN (IPC_NOWAIT and the count is 0); IPC_ETIMEDOUT;
 * IPC_ECLOSED (the handle was closed by another thread meanwhile). */
IPC_API int ipc_sem_wait(ipc_sem_t *sem, int64_t timeout_ms);
/* ipc_sem_wait(sem, IPC_NOWAIT). */
IPC_API int ipc_sem_try_wait(ipc_sem_t *sem);
/* The current count (a snapshot). */
IPC_API int ipc_sem_value(ipc_sem_t *sem, unsigned *out_value);
/* How long a wait spins before sleeping, in nanoseconds (0: never spin). */
IPC_API int ipc_sem_set_spin(ipc_sem_t *sem, uint32_t spin_ns);

/* Readiness without blocking the caller: calls fn(user_data) on a libipc
 * thread when the count is > 0, then stays quiet until ipc_sem_notify_arm().
 * Starts armed. The callback tells you a unit *may* be available: take it with
 * ipc_sem_try_wait (another process may win it), then arm again to hear of the
 * next. fn NULL stops notifications. Replaces an earlier callback or fd. */
IPC_API int ipc_sem_notify(ipc_sem_t *sem, ipc_notify_fn fn, void *user_data);
IPC_API int ipc_sem_notify_arm(ipc_sem_t *sem);
/* The same through a file descriptor (Linux: an eventfd) for poll/epoll,
 * asyncio's add_reader, libuv's uv_poll: it becomes readable when the count is
 * > 0; read 8 bytes from it to clear it, then ipc_sem_notify_arm(). The fd
 * belongs to the handle and is closed by ipc_sem_close. */
IPC_API int ipc_sem_notify_fd(ipc_sem_t *sem, int *out_fd);

IPC_EXTERN_C_END

#endif /* IPC_SEM_H */
