// Load: 200 concurrent clients x 1000 events each through one server, nothing
// lost. The server (tests/sock/load_server.c) runs in its own process and
// reports its peak RSS; the clients (tests/sock/load_client.c) are threads in
// four processes. Each client's count and order-sensitive checksum is checked
// by the server, and the server's by the client.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "sock_child.hpp"
#include "sock_test_util.hpp"

using namespace sock_test;

#ifndef IPC_TEST_LOAD_SERVER
#error "IPC_TEST_LOAD_SERVER and IPC_TEST_LOAD_CLIENT name the load programs"
#endif

namespace {

constexpr int kClients = 200, kProcesses = 4, kEvents = 1000;
// The server's limits are the defaults (16 MiB event queue, 16 MiB write queue
// per connection, of which it uses next to nothing): its peak RSS must stay far
// below what a leak or unbounded buffering would cost.
// (AddressSanitizer's shadow memory and quarantine roughly double it.)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr long kMaxRssKb = 768 * 1024;
#else
constexpr long kMaxRssKb = 256 * 1024;
#endif

void run_load(const std::string &transport) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path = path_of(unique_id());
  ipc_test::scoped_cleanup rm([&] { ::unlink(path.c_str()); });
  Child server({IPC_TEST_LOAD_SERVER, transport, transport == "unix" ? path : "0", std::to_string(kClients)});
  ASSERT_TRUE(server.started());
  const std::string ready = server.read_line(30000);
  ASSERT_EQ(ready.rfind("ready ", 0), 0u) << "server said: " << ready;
  const std::string where = ready.substr(6);

  std::vector<std::unique_ptr<Child>> clients;
  const int per = kClients / kProcesses;
  for (int p = 0; p < kProcesses; ++p)
    clients.push_back(std::make_unique<Child>(std::vector<std::string>{
        IPC_TEST_LOAD_CLIENT, transport, where, std::to_string(per), std::to_string(kEvents), std::to_string(p * per)}));
  for (auto &c : clients) {
    ASSERT_TRUE(c->started());
    EXPECT_EQ(c->wait(120000), 0) << "a client process failed (its stderr says why)";
    EXPECT_EQ(c->read_line(1000), "ok " + std::to_string(per));
  }
  const std::string done = server.read_line(60000);
  EXPECT_EQ(server.wait(30000), 0) << done;
  int n = 0, ok = 0, bad = -1;
  unsigned long long events = 0;
  long rss_kb = -1;
  ASSERT_EQ(std::sscanf(done.c_str(), "done clients=%d events=%llu ok=%d bad=%d vmhwm_kb=%ld", &n, &events, &ok, &bad,
                        &rss_kb),
            5)
      << done;
  EXPECT_EQ(n, kClients);
  EXPECT_EQ(ok, kClients);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(events, static_cast<unsigned long long>(kClients) * kEvents);
  EXPECT_GT(rss_kb, 0);
  EXPECT_LT(rss_kb, kMaxRssKb) << "server peak RSS";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ load ] " << transport << ": " << events << " events from " << n << " clients in " << secs
            << " s; server peak RSS " << rss_kb / 1024.0 << " MiB" << std::endl;
  ::testing::Test::RecordProperty("server_vmhwm_kb", std::to_string(rss_kb));
  ::testing::Test::RecordProperty("seconds", std::to_string(secs));
}

}  // namespace

TEST(SockLoad, TwoHundredUnixClientsThousandEventsEach) { run_load("unix"); }

TEST(SockLoad, TwoHundredTcpClientsThousandEventsEach) { run_load("tcp"); }
