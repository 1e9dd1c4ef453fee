// Test support for the sock tests: a child process driven by lines (its stdin)
// and watched by lines (its stdout), where every read and the final wait have a
// timeout, so a misbehaving child fails the test instead of hanging it. The
// child is killed if it is still running when the object dies.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace sock_test {

class Child {
public:
  // env: extra NAME=VALUE entries on top of this process's environment.
  explicit Child(const std::vector<std::string> &args, const std::vector<std::string> &env = {}) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> envs;
    for (char **e = environ; *e; ++e) envs.emplace_back(*e);
    for (auto &e : env) {
      const std::string key = e.substr(0, e.find('=') + 1);
      for (auto it = envs.begin(); it != envs.end();)
        it = it->compare(0, key.size(), key) == 0 ? envs.erase(it) : it + 1;
      envs.push_back(e);
    }
    std::vector<char *> envp;
    for (auto &e : envs) envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);
    if (::posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~Child() {
    close_stdin();
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    if (from_ >= 0) ::close(from_);
  }
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The next line the child prints (without '\n'), or "" on EOF or timeout
  // (timed_out() tells which).
  std::string read_line(int timeout_ms = 10000) {
    timed_out_ = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{from_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
        timed_out_ = true;
        return "";
      }
      char tmp[4096];
      ssize_t k = ::read(from_, tmp, sizeof tmp);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        std::string rest;
        rest.swap(buf_);
        return rest;
      }
      buf_.append(tmp, static_cast<size_t>(k));
    }
  }
  bool timed_out() const { return timed_out_; }

  // Reads lines until one starts with `prefix` (returned), skipping others
  // (appended to *skipped if given). "" on EOF or timeout.
  std::string wait_for(const std::string &prefix, int timeout_ms = 10000, std::string *skipped = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      std::string line = read_line(static_cast<int>(left.count()));
      if (line.empty() && (timed_out_ || eof())) return "";
      if (line.compare(0, prefix.size(), prefix) == 0) return line;
      if (skipped) *skipped += line + "\n";
    }
  }

  bool write_line(const std::string &s) {
    if (to_ < 0) return false;
    std::string l = s + "\n";
    return ::write(to_, l.data(), l.size()) == static_cast<ssize_t>(l.size());
  }
  void close_stdin() {
    if (to_ >= 0) ::close(to_);
    to_ = -1;
  }

  // Exit status; -1 if killed by a signal; -2 (and the child killed) after the timeout.
  int wait(int timeout_ms = 10000) {
    if (pid_ <= 0) return -1;
    if (exited_) return status_;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return status_;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        exited_ = true;
        status_ = -2;
        return status_;
      }
      // Polling the child's exit: a bounded wait, not a synchronisation.
      ::usleep(2000);
    }
  }

private:
  bool eof() const {
    pollfd p{from_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && buf_.empty();
  }

  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buf_;
  bool timed_out_ = false, exited_ = false;
  int status_ = -1;
};

}  // namespace sock_test
