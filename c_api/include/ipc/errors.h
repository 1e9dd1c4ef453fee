/* libipc — error codes.
 *
 * Every fallible function returns an int: IPC_OK (0) on success, or one of the
 * positive codes below. The list is append-only: a value is never reused or
 * renumbered, so bindings may hard-code it.
 *
 * IPC_ERROR_MAP is the single list from which the enum, ipc_strerror() and
 * ipc_err_name() are generated (and, in bindings, each language's error enum).
 */
#ifndef IPC_ERRORS_H
#define IPC_ERRORS_H

#include <ipc/export.h>

/*     X(name, value, message) */
#define IPC_ERROR_MAP(X)                                                        \
  X(OK,           0,  "success")                                               \
  X(EINVAL,       1,  "invalid argument")                                      \
  X(ENOENT,       2,  "no such named resource")                                \
  X(EEXIST,       3,  "named resource already exists")                         \
  X(EACCES,       4,  "permission denied")                                     \
  X(EBADHANDLE,   5,  "invalid, wrong-type or closed handle")                  \
  X(EBADNAME,     6,  "invalid name (empty, or contains a forbidden character)") \
  X(ENAMETOOLONG, 7,  "name too long")                                         \
  X(ERANGE,       8,  "offset or length out of range")                         \
  X(EREADONLY,    9,  "handle is read-only")                                   \
  X(ENOMEM,       10, "out of memory or address space")                        \
  X(ENOSPC,       11, "no space left, or a system limit was reached")          \
  X(ETIMEDOUT,    12, "timed out")                                             \
  X(EAGAIN,       13, "resource temporarily unavailable; try again")           \
  X(EMSGSIZE,     14, "message or buffer size mismatch")                       \
  X(EILSEQ,       15, "invalid encoded data")                                  \
  X(ENOTSUP,      16, "operation not supported for this kind of object")       \
  X(ECORRUPT,     17, "shared data structure is corrupt or has a foreign layout") \
  X(ECLOSED,      18, "peer or object was closed")                             \
  X(EIO,          19, "operating system I/O error")                            \
  X(EINTERNAL,    20, "internal error (a bug in libipc)")                      \
  X(ECONNREFUSED, 21, "connection refused (nothing is listening there)")       \
  X(ECONNRESET,   22, "connection reset or lost")                              \
  X(EADDRINUSE,   23, "address already in use")                                \
  X(ETLS,         24, "TLS handshake or certificate verification failed")

typedef enum ipc_error {
#define IPC_ERROR_ENUM_(name, value, msg) IPC_##name = value,
  IPC_ERROR_MAP(IPC_ERROR_ENUM_)
#undef IPC_ERROR_ENUM_
  IPC_ERROR_COUNT_ /* not an error; one past the last value */
} ipc_error_t;

IPC_EXTERN_C_BEGIN

/* A static English description of `code`; "unknown error" for a value not in
 * the list. Never NULL. Any thread. */
IPC_API const char *ipc_strerror(int code);

/* The symbolic name of `code`, e.g. "IPC_ENOENT"; "IPC_EUNKNOWN" for a value not
 * in the list. Never NULL. Any thread. */
IPC_API const char *ipc_err_name(int code);

/* Detail about the most recent failing call made *on this thread*: which
 * operation, on which name, and the OS error if any, e.g.
 * "shm_open(\"/demo\"): No such file or directory". The string is owned by the
 * library and stays valid until the next libipc call on this thread. Successful
 * calls do not clear it. Returns "" if no call has failed on this thread. */
IPC_API const char *ipc_last_error_message(void);

/* The code returned by the most recent failing call on this thread (IPC_OK if
 * none). Lets bindings that only see a boolean still report the code. */
IPC_API int ipc_last_error_code(void);

IPC_EXTERN_C_END

#endif /* IPC_ERRORS_H */
