// libipc C ABI — ipc_shm_stream_* over ipc::shm_stream.
#include <ipc/shm_stream.h>

#include <ipc/shm_stream.hpp>

#include "guard.hpp"
#include "handles.hpp"

using namespace ipc;
using namespace ipc::capi;

namespace {
using shm_handles = handles<ipc_shm_t, shared_memory, handle_type::shm>;
}

extern "C" {

IPC_API int ipc_shm_stream_write(ipc_shm_t *h, ipc_stream_type_t type, const void *data,
                                 size_t len) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    const auto t = checked_enum<stream_type>(type, IPC_STREAM_STRING, IPC_STREAM_BYTES,
                                             "stream value type (EMPTY cannot be written)");
    shm_stream::write(*shm, t, data, len);
  });
}

IPC_API int ipc_shm_stream_read(ipc_shm_t *h, ipc_stream_type_t *out_type, void *buf, size_t cap,
                                size_t *out_len, uint64_t *out_version) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (cap) require(buf, "buf");
    stream_value v = shm_stream::read(*shm, buf, cap);
    if (out_type) *out_type = static_cast<ipc_stream_type_t>(v.type);
    if (out_len) *out_len = v.length;
    if (out_version) *out_version = v.version;
    if (v.length > cap)
      throw_error(IPC_EMSGSIZE, "stream value of " + std::to_string(v.length) +
                                      " bytes; buffer of " + std::to_string(cap));
  });
}

IPC_API int ipc_shm_stream_version(ipc_shm_t *h, uint64_t *out_version) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_version, "out_version");
    *out_version = shm_stream::version(*shm);
  });
}

IPC_API int ipc_shm_stream_capacity(ipc_shm_t *h, size_t *out_capacity) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_capacity, "out_capacity");
    *out_capacity = shm_stream::capacity(*shm);
  });
}

}  // extern "C"
