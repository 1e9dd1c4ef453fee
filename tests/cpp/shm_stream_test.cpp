// White-box tests of the stream layout: the byte layout is the documented one,
// and a writer that died mid-write is taken over.
#include <ipc/shm_stream.hpp>

#include <gtest/gtest.h>

#include <cstring>

using namespace ipc;

TEST(CoreStream, LayoutIsTheDocumentedOne) {
  shared_memory shm(shm_kind::anon, "", open_mode::create_only, 64);
  shm_stream::write(shm, stream_type::string, "hi", 2);
  const auto *p = static_cast<const unsigned char *>(shm.data());
  std::uint32_t magic, version, type;
  std::uint64_t seq, length;
  std::memcpy(&magic, p + 0, 4);
  std::memcpy(&version, p + 4, 4);
  std::memcpy(&seq, p + 8, 8);
  std::memcpy(&type, p + 16, 4);
  std::memcpy(&length, p + 24, 8);
  EXPECT_EQ(magic, 0x53435049u);
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(seq, 2u);
  EXPECT_EQ(type, 1u);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(std::memcmp(p + 32, "hi", 2), 0);
}

TEST(CoreStream, DeadWriterIsTakenOver) {
  shared_memory shm(shm_kind::anon, "", open_mode::create_only, 64);
  shm_stream::write(shm, stream_type::bytes, "a", 1);
  // Simulate a writer killed mid-write: seq left odd.
  auto *seq = reinterpret_cast<std::uint64_t *>(static_cast<unsigned char *>(shm.data()) + 8);
  *seq = 3;
  char buf[8];
  try {
    shm_stream::read(shm, buf, sizeof buf);
    FAIL() << "read of an in-progress stream should time out";
  } catch (const error &e) {
    EXPECT_EQ(e.code(), IPC_EAGAIN);
  }
  shm_stream::write(shm, stream_type::bytes, "b", 1);  // waits out the takeover time
  stream_value v = shm_stream::read(shm, buf, sizeof buf);
  EXPECT_EQ(v.length, 1u);
  EXPECT_EQ(buf[0], 'b');
  EXPECT_EQ(*seq % 2, 0u);
}
