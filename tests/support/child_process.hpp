// Test support: run a child process with pipes to its stdin and stdout, and
// wait on its events (a line it prints, its exit) — never on a sleep.
#pragma once

#include <cstdio>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace ipc_test {

class child_process {
public:
  explicit child_process(const std::vector<std::string> &args) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_child_ = ::fdopen(in[1], "w");
    from_child_ = ::fdopen(out[0], "r");
  }
  ~child_process() {
    if (to_child_) std::fclose(to_child_);
    if (from_child_) std::fclose(from_child_);
    if (pid_ > 0 && !waited_) wait();
  }
  child_process(const child_process &) = delete;
  child_process &operator=(const child_process &) = delete;

  bool started() const { return pid_ > 0; }
  // Blocks until the child prints a line (or closes stdout: returns "").
  std::string read_line() {
    char buf[512];
    if (!from_child_ || !std::fgets(buf, sizeof buf, from_child_)) return "";
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  void write_line(const std::string &s) {
    std::fputs((s + "\n").c_str(), to_child_);
    std::fflush(to_child_);
  }
  // Exit status, or -1 if it did not exit normally.
  int wait() {
    int status = 0;
    waited_ = true;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = -1;
  bool waited_ = false;
  FILE *to_child_ = nullptr;
  FILE *from_child_ = nullptr;
};

// Runs a child to completion; returns its exit status.
inline int run(const std::vector<std::string> &args) {
  child_process c(args);
  return c.started() ? c.wait() : -1;
}

}  // namespace ipc_test
