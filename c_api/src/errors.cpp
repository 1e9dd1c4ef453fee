// libipc C ABI — error strings, last-error detail, version.
#include "guard.hpp"

#include <ipc/version.h>

namespace {
thread_local std::string t_last_message;
thread_local int t_last_code = IPC_OK;
}  // namespace

namespace ipc::capi {
int set_last_error(int code, const std::string &detail) noexcept {
  try {
    t_last_message = detail;
  } catch (...) {
    t_last_message.clear();  // out of memory: keep the code, lose the detail
  }
  t_last_code = code;
  return code;
}
}  // namespace ipc::capi

extern "C" {

IPC_API const char *ipc_strerror(int code) {
  switch (code) {
#define IPC_STRERROR_(name, value, msg) \
  case value:                           \
    return msg;
    IPC_ERROR_MAP(IPC_STRERROR_)
#undef IPC_STRERROR_
    default:
      return "unknown error";
  }
}

IPC_API const char *ipc_err_name(int code) {
  switch (code) {
#define IPC_ERRNAME_(name, value, msg) \
  case value:                          \
    return "IPC_" #name;
    IPC_ERROR_MAP(IPC_ERRNAME_)
#undef IPC_ERRNAME_
    default:
      return "IPC_EUNKNOWN";
  }
}

IPC_API const char *ipc_last_error_message(void) { return t_last_message.c_str(); }
IPC_API int ipc_last_error_code(void) { return t_last_code; }

IPC_API unsigned ipc_version(void) { return IPC_VERSION_HEX; }
IPC_API const char *ipc_version_string(void) { return IPC_VERSION_STRING; }

}  // extern "C"
