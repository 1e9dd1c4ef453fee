// libipc C++ core — the seqlock stream layout over a segment (see
// <ipc/shm_stream.h> for the byte layout and the protocol).
#pragma once

#include <ipc/shm.hpp>

#include <cstdint>
#include <vector>

namespace ipc {

enum class stream_type : std::uint32_t { empty = 0, string = 1, f32 = 2, f64 = 3, bytes = 4 };

struct stream_value {
  stream_type type = stream_type::empty;
  std::uint64_t version = 0;
  std::size_t length = 0;  // bytes; may exceed the copy if the buffer was small
};

// Stateless functions over a mapped segment; safe from any thread and process.
namespace shm_stream {
void write(shared_memory &shm, stream_type type, const void *data, std::size_t len);
// Copies the current value into buf (cap bytes). If it does not fit, copies
// nothing and returns its length (> cap). Throws IPC_EAGAIN if a write stays
// in progress through the bounded retries, IPC_ECORRUPT for a foreign layout.
stream_value read(const shared_memory &shm, void *buf, std::size_t cap);
std::uint64_t version(const shared_memory &shm);
std::size_t capacity(const shared_memory &shm);
// Convenience: the whole current value.
stream_value read_all(const shared_memory &shm, std::vector<unsigned char> &out);
}  // namespace shm_stream

}  // namespace ipc
