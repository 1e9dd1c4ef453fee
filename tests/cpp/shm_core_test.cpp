// White-box tests of the C++ core's shared_memory.
#include <ipc/shm.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "test_names.hpp"

using ipc::open_mode;
using ipc::shared_memory;
using ipc::shm_kind;

namespace {
ipc::errc code_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const ipc::error &e) {
    return e.code();
  }
  return IPC_OK;
}
}  // namespace

TEST(CoreShm, ThrowsTypedErrors) {
  const std::string name = ipc_test::unique_name();
  ipc_test::scoped_cleanup cleanup([&] {
    if (shared_memory::exists(shm_kind::posix, name)) shared_memory::remove(shm_kind::posix, name);
  });
  EXPECT_EQ(code_of([&] { shared_memory(shm_kind::posix, name, open_mode::open_only, 0); }),
            IPC_ENOENT);
  shared_memory a(shm_kind::posix, name, open_mode::create_only, 4096);
  EXPECT_EQ(code_of([&] { shared_memory(shm_kind::posix, name, open_mode::create_only, 10); }),
            IPC_EEXIST);
  EXPECT_EQ(code_of([&] { a.write(4090, "1234567", 7); }), IPC_ERANGE);
  EXPECT_EQ(code_of([] { shared_memory::validate_name(shm_kind::posix, "a/b"); }), IPC_EBADNAME);
  EXPECT_EQ(code_of([] { shared_memory::validate_name(shm_kind::sysv, "12x"); }), IPC_EBADNAME);
  EXPECT_EQ(code_of([] { shared_memory::validate_name(shm_kind::sysv, "0x10"); }), IPC_OK);
}

TEST(CoreShm, MoveKeepsTheMapping) {
  shared_memory a(shm_kind::anon, "", open_mode::create_only, 128);
  std::memcpy(a.data(), "moved", 6);
  shared_memory b(std::move(a));
  EXPECT_STREQ(static_cast<const char *>(b.data()), "moved");
  EXPECT_EQ(b.size(), 128u);
  shared_memory c(shm_kind::anon, "", open_mode::create_only, 8);
  c = std::move(b);
  EXPECT_EQ(c.size(), 128u);
}

TEST(CoreShm, ErrorCategoryNamesCodes) {
  std::error_code ec = IPC_ENOENT;
  EXPECT_STREQ(ec.category().name(), "ipc");
  EXPECT_EQ(ec.message(), "no such named resource");
}
