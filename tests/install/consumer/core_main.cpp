// A user of the installed static C++ core (libipc::core): <ipc/shm.hpp> only,
// no Boost. Prints "libipc core OK" on success.
#include <ipc/shm.hpp>

#include <cstdio>
#include <cstring>

int main() {
  ipc::shared_memory shm(ipc::shm_kind::anon, "", ipc::open_mode::create_only, 4096);
  const char msg[] = "hello from libipc::core";
  char back[sizeof msg] = {};
  shm.write(10, msg, sizeof msg);
  shm.read(10, back, sizeof back);
  if (std::memcmp(msg, back, sizeof msg) != 0) {
    std::fputs("round trip failed\n", stderr);
    return 1;
  }
  try {
    shm.read(4096, back, 1);
    std::fputs("expected ipc::error\n", stderr);
    return 1;
  } catch (const ipc::error &e) {
    if (e.code() != IPC_ERANGE) {
      std::fprintf(stderr, "unexpected error: %s\n", e.what());
      return 1;
    }
  }
  std::puts("libipc core OK");
  return 0;
}
