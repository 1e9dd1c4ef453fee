/* libipc — the shared-memory stream layout (ipc_shm_stream_*).
 *
 * A stream holds one current value (a string, a float32 or float64 array, or
 * bytes) in a segment, which any number of readers in any language can fetch
 * without ever seeing a half-written ("torn") value. It is the layout behind
 * the node-libsharedmemory compatibility streams, defined here once so that C,
 * C++, Python, Node and C# all read and write the same bytes.
 *
 * LAYOUT (little-endian on every platform libipc supports; native order):
 *   offset  size  field
 *        0     4  magic    0x53435049 ("IPCS"), written by the first write
 *        4     4  version  1
 *        8     8  seq      change counter: odd while a write is in progress;
 *                          each completed write adds 2
 *       16     4  type     ipc_stream_type_t of the current value
 *       20     4  reserved 0
 *       24     8  length   payload length in bytes
 *       32     …  payload  `length` bytes (UTF-8 for strings; native floats)
 * A segment of all zero bytes is an empty stream (type IPC_STREAM_EMPTY).
 * Capacity = segment size − IPC_SHM_STREAM_HEADER.
 *
 * PROTOCOL (a seqlock): a writer moves seq from even s to s+1, copies the
 * payload and header, then stores s+2. A reader reads seq, copies, re-reads seq
 * and retries if it was odd or changed, so a value is either whole or retried.
 * Writers are serialised by the compare-and-swap on seq. A writer that dies
 * mid-write leaves seq odd: readers then return IPC_EAGAIN, and the next writer
 * takes the stream over after waiting IPC_SHM_STREAM_TAKEOVER_MS.
 *
 * The version a reader sees is seq/2: the number of completed writes. Comparing
 * it with the last one read tells a new value from an old one.
 *
 * THREADS: any thread; the stream is safe for concurrent readers and writers in
 * any processes.
 */
#ifndef IPC_SHM_STREAM_H
#define IPC_SHM_STREAM_H

#include <ipc/shm.h>

IPC_EXTERN_C_BEGIN

#define IPC_SHM_STREAM_MAGIC 0x53435049u
#define IPC_SHM_STREAM_HEADER 32u
#define IPC_SHM_STREAM_TAKEOVER_MS 1000

typedef enum ipc_stream_type {
  IPC_STREAM_EMPTY = 0,  /* nothing written yet */
  IPC_STREAM_STRING = 1, /* UTF-8 text */
  IPC_STREAM_F32 = 2,    /* float32 array; length is a multiple of 4 */
  IPC_STREAM_F64 = 3,    /* float64 array; length is a multiple of 8 */
  IPC_STREAM_BYTES = 4   /* opaque bytes */
} ipc_stream_type_t;

/* Publish a new value: `len` bytes of `type`. Copies before return.
 * IPC_ERANGE if len > capacity; IPC_EINVAL if len does not fit the type (a
 * float array length not a multiple of the element size, an unknown type);
 * IPC_EILSEQ for a STRING that is not valid UTF-8; IPC_EREADONLY for a read-only
 * handle; IPC_ECORRUPT if the segment holds something that is not a stream;
 * IPC_ERANGE if the segment is smaller than the header. */
IPC_API int ipc_shm_stream_write(ipc_shm_t *shm, ipc_stream_type_t type,
                                 const void *data, size_t len);

/* Fetch the current value into buf. *out_type, *out_len and *out_version (each
 * may be NULL) receive its type, length in bytes and version. A length never
 * exceeds ipc_shm_stream_capacity() (one that would is IPC_ECORRUPT), so a
 * buffer of the capacity always suffices in one call. If cap < length,
 * returns IPC_EMSGSIZE with *out_len set to the size needed. IPC_EAGAIN if a
 * writer stays mid-write (or died mid-write) through the bounded retries. An
 * empty stream returns IPC_OK with type IPC_STREAM_EMPTY and length 0. */
IPC_API int ipc_shm_stream_read(ipc_shm_t *shm, ipc_stream_type_t *out_type, void *buf,
                                size_t cap, size_t *out_len, uint64_t *out_version);

/* The current version (completed writes) without copying: a cheap change check. */
IPC_API int ipc_shm_stream_version(ipc_shm_t *shm, uint64_t *out_version);

/* Largest payload this segment can hold. */
IPC_API int ipc_shm_stream_capacity(ipc_shm_t *shm, size_t *out_capacity);

IPC_EXTERN_C_END

#endif /* IPC_SHM_STREAM_H */
