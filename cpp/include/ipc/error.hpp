// libipc C++ core — errors.
//
// The core reports failures by throwing ipc::error, whose code() is one of the
// C ABI's ipc_error_t values (the one list in <ipc/errors.h>), so the C layer
// maps an exception to a code without a translation table.
#pragma once

#include <ipc/errors.h>

#include <stdexcept>
#include <string>
#include <system_error>

namespace ipc {

// The core uses the C ABI's own constants (IPC_ENOENT, ...): one list, one
// spelling. (Plain names like ENOENT would collide with <errno.h> macros.)
using errc = ::ipc_error;

const std::error_category &ipc_category() noexcept;


// Thrown by every fallible core operation. what() carries the detail (which
// operation, which name, the OS error); code() the ipc::errc.
// Thread safety: an immutable value.
class error : public std::runtime_error {
public:
  error(errc code, const std::string &detail)
      : std::runtime_error(detail), code_(code) {}
  errc code() const noexcept { return code_; }

private:
  errc code_;
};

// Throws ipc::error(code, detail).
[[noreturn]] void throw_error(errc code, const std::string &detail);
// Throws the ipc::error that best matches an OS errno: ENOENT -> ENOENT, ...
[[noreturn]] void throw_errno(int os_errno, const std::string &what);
// The ipc::errc that best matches an OS errno.
errc errc_from_errno(int os_errno) noexcept;

}  // namespace ipc

// Found by argument-dependent lookup for ::ipc_error, hence global.
inline std::error_code make_error_code(ipc_error e) noexcept {
  return {static_cast<int>(e), ipc::ipc_category()};
}
template <> struct std::is_error_code_enum<::ipc_error> : std::true_type {};
