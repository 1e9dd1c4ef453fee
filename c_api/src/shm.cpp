// libipc C ABI — ipc_shm_* over ipc::shared_memory.
#include <ipc/shm.h>

#include <ipc/encoding.hpp>
#include <ipc/shm.hpp>

#include <cstring>
#include <string>

#include "guard.hpp"
#include "handles.hpp"

using namespace ipc;
using namespace ipc::capi;

namespace {

using shm_handles = handles<ipc_shm_t, shared_memory, handle_type::shm>;

shm_kind to_kind(const ipc_shm_kind_t &k) {
  return checked_enum<shm_kind>(k, IPC_SHM_POSIX, IPC_SHM_ANON, "segment kind");
}

encoding to_encoding(const ipc_encoding_t &e) {
  return checked_enum<encoding>(e, IPC_ENC_UTF8, IPC_ENC_BASE64URL, "encoding");
}

std::string_view name_arg(shm_kind kind, const char *name) {
  if (kind == shm_kind::anon) return {};
  require(name, "name");
  return name;
}

// Copies text into buf with a NUL, or reports the size needed (EMSGSIZE).
void copy_out(const std::string &s, char *buf, size_t cap, size_t *out_len) {
  *out_len = s.size();
  if (cap <= s.size())
    throw_error(IPC_EMSGSIZE, "buffer of " + std::to_string(cap) + " bytes; " +
                                    std::to_string(s.size() + 1) + " needed");
  require(buf, "buf");
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
}

template <class V>
int write_array(ipc_shm_t *h, size_t offset, const V *values, size_t count) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (count) require(values, "values");
    if (count > SIZE_MAX / sizeof(V)) throw_error(IPC_ERANGE, "count too large");
    shm->write(offset, values, count * sizeof(V));
  });
}

template <class V> int read_array(ipc_shm_t *h, size_t offset, V *out, size_t count) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (count) require(out, "out");
    if (count > SIZE_MAX / sizeof(V)) throw_error(IPC_ERANGE, "count too large");
    shm->read(offset, out, count * sizeof(V));
  });
}

}  // namespace

extern "C" {

IPC_API int ipc_shm_open(ipc_shm_kind_t kind, const char *name, ipc_open_mode_t mode,
                         size_t size, unsigned flags, unsigned perm, ipc_shm_t **out) {
  if (out) *out = nullptr;
  return guard([&] {
    require(out, "out");
    if (flags & ~IPC_SHM_READONLY) throw_error(IPC_EINVAL, "unknown flags");
    shm_options opts;
    opts.read_only = flags & IPC_SHM_READONLY;
    opts.perm = perm;
    const shm_kind k = to_kind(kind);
    const open_mode m = checked_enum<open_mode>(mode, IPC_CREATE_ONLY, IPC_OPEN_OR_CREATE, "open mode");
    auto obj = std::make_shared<shared_memory>(k, name_arg(k, name), m, size, opts);
    *out = shm_handles::add(std::move(obj));
  });
}

IPC_API int ipc_shm_close(ipc_shm_t *h) {
  if (!h) return IPC_OK;
  return guard([&] {
    auto obj = shm_handles::take(h);
    obj->flush();  // report a failed flush; the destructor would swallow it
  });
}

IPC_API int ipc_shm_remove(ipc_shm_kind_t kind, const char *name) {
  return guard([&] {
    const shm_kind k = to_kind(kind);
    shared_memory::remove(k, name_arg(k, name));
  });
}

IPC_API int ipc_shm_exists(ipc_shm_kind_t kind, const char *name, int *out) {
  return guard([&] {
    require(out, "out");
    const shm_kind k = to_kind(kind);
    *out = shared_memory::exists(k, name_arg(k, name)) ? 1 : 0;
  });
}

IPC_API int ipc_shm_data(ipc_shm_t *h, void **out_addr, size_t *out_size) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_addr, "out_addr");
    *out_addr = shm->data();
    if (out_size) *out_size = shm->size();
  });
}

IPC_API int ipc_shm_size(ipc_shm_t *h, size_t *out_size) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_size, "out_size");
    *out_size = shm->size();
  });
}

IPC_API int ipc_shm_kind(ipc_shm_t *h, ipc_shm_kind_t *out_kind) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_kind, "out_kind");
    *out_kind = static_cast<ipc_shm_kind_t>(shm->kind());
  });
}

IPC_API int ipc_shm_is_readonly(ipc_shm_t *h, int *out) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out, "out");
    *out = shm->read_only() ? 1 : 0;
  });
}

IPC_API int ipc_shm_name(ipc_shm_t *h, char *buf, size_t cap, size_t *out_len) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_len, "out_len");
    copy_out(shm->name(), buf, cap, out_len);
  });
}

IPC_API int ipc_shm_flush(ipc_shm_t *h) {
  return guard([&] { shm_handles::get(h)->flush(); });
}

IPC_API int ipc_shm_write(ipc_shm_t *h, size_t offset, const void *data, size_t len) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (len) require(data, "data");
    shm->write(offset, data, len);
  });
}

IPC_API int ipc_shm_read(ipc_shm_t *h, size_t offset, void *buf, size_t len) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (len) require(buf, "buf");
    shm->read(offset, buf, len);
  });
}

IPC_API int ipc_shm_write_string(ipc_shm_t *h, size_t offset, const char *text, size_t text_len,
                                 ipc_encoding_t enc, size_t *out_written) {
  if (out_written) *out_written = 0;
  return guard([&] {
    auto shm = shm_handles::get(h);
    if (text_len) require(text, "text");
    std::string bytes = encode_text({text ? text : "", text_len}, to_encoding(enc));
    shm->write(offset, bytes.data(), bytes.size());
    if (out_written) *out_written = bytes.size();
  });
}

IPC_API int ipc_shm_read_string(ipc_shm_t *h, size_t offset, size_t len, ipc_encoding_t enc,
                                char *buf, size_t cap, size_t *out_len) {
  return guard([&] {
    auto shm = shm_handles::get(h);
    require(out_len, "out_len");
    const encoding e = to_encoding(enc);
    const std::byte *p = shm->checked_range(offset, len, false);
    copy_out(decode_bytes(p, len, e), buf, cap, out_len);
  });
}

IPC_API int ipc_shm_write_f32(ipc_shm_t *h, size_t offset, const float *v, size_t count) {
  return write_array(h, offset, v, count);
}
IPC_API int ipc_shm_read_f32(ipc_shm_t *h, size_t offset, float *out, size_t count) {
  return read_array(h, offset, out, count);
}
IPC_API int ipc_shm_write_f64(ipc_shm_t *h, size_t offset, const double *v, size_t count) {
  return write_array(h, offset, v, count);
}
IPC_API int ipc_shm_read_f64(ipc_shm_t *h, size_t offset, double *out, size_t count) {
  return read_array(h, offset, out, count);
}

}  // extern "C"
