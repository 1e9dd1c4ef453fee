// Public API tests of ipc_sock_*: Unix socket files — a stale socket is
// replaced, anything else at the path is left alone (IPC_EEXIST), a live server
// is IPC_EADDRINUSE — and the private default root (0700, ours, checked).
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {

// A socket file with nobody behind it: bound, then the socket closed.
void make_stale_socket(const std::string &path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0) << std::strerror(errno);
  ::close(fd);
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
}

std::string read_file(const std::string &path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string make_temp_dir() {
  const char *tmp = std::getenv("TMPDIR");
  std::string t = std::string(tmp ? tmp : "/tmp") + "/ipcts_XXXXXX";
  return ::mkdtemp(t.data()) ? t : std::string();
}

}  // namespace

TEST(SockPath, StaleSocketFileIsReplaced) {
  UnixId id;
  make_stale_socket(id.path());
  Sock s, c;
  listen(s, id.opts());
  connect(c, id.opts("\"stopRetrying\": true"), &s);  // it is really ours now
}

TEST(SockPath, StaleSocketKeptWithUnlinkFalse) {
  UnixId id;
  make_stale_socket(id.path());
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(id.opts("\"unlink\": false").c_str(), &h), IPC_EADDRINUSE);
  EXPECT_EQ(h, nullptr);
  struct stat st;
  ASSERT_EQ(::lstat(id.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

TEST(SockPath, RegularFileIsEexistAndUntouched) {
  UnixId id;
  {
    std::ofstream f(id.path());
    f << "precious data";
  }
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(id.opts().c_str(), &h), IPC_EEXIST);
  EXPECT_EQ(h, nullptr);
  EXPECT_NE(std::string(ipc_last_error_message()).find(id.path()), std::string::npos) << ipc_last_error_message();
  EXPECT_EQ(read_file(id.path()), "precious data");
  struct stat st;
  ASSERT_EQ(::lstat(id.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST(SockPath, DirectoryAndSymlinkAreEexist) {
  UnixId id;
  ASSERT_EQ(::mkdir(id.path().c_str(), 0700), 0);
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(id.opts().c_str(), &h), IPC_EEXIST);
  ::rmdir(id.path().c_str());
  // A symlink to a stale socket is not a socket file: left alone.
  UnixId target;
  make_stale_socket(target.path());
  ASSERT_EQ(::symlink(target.path().c_str(), id.path().c_str()), 0);
  EXPECT_EQ(ipc_sock_listen(id.opts().c_str(), &h), IPC_EEXIST);
  struct stat st;
  ASSERT_EQ(::lstat(id.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::lstat(target.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

TEST(SockPath, LiveServerIsEaddrinuse) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(id.opts().c_str(), &h), IPC_EADDRINUSE);
  EXPECT_EQ(h, nullptr);
  // The live server was not disturbed: its file is there and it accepts.
  connect(c, id.opts("\"stopRetrying\": true"), &s);
}

TEST(SockPath, TcpPortInUseIsEaddrinuse) {
  Sock s;
  listen(s, "{\"port\": 0}");
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(tcp_opts(port_of(*s)).c_str(), &h), IPC_EADDRINUSE);
  EXPECT_EQ(h, nullptr);
}

TEST(SockPath, PathTooLongIsEnametoolong) {
  const std::string path = "/tmp/" + std::string(120, 'p');
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(("{\"path\": \"" + path + "\"}").c_str(), &h), IPC_ENAMETOOLONG);
  EXPECT_EQ(ipc_sock_connect(("{\"path\": \"" + path + "\"}").c_str(), &h), IPC_ENAMETOOLONG);
  EXPECT_EQ(h, nullptr);
  // 107 bytes is the most sun_path holds with its NUL.
  const char *tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/";
  if (dir.size() < 100) {
    const std::string longest = dir + std::string(107 - dir.size(), 'q');
    ipc_test::scoped_cleanup rm([&] { ::unlink(longest.c_str()); });
    Sock s;
    listen(s, "{\"path\": \"" + longest + "\"}");
  }
}

TEST(SockPath, MissingDirectoryIsAnError) {
  ipc_sock_t *h = nullptr;
  const std::string path = "/tmp/" + unique_id() + "/no/such/dir.sock";
  int rc = ipc_sock_listen(("{\"path\": \"" + path + "\"}").c_str(), &h);
  EXPECT_TRUE(rc == IPC_ENOENT || rc == IPC_EIO || rc == IPC_EACCES) << ipc_err_name(rc);
  EXPECT_EQ(h, nullptr);
}

TEST(SockPath, DefaultRootIsPrivate) {
  const std::string root = default_root();
  struct stat st;
  ASSERT_EQ(::lstat(root.c_str(), &st), 0) << root;
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::getuid());
  const char *xdg = std::getenv("XDG_RUNTIME_DIR");
  const std::string want = xdg ? std::string(xdg) + "/libipc/" : "/tmp/libipc-" + std::to_string(::getuid()) + "/";
  EXPECT_EQ(root, want);
}

// With XDG_RUNTIME_DIR set the root is created under it, 0700, whatever umask.
// (In a fresh process: the environment is read there, and nothing is cached.)
static RegisterChild xdg_created("xdg_created", [] {
  const std::string dir = std::getenv("XDG_RUNTIME_DIR");
  ::umask(0);
  char buf[512];
  size_t len = 0;
  if (ipc_sock_default_root(buf, sizeof buf, &len) != IPC_OK) return 1;
  if (std::string(buf) != dir + "/libipc/") return 2;
  struct stat st;
  if (::lstat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return 3;
  if ((st.st_mode & 0777) != 0700) return 4;
  if (st.st_uid != ::getuid()) return 5;
  // A server by id lands there.
  ipc_sock_t *s = nullptr;
  if (ipc_sock_listen("{\"id\": \"x\"}", &s) != IPC_OK) return 6;
  if (::lstat((dir + "/libipc/app.x").c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return 7;
  ipc_sock_close(s);
  return 0;
});

TEST(SockPath, DefaultRootUnderXdgRuntimeDirIsCreated0700) {
  const std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  OnExit rm([&] {
    ::unlink((dir + "/libipc/app.x").c_str());
    ::rmdir((dir + "/libipc").c_str());
    ::rmdir(dir.c_str());
  });
  EXPECT_EQ(run_in_child("xdg_created", {"XDG_RUNTIME_DIR=" + dir}), 0);
}

// A root others can enter, or a file in its place, is refused (IPC_EACCES):
// socket files there could be swapped under us.
static RegisterChild xdg_refused("xdg_refused", [] {
  char buf[512];
  size_t len = 0;
  if (ipc_sock_default_root(buf, sizeof buf, &len) != IPC_EACCES) return 1;
  ipc_sock_t *s = nullptr;
  if (ipc_sock_listen("{\"id\": \"x\"}", &s) != IPC_EACCES) return 2;
  return 0;
});

TEST(SockPath, DefaultRootWithLooseModeOrNotADirIsEacces) {
  const std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  OnExit rm([&] {
    ::rmdir((dir + "/libipc").c_str());
    ::unlink((dir + "/file/libipc").c_str());
    ::rmdir((dir + "/file").c_str());
    ::rmdir(dir.c_str());
  });
  ASSERT_EQ(::mkdir((dir + "/libipc").c_str(), 0755), 0);
  ASSERT_EQ(::chmod((dir + "/libipc").c_str(), 0755), 0);
  EXPECT_EQ(run_in_child("xdg_refused", {"XDG_RUNTIME_DIR=" + dir}), 0);
  struct stat st;
  ASSERT_EQ(::lstat((dir + "/libipc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u) << "a directory we refused is not changed";

  ASSERT_EQ(::mkdir((dir + "/file").c_str(), 0700), 0);
  { std::ofstream f(dir + "/file/libipc"); }
  EXPECT_EQ(run_in_child("xdg_refused", {"XDG_RUNTIME_DIR=" + dir + "/file"}), 0);
}

// An explicit socketRoot is the caller's business: it is used as given.
TEST(SockPath, ExplicitSocketRootIsUsedAsGiven) {
  const std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  ::chmod(dir.c_str(), 0755);
  OnExit rm([&] {
    ::unlink((dir + "/app.y").c_str());
    ::rmdir(dir.c_str());
  });
  Sock s;
  listen(s, "{\"socketRoot\": \"" + dir + "/\", \"id\": \"y\"}");
  struct stat st;
  ASSERT_EQ(::lstat((dir + "/app.y").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}
