// libipc C++ core — the seqlock stream layout (see <ipc/shm_stream.h>).
#include <ipc/shm_stream.hpp>
#include <ipc/encoding.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace ipc {
namespace {

constexpr std::uint32_t kMagic = 0x53435049u;  // IPC_SHM_STREAM_MAGIC
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeader = 32;            // IPC_SHM_STREAM_HEADER
constexpr auto kTakeover = std::chrono::milliseconds(1000);
constexpr auto kReadPatience = std::chrono::milliseconds(200);

struct header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint64_t seq;
  std::uint32_t type;
  std::uint32_t reserved;
  std::uint64_t length;
};
static_assert(sizeof(header) == kHeader, "stream header layout");

// The header lives in memory other processes write, so every field is accessed
// atomically (GCC/Clang builtins: std::atomic_ref is C++20).
template <class T> T load(const T *p, int order = __ATOMIC_ACQUIRE) {
  return __atomic_load_n(p, order);
}
template <class T> void store(T *p, T v, int order = __ATOMIC_RELEASE) {
  __atomic_store_n(p, v, order);
}

header *get_header(const shared_memory &shm) {
  if (shm.size() < kHeader)
    throw_error(IPC_ERANGE, "segment of " + std::to_string(shm.size()) +
                                  " bytes is smaller than the 32-byte stream header");
  return static_cast<header *>(shm.data());
}

void check_layout(const header *h, std::uint64_t seq) {
  std::uint32_t magic = load(&h->magic, __ATOMIC_RELAXED);
  if (magic == kMagic) {
    if (load(&h->version, __ATOMIC_RELAXED) != kVersion)
      throw_error(IPC_ECORRUPT, "stream layout version is not 1");
    return;
  }
  if (magic != 0 || seq != 0)
    throw_error(IPC_ECORRUPT, "segment does not hold a libipc stream");
}

// Backs off: spin briefly, then yield, then sleep, so a waiting peer never
// burns a core for long.
void backoff(unsigned &n) {
  if (++n < 64) return;
  if (n < 256) std::this_thread::yield();
  else std::this_thread::sleep_for(std::chrono::microseconds(50));
}

}  // namespace

namespace shm_stream {

std::size_t capacity(const shared_memory &shm) {
  get_header(shm);
  return shm.size() - kHeader;
}

std::uint64_t version(const shared_memory &shm) {
  const header *h = get_header(shm);
  std::uint64_t s = load(&h->seq);
  check_layout(h, s);
  return s / 2;
}

void write(shared_memory &shm, stream_type type, const void *data, std::size_t len) {
  if (shm.read_only()) throw_error(IPC_EREADONLY, "segment is mapped read-only");
  header *h = get_header(shm);
  const std::size_t cap = shm.size() - kHeader;
  switch (type) {
    case stream_type::string:
      if (!valid_utf8({static_cast<const char *>(data), len}))
        throw_error(IPC_EILSEQ, "stream string is not valid UTF-8");
      break;
    case stream_type::f32:
      if (len % 4) throw_error(IPC_EINVAL, "float32 payload length is not a multiple of 4");
      break;
    case stream_type::f64:
      if (len % 8) throw_error(IPC_EINVAL, "float64 payload length is not a multiple of 8");
      break;
    case stream_type::bytes:
      break;
    default:
      throw_error(IPC_EINVAL, "unknown stream value type");
  }
  if (len > cap)
    throw_error(IPC_ERANGE, "value of " + std::to_string(len) + " bytes exceeds stream capacity " +
                                  std::to_string(cap));
  if (len && !data) throw_error(IPC_EINVAL, "data is NULL");

  // Take the write side: even s -> s+1. A seq that stays odd past the takeover
  // time belongs to a writer that died: take it over by moving it to s+2.
  std::uint64_t mine = 0;
  unsigned spins = 0;
  auto odd_since = std::chrono::steady_clock::time_point{};
  for (;;) {
    std::uint64_t s = load(&h->seq);
    check_layout(h, s);
    if (s % 2 == 0) {
      if (__atomic_compare_exchange_n(&h->seq, &s, s + 1, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE)) {
        mine = s + 1;
        break;
      }
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    if (odd_since == decltype(odd_since){}) odd_since = now;
    if (now - odd_since > kTakeover &&
        __atomic_compare_exchange_n(&h->seq, &s, s + 2, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      mine = s + 2;
      break;
    }
    backoff(spins);
  }
  std::atomic_thread_fence(std::memory_order_release);  // seq odd before any byte below
  store(&h->magic, kMagic, __ATOMIC_RELAXED);
  store(&h->version, kVersion, __ATOMIC_RELAXED);
  if (len) std::memcpy(reinterpret_cast<unsigned char *>(h) + kHeader, data, len);
  store(&h->type, static_cast<std::uint32_t>(type), __ATOMIC_RELAXED);
  store(&h->length, static_cast<std::uint64_t>(len), __ATOMIC_RELAXED);
  store(&h->seq, mine + 1);  // release: the value is whole before seq is even
}

stream_value read(const shared_memory &shm, void *buf, std::size_t cap) {
  const header *h = get_header(shm);
  const std::size_t seg_cap = shm.size() - kHeader;
  const auto deadline = std::chrono::steady_clock::now() + kReadPatience;
  unsigned spins = 0;
  for (;;) {
    std::uint64_t s1 = load(&h->seq);
    if (s1 % 2 == 0) {
      check_layout(h, s1);
      stream_value v;
      v.type = static_cast<stream_type>(load(&h->type, __ATOMIC_RELAXED));
      v.length = static_cast<std::size_t>(load(&h->length, __ATOMIC_RELAXED));
      v.version = s1 / 2;
      bool plausible = v.length <= seg_cap;
      if (plausible && v.length <= cap && v.length)
        std::memcpy(buf, reinterpret_cast<const unsigned char *>(h) + kHeader, v.length);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (load(&h->seq, __ATOMIC_RELAXED) == s1) {
        if (!plausible) throw_error(IPC_ECORRUPT, "stream length exceeds the segment");
        return v;  // length > cap: nothing copied, the caller reports EMSGSIZE
      }
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw_error(IPC_EAGAIN, "stream write in progress (or its writer died)");
    backoff(spins);
  }
}

stream_value read_all(const shared_memory &shm, std::vector<unsigned char> &out) {
  for (;;) {
    stream_value v = read(shm, out.data(), out.size());
    if (v.length <= out.size()) {
      out.resize(v.length);
      return v;
    }
    out.resize(v.length);  // grew between calls: retry with the size it needs
  }
}

}  // namespace shm_stream
}  // namespace ipc
