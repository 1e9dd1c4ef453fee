/* libipc — named bounded message queues (ipc_mq_*).
 *
 * A queue holds up to `capacity` messages of up to `max_msg_size` bytes each,
 * both fixed at creation and discoverable on open. Many producers and many
 * consumers in any processes. Priorities 0..IPC_MQ_PRIO_MAX: higher first, FIFO
 * within one priority. Each message is delivered to exactly one consumer. A
 * full queue blocks a send (or returns IPC_EAGAIN / IPC_ETIMEDOUT); it never
 * drops or overwrites.
 *
 * NAMES and LIFETIME: as semaphores (sem.h); a queue named "jobs" lives in the
 * POSIX segment "/ipc-mq.jobs".
 *
 * CRASHED PEERS: the queue's state is in shared memory behind a robust
 * process-shared mutex, and every change to it is written to an undo journal
 * first. When a process dies holding the lock — mid-send, mid-receive — the
 * next process to take the lock rolls the interrupted operation back, checks
 * the queue's invariants, and carries on. The precise rule:
 *   - a send that had not returned when its process died either did not happen
 *     or (if it had committed) its message is queued whole — never torn;
 *   - a receive commits after it has copied the message into the receiver's
 *     buffer. A receiver killed before the commit leaves the message queued for
 *     another consumer; killed after it, the message is in that receiver's
 *     buffer and nowhere else (delivered exactly once, to the dead process).
 *     Nothing else is ever lost or duplicated;
 *   - processes killed while asleep in a wait leave nothing behind but a stale
 *     sleeper count (which costs later sends one extra wake-up syscall);
 *   - a waiter killed right after being woken can delay the next waiter by at
 *     most 100 ms (sleeps are capped and the queue re-checked).
 * If recovery ever finds the invariants broken, every call on the queue returns
 * IPC_ECORRUPT rather than deliver garbage.
 *
 * WAITING: as semaphores: a bounded spin (default 20 µs, ipc_mq_set_spin), then
 * a futex sleep; an idle consumer uses no CPU.
 *
 * THREADS: any function, any thread, any handle. Closing a handle makes calls
 * blocked on it in other threads return IPC_ECLOSED.
 *
 * ERRORS common to every function: IPC_EBADHANDLE, IPC_EINVAL for NULL pointers.
 */
#ifndef IPC_MQ_H
#define IPC_MQ_H

#include <ipc/export.h>
#include <ipc/types.h>

IPC_EXTERN_C_BEGIN

typedef struct ipc_mq ipc_mq_t;

#define IPC_MQ_PRIO_MAX 31
#define IPC_MQ_CAPACITY_MAX (1u << 20)
#define IPC_MQ_MSG_SIZE_MAX (64u << 20)

/* Open or create. `capacity` (1..IPC_MQ_CAPACITY_MAX) and `max_msg_size`
 * (1..IPC_MQ_MSG_SIZE_MAX) are used when this call creates the queue; pass 0 to
 * open an existing one. Errors as ipc_sem_open, plus IPC_EINVAL for a zero or
 * too large capacity or message size when creating. */
IPC_API int ipc_mq_open(const char *name, ipc_open_mode_t mode, size_t capacity,
                        size_t max_msg_size, unsigned perm, ipc_mq_t **out);
IPC_API int ipc_mq_close(ipc_mq_t *mq);
IPC_API int ipc_mq_remove(const char *name);
IPC_API int ipc_mq_exists(const char *name, int *out);

/* Send `len` bytes (copied before return) at `priority`. IPC_OK; IPC_EAGAIN
 * (IPC_NOWAIT, full); IPC_ETIMEDOUT; IPC_EMSGSIZE (len > max_msg_size);
 * IPC_EINVAL (priority > IPC_MQ_PRIO_MAX); IPC_ECLOSED; IPC_ECORRUPT. */
IPC_API int ipc_mq_send(ipc_mq_t *mq, const void *data, size_t len, unsigned priority,
                        int64_t timeout_ms);
/* Receive the highest-priority, oldest message into buf. *out_len (and
 * *out_priority, may be NULL) receive its size and priority. IPC_OK; IPC_EAGAIN;
 * IPC_ETIMEDOUT; IPC_EMSGSIZE if cap is too small — the message stays queued and
 * *out_len tells the size needed (max_msg_size always suffices); IPC_ECLOSED. */
IPC_API int ipc_mq_receive(ipc_mq_t *mq, void *buf, size_t cap, size_t *out_len,
                           unsigned *out_priority, int64_t timeout_ms);
/* Receive up to max_count messages under one lock, packed into buf one after
 * another as: uint32 length, uint32 priority, the bytes, zero to 7 bytes of
 * padding to the next multiple of 8. Waits (per timeout_ms) only for the first.
 * *out_count = messages, *out_bytes = bytes of buf used. IPC_EMSGSIZE if not even
 * the first fits (*out_bytes = the size it needs). For event loops that drain in
 * batches. */
IPC_API int ipc_mq_receive_many(ipc_mq_t *mq, void *buf, size_t cap, size_t max_count,
                                size_t *out_count, size_t *out_bytes, int64_t timeout_ms);

/* Send several messages, packed in buf in the ipc_mq_receive_many format
 * (uint32 length, uint32 priority, the bytes, padding to a multiple of 8; the
 * last message's padding may be omitted), in order, as many per lock hold as
 * the queue has room for. Waits (per timeout_ms) whenever the queue is full.
 * *out_sent = how many were sent, on success and on IPC_EAGAIN, IPC_ETIMEDOUT
 * or IPC_ECLOSED (the rest were not). The whole buffer is checked first:
 * IPC_EINVAL (malformed, priority too high) or IPC_EMSGSIZE and nothing sent.
 * For producers that publish in batches. */
IPC_API int ipc_mq_send_many(ipc_mq_t *mq, const void *buf, size_t len, size_t *out_sent,
                             int64_t timeout_ms);

IPC_API int ipc_mq_count(ipc_mq_t *mq, size_t *out_count);
IPC_API int ipc_mq_capacity(ipc_mq_t *mq, size_t *out_capacity);
IPC_API int ipc_mq_max_msg_size(ipc_mq_t *mq, size_t *out_size);
/* How many times a process that died holding the queue's lock has been
 * recovered from (its interrupted operation rolled back), since creation. */
IPC_API int ipc_mq_recoveries(ipc_mq_t *mq, uint64_t *out_count);
IPC_API int ipc_mq_set_spin(ipc_mq_t *mq, uint32_t spin_ns);

/* Readiness, as ipc_sem_notify: fn(user_data) on a libipc thread when the queue
 * has a message, then quiet until ipc_mq_notify_arm(). Drain with IPC_NOWAIT
 * receives, then arm. fn NULL stops. */
IPC_API int ipc_mq_notify(ipc_mq_t *mq, ipc_notify_fn fn, void *user_data);
IPC_API int ipc_mq_notify_arm(ipc_mq_t *mq);
/* As ipc_sem_notify_fd: an eventfd readable when the queue has a message. */
IPC_API int ipc_mq_notify_fd(ipc_mq_t *mq, int *out_fd);

IPC_EXTERN_C_END

#endif /* IPC_MQ_H */
