/* libipc — export macro.
 *
 * Every public function is declared IPC_API. The library is built with hidden
 * visibility by default, so only IPC_API symbols are exported (libuv, nng). */
#ifndef IPC_EXPORT_H
#define IPC_EXPORT_H

#if defined(_WIN32)
#  if defined(IPC_BUILDING)
#    define IPC_API __declspec(dllexport)
#  elif defined(IPC_STATIC)
#    define IPC_API
#  else
#    define IPC_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define IPC_API __attribute__((visibility("default")))
#else
#  define IPC_API
#endif

#ifdef __cplusplus
#  define IPC_EXTERN_C_BEGIN extern "C" {
#  define IPC_EXTERN_C_END }
#else
#  define IPC_EXTERN_C_BEGIN
#  define IPC_EXTERN_C_END
#endif

#endif /* IPC_EXPORT_H */
