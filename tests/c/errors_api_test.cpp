// Public API: error strings, version, and the handle rules every area shares.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <thread>

TEST(Errors, EveryCodeHasANameAndAMessage) {
  std::set<std::string> names;
  for (int code = 0; code < IPC_ERROR_COUNT_; ++code) {
    std::string name = ipc_err_name(code);
    EXPECT_EQ(name.rfind("IPC_", 0), 0u) << code;
    EXPECT_NE(name, "IPC_EUNKNOWN") << code;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_GT(std::strlen(ipc_strerror(code)), 3u);
  }
  EXPECT_STREQ(ipc_err_name(IPC_OK), "IPC_OK");
  EXPECT_STREQ(ipc_err_name(IPC_ENOENT), "IPC_ENOENT");
  EXPECT_STREQ(ipc_err_name(-5), "IPC_EUNKNOWN");
  EXPECT_STREQ(ipc_err_name(9999), "IPC_EUNKNOWN");
  EXPECT_STREQ(ipc_strerror(9999), "unknown error");
}

TEST(Errors, ValuesAreStable) {
  // Append-only: bindings hard-code these numbers.
  EXPECT_EQ(IPC_OK, 0);
  EXPECT_EQ(IPC_EINVAL, 1);
  EXPECT_EQ(IPC_ENOENT, 2);
  EXPECT_EQ(IPC_EEXIST, 3);
  EXPECT_EQ(IPC_EACCES, 4);
  EXPECT_EQ(IPC_EBADHANDLE, 5);
  EXPECT_EQ(IPC_ETIMEDOUT, 12);
  EXPECT_EQ(IPC_EINTERNAL, 20);
}

TEST(Errors, LastErrorIsPerThreadAndDetailed) {
  ipc_shm_t *shm = nullptr;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, "ipct_surely_missing_segment", IPC_OPEN_ONLY, 0, 0, 0,
                         &shm),
            IPC_ENOENT);
  EXPECT_EQ(ipc_last_error_code(), IPC_ENOENT);
  EXPECT_NE(std::string(ipc_last_error_message()).find("ipct_surely_missing_segment"),
            std::string::npos)
      << ipc_last_error_message();
  std::thread([] {
    EXPECT_EQ(ipc_last_error_code(), IPC_OK);
    EXPECT_STREQ(ipc_last_error_message(), "");
  }).join();
}

TEST(Version, HeaderMatchesLibrary) {
  EXPECT_EQ(ipc_version(), static_cast<unsigned>(IPC_VERSION_HEX));
  EXPECT_STREQ(ipc_version_string(), IPC_VERSION_STRING);
}

TEST(Handles, NullClosedAndForgedHandlesAreErrorsNotCrashes) {
  size_t size = 0;
  EXPECT_EQ(ipc_shm_size(nullptr, &size), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_shm_close(nullptr), IPC_OK);  // closing NULL is a no-op

  ipc_shm_t *shm = nullptr;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 64, 0, 0, &shm), IPC_OK);
  ASSERT_EQ(ipc_shm_close(shm), IPC_OK);
  EXPECT_EQ(ipc_shm_size(shm, &size), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_shm_write(shm, 0, "x", 1), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_shm_close(shm), IPC_EBADHANDLE);  // double close

  // Pointers that were never handles: a stack address, garbage bits.
  int local = 0;
  EXPECT_EQ(ipc_shm_size(reinterpret_cast<ipc_shm_t *>(&local), &size), IPC_EBADHANDLE);
  EXPECT_EQ(ipc_shm_size(reinterpret_cast<ipc_shm_t *>(uintptr_t{0xdeadbeef0}), &size),
            IPC_EBADHANDLE);
  EXPECT_EQ(ipc_shm_close(reinterpret_cast<ipc_shm_t *>(uintptr_t{0x41})), IPC_EBADHANDLE);
}

TEST(Handles, CloseRacingWithUseNeverCrashes) {
  // Threads hammer one handle while another closes it: every call either works
  // or reports IPC_EBADHANDLE.
  for (int round = 0; round < 20; ++round) {
    ipc_shm_t *shm = nullptr;
    ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 4096, 0, 0, &shm), IPC_OK);
    std::atomic<int> bad{0};
    std::vector<std::thread> users;
    for (int t = 0; t < 3; ++t)
      users.emplace_back([&] {
        char buf[4096] = {1};
        for (int i = 0; i < 2000; ++i) {
          int rc = ipc_shm_write(shm, 0, buf, sizeof buf);
          if (rc != IPC_OK && rc != IPC_EBADHANDLE) ++bad;
          if (rc == IPC_EBADHANDLE) break;
        }
      });
    EXPECT_EQ(ipc_shm_close(shm), IPC_OK);
    for (auto &u : users) u.join();
    EXPECT_EQ(bad.load(), 0);
  }
}
