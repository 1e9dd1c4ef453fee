// libipc C ABI — the one guard every extern "C" body runs in, and the
// thread-local last-error detail.
//
// No C++ exception crosses the C ABI: guard() maps ipc::error to its code and
// anything else to IPC_ENOMEM / IPC_EINTERNAL. The one exception it must let
// through is abi::__forced_unwind (thread cancellation, or a Python interpreter
// shutting down under a native thread): swallowing it aborts the process.
#pragma once

#include <ipc/errors.h>
#include <ipc/error.hpp>

#include <cxxabi.h>
#include <new>
#include <string>

namespace ipc::capi {

int set_last_error(int code, const std::string &detail) noexcept;

template <class F> int guard(F &&body) {
  try {
    body();
    return IPC_OK;
  } catch (abi::__forced_unwind &) {
    throw;
  } catch (const ipc::error &e) {
    return set_last_error(static_cast<int>(e.code()), e.what());
  } catch (const std::bad_alloc &) {
    return set_last_error(IPC_ENOMEM, "out of memory");
  } catch (const std::exception &e) {
    return set_last_error(IPC_EINTERNAL, e.what());
  } catch (...) {
    return set_last_error(IPC_EINTERNAL, "unknown exception");
  }
}

// Throws IPC_EINVAL naming the argument if p is NULL.
inline void require(const void *p, const char *what) {
  if (!p) throw_error(IPC_EINVAL, std::string(what) + " is NULL");
}

}  // namespace ipc::capi
