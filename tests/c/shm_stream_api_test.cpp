// Public API tests of the seqlock stream layout (ipc_shm_stream_*).
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {
struct Segment {
  ipc_shm_t *h = nullptr;
  explicit Segment(size_t size) {
    EXPECT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, size, 0, 0, &h), IPC_OK);
  }
  ~Segment() { ipc_shm_close(h); }
};
}  // namespace

TEST(ShmStream, EmptyThenValuesWithVersions) {
  Segment s(256);
  ipc_stream_type_t type;
  size_t len = 99;
  uint64_t version = 99;
  char buf[256];
  ASSERT_EQ(ipc_shm_stream_read(s.h, &type, buf, sizeof buf, &len, &version), IPC_OK);
  EXPECT_EQ(type, IPC_STREAM_EMPTY);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(version, 0u);
  size_t cap = 0;
  ASSERT_EQ(ipc_shm_stream_capacity(s.h, &cap), IPC_OK);
  EXPECT_EQ(cap, 256u - IPC_SHM_STREAM_HEADER);

  const std::string text = "{ remoteApp: 'ab\xF0\x9F\x98\x83' }";
  ASSERT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_STRING, text.data(), text.size()), IPC_OK);
  ASSERT_EQ(ipc_shm_stream_read(s.h, &type, buf, sizeof buf, &len, &version), IPC_OK);
  EXPECT_EQ(type, IPC_STREAM_STRING);
  EXPECT_EQ(std::string(buf, len), text);
  EXPECT_EQ(version, 1u);

  const double d[3] = {1, 2, 3};
  ASSERT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_F64, d, sizeof d), IPC_OK);
  ASSERT_EQ(ipc_shm_stream_version(s.h, &version), IPC_OK);
  EXPECT_EQ(version, 2u);
  double out[3];
  ASSERT_EQ(ipc_shm_stream_read(s.h, &type, out, sizeof out, &len, nullptr), IPC_OK);
  EXPECT_EQ(type, IPC_STREAM_F64);
  EXPECT_EQ(len, sizeof d);
  EXPECT_EQ(out[2], 3.0);
  // Too small a buffer: EMSGSIZE with the size needed.
  ASSERT_EQ(ipc_shm_stream_read(s.h, &type, out, 8, &len, nullptr), IPC_EMSGSIZE);
  EXPECT_EQ(len, sizeof d);
}

TEST(ShmStream, BadInput) {
  Segment s(64);
  char big[100] = {};
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_BYTES, big, 33), IPC_ERANGE);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_F32, big, 3), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_F64, big, 12), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_EMPTY, big, 0), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_stream_write(s.h, static_cast<ipc_stream_type_t>(9), big, 1), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_STRING, "\xFF", 1), IPC_EILSEQ);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_BYTES, nullptr, 4), IPC_EINVAL);
  Segment tiny(16);
  EXPECT_EQ(ipc_shm_stream_write(tiny.h, IPC_STREAM_BYTES, big, 1), IPC_ERANGE);
  // A segment holding something else is not taken for a stream.
  ASSERT_EQ(ipc_shm_write(s.h, 0, "garbage!", 8), IPC_OK);
  EXPECT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_BYTES, big, 1), IPC_ECORRUPT);
  char buf[64];
  EXPECT_EQ(ipc_shm_stream_read(s.h, nullptr, buf, sizeof buf, nullptr, nullptr), IPC_ECORRUPT);
}

TEST(ShmStream, ReadersNeverSeeATornValue) {
  // A writer alternates two values that differ in every byte; readers check
  // each value they get is one of the two, whole.
  Segment s(4096 + IPC_SHM_STREAM_HEADER);
  std::vector<unsigned char> a(4096, 0xAA), b(2048, 0x55);
  ASSERT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_BYTES, a.data(), a.size()), IPC_OK);
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      std::vector<unsigned char> buf(4096);
      while (!stop) {
        size_t len = 0;
        if (ipc_shm_stream_read(s.h, nullptr, buf.data(), buf.size(), &len, nullptr) != IPC_OK)
          continue;
        ++reads;
        unsigned char want = len == 4096 ? 0xAA : 0x55;
        if (len != 4096 && len != 2048) ++torn;
        for (size_t i = 0; i < len; ++i)
          if (buf[i] != want) {
            ++torn;
            break;
          }
      }
    });
  for (int i = 0; i < 20000; ++i) {
    auto &v = i % 2 ? a : b;
    ASSERT_EQ(ipc_shm_stream_write(s.h, IPC_STREAM_BYTES, v.data(), v.size()), IPC_OK);
  }
  while (reads < 1000) std::this_thread::yield();
  stop = true;
  for (auto &r : readers) r.join();
  EXPECT_EQ(torn.load(), 0);
  uint64_t version = 0;
  ipc_shm_stream_version(s.h, &version);
  EXPECT_EQ(version, 20001u);
}
