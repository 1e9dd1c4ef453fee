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

#include <cstring>
#include <cxxabi.h>
#include <new>
#include <string>
#include <type_traits>

namespace ipc::capi {

int set_last_error(int code, const std::string &detail) noexcept;

// body() returns void (IPC_OK unless it throws) or an int code: expected
// outcomes on hot paths (IPC_EAGAIN from a non-blocking call, a timeout) come
// back as codes through report(), because a C++ throw costs ~1.7 µs.
template <class F> int guard(F &&body) {
  try {
    if constexpr (std::is_same_v<decltype(body()), void>) {
      body();
      return IPC_OK;
    } else {
      return static_cast<int>(body());
    }
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
// A C caller may pass any int where a header says enum, and reading an
// out-of-range value through a C++ enum type is undefined behaviour. So enum
// arguments are read as their bytes, range-checked (IPC_EINVAL naming `what`),
// and only then converted. Take the parameter by reference: never load it.
template <class To, class E> To checked_enum(const E &e, int lo, int hi, const char *what) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  if (v < lo || v > hi) throw_error(IPC_EINVAL, std::string("unknown ") + what);
  return static_cast<To>(v);
}

inline void require(const void *p, const char *what) {
  if (!p) throw_error(IPC_EINVAL, std::string(what) + " is NULL");
}

}  // namespace ipc::capi
