// Multi-process tests: one process creates and writes, another opens by name
// and reads. Processes synchronise on events (exit, a printed line), never sleeps.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cstring>

#include <sys/wait.h>
#include <unistd.h>

#include "child_process.hpp"
#include "test_names.hpp"

using ipc_test::child_process;
using ipc_test::run;
using ipc_test::scoped_cleanup;

namespace {

const std::string kChild = IPC_TEST_CHILD;

struct KindCase {
  const char *arg;
  ipc_shm_kind_t kind;
};

std::string name_for(ipc_shm_kind_t kind) {
  if (kind == IPC_SHM_SYSV) return ipc_test::unique_sysv_key();
  if (kind == IPC_SHM_FILE) return ipc_test::unique_path();
  return ipc_test::unique_name();
}

// Names the parameter in ctest's listing ("posix", not a byte dump).
[[maybe_unused]] void PrintTo(const KindCase &c, std::ostream *os) { *os << c.arg; }

class ShmProcess : public ::testing::TestWithParam<KindCase> {};

}  // namespace

TEST_P(ShmProcess, CreatedInOneProcessReadInAnother) {
  const KindCase c = GetParam();
  const std::string name = name_for(c.kind);
  scoped_cleanup cleanup([&] { ipc_shm_remove(c.kind, name.c_str()); });
  ASSERT_EQ(run({kChild, "create", c.arg, name, "65536"}), 0);
  EXPECT_EQ(run({kChild, "check", c.arg, name, "65536"}), 0);
  // And the contents persist after every handle closed: a third process sees them.
  EXPECT_EQ(run({kChild, "check", c.arg, name, "65536"}), 0);
}

TEST_P(ShmProcess, RemoveWhileMappedKeepsMappingsAndFailsNewOpens) {
  const KindCase c = GetParam();
  const std::string name = name_for(c.kind);
  scoped_cleanup cleanup([&] { ipc_shm_remove(c.kind, name.c_str()); });
  ASSERT_EQ(run({kChild, "create", c.arg, name, "8192"}), 0);
  child_process holder({kChild, "hold", c.arg, name, "8192"});
  ASSERT_TRUE(holder.started());
  ASSERT_EQ(holder.read_line(), "mapped");
  ASSERT_EQ(ipc_shm_remove(c.kind, name.c_str()), IPC_OK);
  EXPECT_EQ(run({kChild, "expect", c.arg, name, "IPC_ENOENT"}), 0);
  holder.write_line("go");
  EXPECT_EQ(holder.read_line(), "ok");  // the old mapping still reads the pattern
  EXPECT_EQ(holder.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ShmProcess,
                         ::testing::Values(KindCase{"posix", IPC_SHM_POSIX},
                                           KindCase{"file", IPC_SHM_FILE},
                                           KindCase{"sysv", IPC_SHM_SYSV}),
                         [](const auto &p) { return std::string(p.param.arg); });

TEST(ShmProcess, MissingSegmentIsENOENTInAnotherProcess) {
  EXPECT_EQ(run({kChild, "expect", "posix", ipc_test::unique_name(), "IPC_ENOENT"}), 0);
  EXPECT_EQ(run({kChild, "expect", "sysv", ipc_test::unique_sysv_key(), "IPC_ENOENT"}), 0);
}

TEST(ShmProcess, AnonymousSegmentIsSharedWithForkedChild) {
  ipc_shm_t *shm = nullptr;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 64, 0, 0, &shm), IPC_OK);
  char *p = nullptr;
  ASSERT_EQ(ipc_shm_data(shm, reinterpret_cast<void **>(&p), nullptr), IPC_OK);
  pid_t pid = ::fork();
  if (pid == 0) {
    std::memcpy(p, "child", 6);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_STREQ(p, "child");
  ipc_shm_close(shm);
}

// Another user cannot open an owner-only (0600) segment: IPC_EACCES.
TEST(ShmProcess, OtherUserGetsEACCES) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another user";
  for (KindCase c : {KindCase{"posix", IPC_SHM_POSIX}, KindCase{"file", IPC_SHM_FILE},
                     KindCase{"sysv", IPC_SHM_SYSV}}) {
    const std::string name = name_for(c.kind);
    scoped_cleanup cleanup([&] { ipc_shm_remove(c.kind, name.c_str()); });
    ipc_shm_t *shm = nullptr;
    ASSERT_EQ(ipc_shm_open(c.kind, name.c_str(), IPC_CREATE_ONLY, 64, 0, 0, &shm), IPC_OK);
    ipc_shm_close(shm);
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
      ipc_shm_t *h = nullptr;
      int rc = ipc_shm_open(c.kind, name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &h);
      ::_exit(rc);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), IPC_EACCES) << c.arg;
  }
}
