// Test support: unique resource names, and removal before and after each use.
#pragma once

#include <atomic>
#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace ipc_test {

// "<prefix>_<pid>_<counter>": unique across concurrently running test processes.
inline std::string unique_name(const char *prefix = "ipct") {
  static std::atomic<unsigned> counter{0};
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter.fetch_add(1));
}

// A SysV key unique to this process and counter (never 0).
inline std::string unique_sysv_key() {
  static std::atomic<unsigned> counter{0};
  unsigned v = 0x51000000u ^ (static_cast<unsigned>(::getpid()) << 8) ^ counter.fetch_add(1);
  return std::to_string(v ? v : 1);
}

// A path for a file-backed segment under the build's temp dir.
inline std::string unique_path(const char *prefix = "ipct") {
  const char *dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + unique_name(prefix) + ".bin";
}

// Removes /dev/shm entries "<area_prefix><prefix>_<pid>_*" left by test
// processes that no longer exist (a test killed by a timeout cannot clean up
// after itself). Linux-specific, like the tests that use it.
inline void sweep_stale(const std::string &area_prefix, const std::string &prefix) {
  const std::string head = area_prefix + prefix + "_";
  if (DIR *d = ::opendir("/dev/shm")) {
    while (dirent *e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(head, 0) != 0) continue;
      long pid = std::strtol(n.c_str() + head.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
        ::unlink(("/dev/shm/" + n).c_str());
    }
    ::closedir(d);
  }
}

// Runs `remove` now and again on scope exit, so a failing test leaves nothing.
template <class F> class scoped_cleanup {
public:
  explicit scoped_cleanup(F f) : f_(std::move(f)) { f_(); }
  ~scoped_cleanup() { f_(); }
  scoped_cleanup(const scoped_cleanup &) = delete;
  scoped_cleanup &operator=(const scoped_cleanup &) = delete;

private:
  F f_;
};
template <class F> scoped_cleanup(F) -> scoped_cleanup<F>;

}  // namespace ipc_test
