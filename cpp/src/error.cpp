// libipc C++ core — error category and errno mapping.
#include <ipc/error.hpp>

#include <cerrno>
#include <cstring>

namespace ipc {
namespace {

class category_impl final : public std::error_category {
public:
  const char *name() const noexcept override { return "ipc"; }
  std::string message(int code) const override {
    switch (code) {
#define IPC_CPP_MSG_(name, value, msg) \
  case value:                          \
    return msg;
      IPC_ERROR_MAP(IPC_CPP_MSG_)
#undef IPC_CPP_MSG_
      default:
        return "unknown error";
    }
  }
};

}  // namespace

const std::error_category &ipc_category() noexcept {
  static const category_impl instance;
  return instance;
}

errc errc_from_errno(int e) noexcept {
  switch (e) {
    case 0: return IPC_EINTERNAL;
    case ENOENT: return IPC_ENOENT;
    case EEXIST: return IPC_EEXIST;
    case EACCES:
    case EPERM: return IPC_EACCES;
    case EINVAL: return IPC_EINVAL;
    case ENAMETOOLONG: return IPC_ENAMETOOLONG;
    case ENOMEM: return IPC_ENOMEM;
    case ENOSPC:
    case EMFILE:
    case ENFILE:
    case EFBIG: return IPC_ENOSPC;
    case ETIMEDOUT: return IPC_ETIMEDOUT;
    case EAGAIN: return IPC_EAGAIN;
    case EMSGSIZE: return IPC_EMSGSIZE;
    case EROFS: return IPC_EREADONLY;
    case ENOTSUP: return IPC_ENOTSUP;
    case EILSEQ: return IPC_EILSEQ;
    case ECONNREFUSED: return IPC_ECONNREFUSED;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case ENOTCONN: return IPC_ECONNRESET;
    case EADDRINUSE: return IPC_EADDRINUSE;
    default: return IPC_EIO;
  }
}

void throw_error(errc code, const std::string &detail) { throw error(code, detail); }

void throw_errno(int os_errno, const std::string &what) {
  throw error(errc_from_errno(os_errno), what + ": " + std::strerror(os_errno));
}

}  // namespace ipc
