/* libipc — shared memory (ipc_shm_*).
 *
 * A segment is a run of raw bytes mapped into each process that opens it. libipc
 * puts no header of its own inside it, so programs that do not use libipc (for
 * example Python's multiprocessing.shared_memory, or anything that reads the
 * backing file) see exactly the bytes you wrote.
 *
 * KINDS AND NAMES
 *   IPC_SHM_POSIX  POSIX named shared memory (shm_open). `name` is 1..IPC_NAME_MAX
 *                  bytes with no '/' and no NUL; libipc adds the leading '/'
 *                  itself, so name "demo" is "/dev/shm/demo" on Linux and is the
 *                  same object Python's SharedMemory(name="demo") opens.
 *   IPC_SHM_FILE   A mapping of an ordinary file. `name` is a file path (any
 *                  length the OS accepts, '/' allowed, not empty). Existing file
 *                  contents are visible on open; changes reach the file; flushed
 *                  by ipc_shm_flush() and on close.
 *   IPC_SHM_SYSV   A System V segment. `name` is its numeric key as a decimal
 *                  or 0x-prefixed hexadecimal string, e.g. "4660" or "0x1234";
 *                  the key must be non-zero (0 is IPC_PRIVATE).
 *   IPC_SHM_ANON   An anonymous in-process buffer with the same API. `name` is
 *                  ignored (may be NULL); mode must be IPC_CREATE_ONLY or
 *                  IPC_OPEN_OR_CREATE. Shared with children created by fork().
 *
 * SIZES
 *   On create, `size` (> 0) is the segment size. On open, `size` 0 maps the
 *   whole existing object; a non-zero `size` must not exceed the existing size
 *   (IPC_ERANGE), except for a writable IPC_SHM_FILE mapping, which grows the
 *   file to `size`. With IPC_OPEN_OR_CREATE `size` must be > 0.
 *
 * LIFETIME
 *   Named segments have kernel (POSIX, SysV) or file-system (FILE) persistence:
 *   closing a handle never removes the segment; ipc_shm_remove() does. Removing
 *   a segment that is still mapped keeps existing mappings valid; new opens fail
 *   with IPC_ENOENT.
 *
 * THREADS
 *   Every function may be called from any thread. Distinct handles: safe.
 *   One handle from several threads: safe, including a close racing with other
 *   calls (they either finish first or return IPC_EBADHANDLE). libipc does not
 *   synchronise access to the bytes themselves: that is the job of a semaphore,
 *   a queue, or the seqlock stream layout in shm_stream.h.
 *
 * ERRORS common to every function below: IPC_EINVAL for a NULL pointer argument
 * that must not be NULL; IPC_EBADHANDLE for a NULL, closed or wrong-type handle.
 */
#ifndef IPC_SHM_H
#define IPC_SHM_H

#include <ipc/export.h>
#include <ipc/types.h>

IPC_EXTERN_C_BEGIN

typedef struct ipc_shm ipc_shm_t;

typedef enum ipc_shm_kind {
  IPC_SHM_POSIX = 0,
  IPC_SHM_FILE = 1,
  IPC_SHM_SYSV = 2,
  IPC_SHM_ANON = 3
} ipc_shm_kind_t;

/* Flags for ipc_shm_open. */
#define IPC_SHM_READONLY 0x1u /* map read-only; writes return IPC_EREADONLY */

/* Text encodings of the string helpers; the same names and meanings as Node's
 * Buffer encodings. The text side of every call is UTF-8. */
typedef enum ipc_encoding {
  IPC_ENC_UTF8 = 0,    /* bytes are UTF-8 */
  IPC_ENC_ASCII = 1,   /* write: each UTF-16 unit's low 8 bits (like Node); read: bytes & 0x7f */
  IPC_ENC_LATIN1 = 2,  /* "binary": one byte per code point U+0000..U+00FF */
  IPC_ENC_BASE64 = 3,  /* write: decode base64 text to bytes; read: encode bytes to base64 */
  IPC_ENC_HEX = 4,     /* write: decode hex text to bytes; read: encode bytes as lowercase hex */
  IPC_ENC_UTF16LE = 5, /* bytes are UTF-16 little-endian */
  IPC_ENC_BASE64URL = 6 /* as BASE64 with '-' '_' and no padding on read; write accepts both */
} ipc_encoding_t;

/* Open or create a segment and map it.
 *   kind, name, mode, size: see above.
 *   flags: 0 or IPC_SHM_READONLY. A read-only handle cannot create.
 *   perm:  permission bits for a segment this call creates (ignored on open);
 *          0 means IPC_DEFAULT_PERM (0600). The process umask is not applied.
 *   out:   receives the new handle; set to NULL on failure.
 * Returns IPC_OK, or IPC_ENOENT (missing, with IPC_OPEN_ONLY), IPC_EEXIST
 * (exists, with IPC_CREATE_ONLY), IPC_EACCES, IPC_EBADNAME (empty name, '/' in a
 * POSIX name, malformed or zero SysV key), IPC_ENAMETOOLONG, IPC_EINVAL (size 0
 * on create, unknown kind/mode/flags, READONLY with create), IPC_ERANGE (size
 * larger than an existing segment), IPC_ENOMEM, IPC_ENOSPC, IPC_EIO. */
IPC_API int ipc_shm_open(ipc_shm_kind_t kind, const char *name, ipc_open_mode_t mode,
                         size_t size, unsigned flags, unsigned perm, ipc_shm_t **out);

/* Unmap and free the handle; flushes a file-backed mapping first. Never removes
 * the named segment. Closing NULL is a no-op returning IPC_OK; closing an
 * already-closed handle returns IPC_EBADHANDLE. */
IPC_API int ipc_shm_close(ipc_shm_t *shm);

/* Remove a named segment (shm_unlink, unlink, or IPC_RMID). Existing mappings
 * stay valid. IPC_ENOENT if it does not exist; IPC_ENOTSUP for IPC_SHM_ANON. */
IPC_API int ipc_shm_remove(ipc_shm_kind_t kind, const char *name);

/* *out = 1 if the named segment exists, else 0. Name errors as for open. */
IPC_API int ipc_shm_exists(ipc_shm_kind_t kind, const char *name, int *out);

/* Zero-copy access: *out_addr = start of the mapping, *out_size = its length.
 * The address stays valid until ipc_shm_close. Writing through the address of a
 * read-only handle faults: bindings must expose read-only views for those. */
IPC_API int ipc_shm_data(ipc_shm_t *shm, void **out_addr, size_t *out_size);
IPC_API int ipc_shm_size(ipc_shm_t *shm, size_t *out_size);
IPC_API int ipc_shm_kind(ipc_shm_t *shm, ipc_shm_kind_t *out_kind);
/* *out = 1 if the handle is read-only. */
IPC_API int ipc_shm_is_readonly(ipc_shm_t *shm, int *out);

/* Copy the handle's name (as passed to open; "" for ANON) into buf as a
 * NUL-terminated string. *out_len = strlen(name). IPC_EMSGSIZE if cap <= strlen:
 * *out_len still tells the size needed. */
IPC_API int ipc_shm_name(ipc_shm_t *shm, char *buf, size_t cap, size_t *out_len);

/* Write a file-backed mapping's changes to the file (msync, synchronous).
 * IPC_OK and no effect for other kinds. */
IPC_API int ipc_shm_flush(ipc_shm_t *shm);

/* ---- Checked helpers. Offsets and lengths are in bytes; any range that does
 * not lie inside the segment returns IPC_ERANGE and changes nothing. Writes
 * through a read-only handle return IPC_EREADONLY. Input bytes are copied
 * before return. ---- */

IPC_API int ipc_shm_write(ipc_shm_t *shm, size_t offset, const void *data, size_t len);
IPC_API int ipc_shm_read(ipc_shm_t *shm, size_t offset, void *buf, size_t len);

/* Encode `text` (text_len bytes of UTF-8) with `enc` and store the result at
 * `offset`. *out_written (may be NULL) = bytes stored. Nothing is truncated: if
 * the encoded form does not fit, IPC_ERANGE and nothing is written. Invalid
 * UTF-8 text, or invalid base64/hex text, returns IPC_EILSEQ. */
IPC_API int ipc_shm_write_string(ipc_shm_t *shm, size_t offset, const char *text,
                                 size_t text_len, ipc_encoding_t enc, size_t *out_written);

/* Decode `len` bytes at `offset` with `enc` into UTF-8 text in buf, then a NUL.
 * *out_len = UTF-8 length (without the NUL). If cap <= that length, returns
 * IPC_EMSGSIZE with *out_len set to the length needed and buf untouched; so
 * (buf NULL, cap 0) asks for the size. The text is never longer than
 * 3 * len + 4 bytes, so a buffer of 3 * len + 5 always suffices in one call.
 * Invalid UTF-8 in the segment decodes to one U+FFFD per maximal invalid
 * subsequence (the WHATWG decoder Node uses); a lone UTF-16 surrogate to U+FFFD.
 * Known difference from Node: text crosses this ABI as UTF-8, so a lone
 * surrogate in a JS/C# string has already become U+FFFD before it is written. */
IPC_API int ipc_shm_read_string(ipc_shm_t *shm, size_t offset, size_t len,
                                ipc_encoding_t enc, char *buf, size_t cap, size_t *out_len);

/* Float arrays: `count` elements, native byte order, at any byte offset
 * (unaligned is fine). */
IPC_API int ipc_shm_write_f32(ipc_shm_t *shm, size_t offset, const float *values, size_t count);
IPC_API int ipc_shm_read_f32(ipc_shm_t *shm, size_t offset, float *out, size_t count);
IPC_API int ipc_shm_write_f64(ipc_shm_t *shm, size_t offset, const double *values, size_t count);
IPC_API int ipc_shm_read_f64(ipc_shm_t *shm, size_t offset, double *out, size_t count);

IPC_EXTERN_C_END

#endif /* IPC_SHM_H */
