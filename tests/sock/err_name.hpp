// Test support for C++ code linked to the core only (not libipc.so, where
// ipc_err_name lives): the symbolic name of an ipc_error_t, from the same
// X-macro list as the C ABI's.
#pragma once

#include <ipc/errors.h>

namespace ipc_test {

inline const char *err_name(int code) {
  switch (code) {
#define IPC_TEST_ERR_NAME_(name, value, msg) \
  case value:                                \
    return "IPC_" #name;
    IPC_ERROR_MAP(IPC_TEST_ERR_NAME_)
#undef IPC_TEST_ERR_NAME_
  }
  return "IPC_EUNKNOWN";
}

}  // namespace ipc_test
