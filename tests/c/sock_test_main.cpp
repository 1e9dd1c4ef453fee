// main() of c_sock_tests: GoogleTest, plus `--sock-child NAME`, which runs one
// registered child body in a fresh process (see sock_test_util.hpp's
// run_in_child). A fresh exec, not a bare fork: libipc's socket I/O thread does
// not exist in a forked child, so a forked test process could not use sockets.
#include <gtest/gtest.h>

#include <cstring>

#include "sock_test_util.hpp"

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "--sock-child") == 0) return sock_test::child_main(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
