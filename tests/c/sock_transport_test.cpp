// Public API tests of ipc_sock_*: the transports — Unix (by id and by path),
// TCP over IPv4 and IPv6, UDP (udp4, udp6, ipc_sock_peer) and raw mode — each
// with events both ways, emit-to-one, broadcast and disconnects.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <sys/stat.h>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {

// Two clients on one server: messages both ways, each with its connection id;
// emit-to-one reaches only its target; broadcast reaches both; a server-side
// disconnect ends that client (stopRetrying) and the server sees it go.
void exercise(const std::string &server_opts, const std::string &client_opts) {
  Sock s, a, b;
  listen(s, server_opts);
  if (::testing::Test::HasFatalFailure()) return;
  const uint64_t ca = connect(a, client_opts, &s);
  const uint64_t cb = connect(b, client_opts, &s);
  ASSERT_NE(ca, 0u);
  ASSERT_NE(cb, 0u);
  ASSERT_NE(ca, cb);
  size_t n = 0;
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 2u);

  ASSERT_EQ(ipc_sock_emit(*a, 0, "from", "\"a\""), IPC_OK);
  Event e = expect_message(*s, "from", "\"a\"");
  EXPECT_EQ(e.conn, ca);
  ASSERT_EQ(ipc_sock_emit(*b, 0, "from", "\"b\""), IPC_OK);
  EXPECT_EQ(expect_message(*s, "from", "\"b\"").conn, cb);

  // UTF-8 and every JSON kind survive the trip unchanged (as values).
  const std::string data = "{\"s\":\"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80 \\\"q\\\" \\n\",\"n\":[1,2.5,-3e-7],"
                           "\"t\":true,\"f\":false,\"z\":null,\"o\":{}}";
  ASSERT_EQ(ipc_sock_emit(*s, ca, "to-a", data.c_str()), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "all", "[1]"), IPC_OK);
  expect_message(*a, "to-a", data);
  expect_message(*a, "all", "[1]");
  expect_message(*b, "all", "[1]");  // b did not get to-a: all is its first
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*a, &ev, IPC_NOWAIT), IPC_EAGAIN);
  EXPECT_EQ(ipc_sock_next(*b, &ev, IPC_NOWAIT), IPC_EAGAIN);

  ASSERT_EQ(ipc_sock_disconnect(*s, ca), IPC_OK);
  expect(*a, IPC_SOCK_DISCONNECT);
  expect(*a, IPC_SOCK_DESTROY);  // stopRetrying
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, ca);
  EXPECT_EQ(ipc_sock_emit(*s, ca, "gone", "1"), IPC_ENOENT);
  // b keeps going; then it leaves on its own.
  ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "still", "2"), IPC_OK);
  expect_message(*b, "still", "2");
  b.close();
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, cb);
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 0u);
  // A broadcast with nobody connected is fine.
  EXPECT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "nobody", "3"), IPC_OK);
}

}  // namespace

TEST(SockTransport, UnixById) {
  UnixId id;
  exercise(id.opts(), id.opts("\"stopRetrying\": true"));
}

TEST(SockTransport, UnixSocketFileLivesWithTheServer) {
  UnixId id;
  struct stat st;
  {
    Sock s;
    listen(s, id.opts());
    ASSERT_EQ(::lstat(id.path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
  }
  EXPECT_NE(::lstat(id.path().c_str(), &st), 0) << "close removes the server's socket file";
}

TEST(SockTransport, UnixByPathAndByRootAppspace) {
  const char *tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + unique_id() + "/";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  OnExit rm([&] {
    ::unlink((dir + "explicit.sock").c_str());
    ::unlink((dir + "space.x").c_str());
    ::rmdir(dir.c_str());
  });
  const std::string path = dir + "explicit.sock";
  exercise("{\"path\": \"" + path + "\"}", "{\"path\": \"" + path + "\", \"stopRetrying\": true}");
  // node-ipc's composition: socketRoot + appspace + id.
  const std::string o = "\"socketRoot\": \"" + dir + "\", \"appspace\": \"space.\", \"id\": \"x\"";
  Sock s;
  listen(s, "{" + o + "}");
  struct stat st;
  EXPECT_EQ(::lstat((dir + "space.x").c_str(), &st), 0);
  char buf[512];
  size_t len;
  ASSERT_EQ(ipc_sock_address(*s, buf, sizeof buf, &len), IPC_OK);
  EXPECT_EQ(std::string(buf), dir + "space.x");
  Sock c;
  connect(c, "{" + o + ", \"stopRetrying\": true}", &s);
}

TEST(SockTransport, TcpIpv4) {
  Sock probe;
  listen(probe, "{\"transport\": \"tcp\", \"port\": 0}");
  const uint16_t port = port_of(*probe);
  probe.close();  // the port is free again (a moment ago it was ours)
  exercise(tcp_opts(port), tcp_opts(port, "\"stopRetrying\": true"));
}

TEST(SockTransport, TcpIpv6) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "::1 is not available here";
  Sock s, c;
  listen(s, "{\"transport\": \"tcp\", \"host\": \"::1\", \"port\": 0}");
  const uint16_t port = port_of(*s);
  char buf[64];
  size_t len;
  ASSERT_EQ(ipc_sock_address(*s, buf, sizeof buf, &len), IPC_OK);
  EXPECT_EQ(std::string(buf), "[::1]:" + std::to_string(port));
  const std::string copts =
      "{\"transport\": \"tcp\", \"host\": \"::1\", \"port\": " + std::to_string(port) + ", \"stopRetrying\": true}";
  const uint64_t conn = connect(c, copts, &s);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "v6", "6"), IPC_OK);
  Event e = expect_message(*s, "v6", "6");
  EXPECT_EQ(e.conn, conn);
  EXPECT_EQ(e.address.rfind("[::1]:", 0), 0u) << e.address;
  ASSERT_EQ(ipc_sock_emit(*s, conn, "back", "6"), IPC_OK);
  expect_message(*c, "back", "6");
}

TEST(SockTransport, TcpServerEventsCarryThePeerAddress) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  ASSERT_EQ(ipc_sock_connect(tcp_opts(port_of(*s), "\"stopRetrying\": true").c_str(), &c.h), IPC_OK);
  Event e = expect(*s, IPC_SOCK_CONNECT);
  EXPECT_EQ(e.address.rfind("127.0.0.1:", 0), 0u) << e.address;
  expect(*c, IPC_SOCK_CONNECT);
}

namespace {
void udp_pair(const char *transport, const char *host) {
  const std::string opts = std::string("{\"transport\": \"") + transport + "\", \"host\": \"" + host + "\", \"port\": 0}";
  Sock a, b;
  listen(a, opts);
  listen(b, opts);
  if (::testing::Test::HasFatalFailure()) return;
  const uint16_t pa = port_of(*a), pb = port_of(*b);
  ASSERT_NE(pa, 0);
  ASSERT_NE(pb, 0);
  uint64_t to_b = 0, again = 0;
  ASSERT_EQ(ipc_sock_peer(*a, host, pb, &to_b), IPC_OK);
  ASSERT_EQ(ipc_sock_peer(*a, host, pb, &again), IPC_OK);
  EXPECT_EQ(to_b, again) << "one id per peer address";
  EXPECT_NE(to_b, 0u);
  EXPECT_EQ(ipc_sock_peer(*a, "no-such-host.invalid", 1, &again), IPC_EINVAL);

  ASSERT_EQ(ipc_sock_emit(*a, to_b, "ping", "{\"n\":1}"), IPC_OK);
  Event e = next_skipping(*b, IPC_SOCK_CONNECT);
  ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << e;
  EXPECT_EQ(e.type, "ping");
  EXPECT_EQ(e.data, "{\"n\":1}");
  EXPECT_NE(e.conn, 0u);
  EXPECT_NE(e.address.find(std::to_string(pa)), std::string::npos) << e.address;
  // The id b got for a answers a.
  ASSERT_EQ(ipc_sock_emit(*b, e.conn, "pong", "[2]"), IPC_OK);
  Event r = next_skipping(*a, IPC_SOCK_CONNECT);
  ASSERT_EQ(r.kind, IPC_SOCK_MESSAGE) << r;
  EXPECT_EQ(r.type, "pong");
  EXPECT_EQ(r.data, "[2]");
  EXPECT_EQ(r.conn, to_b);
  // Several datagrams, each one frame, in order on loopback.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(ipc_sock_emit(*a, to_b, "n", std::to_string(i).c_str()), IPC_OK);
  for (int i = 0; i < 50; ++i) {
    Event m = next_skipping(*b, IPC_SOCK_CONNECT);
    ASSERT_EQ(m.kind, IPC_SOCK_MESSAGE) << m;
    EXPECT_EQ(m.data, std::to_string(i));
  }
  // A raw datagram of invalid JSON is an EILSEQ error; the socket keeps going.
  int fd = ::socket(std::string(transport) == "udp6" ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  Fd guard(fd);
  if (std::string(transport) == "udp6") {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(pb);
    to.sin6_addr = in6addr_loopback;
    ASSERT_EQ(::sendto(fd, "nope\f", 5, 0, reinterpret_cast<sockaddr *>(&to), sizeof to), 5);
  } else {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(pb);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::sendto(fd, "nope\f", 5, 0, reinterpret_cast<sockaddr *>(&to), sizeof to), 5);
  }
  Event bad = next_skipping(*b, IPC_SOCK_CONNECT);
  EXPECT_EQ(bad.kind, IPC_SOCK_ERROR) << bad;
  EXPECT_EQ(bad.code, IPC_EILSEQ) << bad;
  ASSERT_EQ(ipc_sock_emit(*a, to_b, "after", "1"), IPC_OK);
  Event after = next_skipping(*b, IPC_SOCK_CONNECT);
  EXPECT_EQ(after.type, "after") << after;
}
}  // namespace

TEST(SockTransport, Udp4) { udp_pair("udp4", "127.0.0.1"); }

TEST(SockTransport, Udp6) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "::1 is not available here";
  udp_pair("udp6", "::1");
}

TEST(SockTransport, UdpDatagramOverMaxFrameIsEmsgsize) {
  Sock a, b;
  listen(a, "{\"transport\": \"udp4\", \"port\": 0}");
  listen(b, "{\"transport\": \"udp4\", \"port\": 0, \"maxFrame\": 100}");
  uint64_t to_b = 0;
  ASSERT_EQ(ipc_sock_peer(*a, "127.0.0.1", port_of(*b), &to_b), IPC_OK);
  const std::string big = "\"" + std::string(500, 'x') + "\"";
  ASSERT_EQ(ipc_sock_emit(*a, to_b, "big", big.c_str()), IPC_OK);
  Event e = next_skipping(*b, IPC_SOCK_CONNECT);
  EXPECT_EQ(e.kind, IPC_SOCK_ERROR) << e;
  EXPECT_EQ(e.code, IPC_EMSGSIZE) << e;
  // UDP has no connection to close: the next small datagram still arrives.
  ASSERT_EQ(ipc_sock_emit(*a, to_b, "small", "1"), IPC_OK);
  Event s = next_skipping(*b, IPC_SOCK_CONNECT);
  EXPECT_EQ(s.kind, IPC_SOCK_MESSAGE) << s;
  EXPECT_EQ(s.type, "small");
}

TEST(SockTransport, UdpStreamOnlyCallsAndRaw) {
  Sock a, b;
  listen(a, "{\"transport\": \"udp4\", \"port\": 0, \"raw\": true}");
  listen(b, "{\"transport\": \"udp4\", \"port\": 0, \"raw\": true}");
  uint64_t to_b = 0;
  ASSERT_EQ(ipc_sock_peer(*a, "127.0.0.1", port_of(*b), &to_b), IPC_OK);
  EXPECT_EQ(ipc_sock_emit(*a, to_b, "t", "1"), IPC_ENOTSUP);
  ASSERT_EQ(ipc_sock_send(*a, to_b, "one datagram\f\0", 14), IPC_OK);
  Event e = next_skipping(*b, IPC_SOCK_CONNECT);
  ASSERT_EQ(e.kind, IPC_SOCK_DATA) << e;
  EXPECT_EQ(e.data, std::string("one datagram\f\0", 14)) << "a raw datagram arrives whole";
}

// Raw mode against a hand-written peer: bytes go as they are, both ways, with
// no framing added or expected.
TEST(SockTransport, RawUnixBothWays) {
  UnixId id;
  Sock s;
  listen(s, id.opts("\"raw\": true"));
  Fd fd = unix_connect(id.path());
  ASSERT_GE(fd.get(), 0);
  const uint64_t conn = expect(*s, IPC_SOCK_CONNECT).conn;
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 7));
  ASSERT_TRUE(write_all(fd.get(), bytes));
  std::string got;
  while (got.size() < bytes.size()) {
    Event e = expect(*s, IPC_SOCK_DATA);
    if (e.rc || e.kind != IPC_SOCK_DATA) break;
    EXPECT_EQ(e.conn, conn);
    got += e.data;
  }
  EXPECT_EQ(got, bytes);
  ASSERT_EQ(ipc_sock_send(*s, conn, bytes.data(), bytes.size()), IPC_OK);
  std::string back;
  while (back.size() < bytes.size()) {
    pollfd p{fd.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
    char buf[4096];
    ssize_t k = ::recv(fd.get(), buf, sizeof buf, 0);
    ASSERT_GT(k, 0);
    back.append(buf, static_cast<size_t>(k));
  }
  EXPECT_EQ(back, bytes);
  ASSERT_EQ(ipc_sock_send(*s, IPC_SOCK_ALL, "b", 1), IPC_OK);  // broadcast in raw mode
  char one = 0;
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(kWait)), 1);
  ASSERT_EQ(::recv(fd.get(), &one, 1, 0), 1);
  EXPECT_EQ(one, 'b');
  fd.reset();
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
}

// Ids are per server and never reused within it (a late emit to a gone
// connection cannot reach a newcomer).
TEST(SockTransport, ConnectionIdsAreNotReused) {
  UnixId id;
  Sock s;
  listen(s, id.opts());
  std::set<uint64_t> seen;
  for (int i = 0; i < 5; ++i) {
    Sock c;
    const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true"), &s);
    EXPECT_TRUE(seen.insert(conn).second) << "id " << conn << " reused";
    c.close();
    EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
  }
}

// A UDP frame must fit one datagram: a larger emit is refused at once
// (IPC_EMSGSIZE), nothing is sent; one that fits arrives whole.
TEST(SockTransport, UdpFrameOverOneDatagramIsEmsgsize) {
  Sock a, b;
  listen(a, "{\"transport\": \"udp4\", \"port\": 0}");
  listen(b, "{\"transport\": \"udp4\", \"port\": 0}");
  uint64_t to_b = 0;
  ASSERT_EQ(ipc_sock_peer(*a, "127.0.0.1", port_of(*b), &to_b), IPC_OK);
  const std::string big = "\"" + std::string(100000, 'u') + "\"";
  EXPECT_EQ(ipc_sock_emit(*a, to_b, "big", big.c_str()), IPC_EMSGSIZE);
  const std::string fits = "\"" + std::string(60000, 'f') + "\"";
  ASSERT_EQ(ipc_sock_emit(*a, to_b, "fits", fits.c_str()), IPC_OK);
  Event e = next_skipping(*b, IPC_SOCK_CONNECT);
  EXPECT_EQ(e.type, "fits") << "the refused one was not sent";
  EXPECT_TRUE(e.data == fits);
}

// A UDP client (ipc_sock_connect with udp4) talks to a UDP server: the server
// answers the id its datagrams came with; a broadcast reaches every peer the
// server knows.
TEST(SockTransport, UdpClientAndBroadcastToKnownPeers) {
  Sock s, c1, c2;
  listen(s, "{\"transport\": \"udp4\", \"port\": 0}");
  const std::string copts = "{\"transport\": \"udp4\", \"port\": " + std::to_string(port_of(*s)) + "}";
  ASSERT_EQ(ipc_sock_connect(copts.c_str(), &c1.h), IPC_OK);
  ASSERT_EQ(ipc_sock_connect(copts.c_str(), &c2.h), IPC_OK);
  EXPECT_EQ(expect(*c1, IPC_SOCK_CONNECT).kind, IPC_SOCK_CONNECT);
  EXPECT_EQ(expect(*c2, IPC_SOCK_CONNECT).kind, IPC_SOCK_CONNECT);
  ASSERT_EQ(ipc_sock_emit(*c1, 0, "hi", "1"), IPC_OK);
  Event h1 = next_skipping(*s, IPC_SOCK_CONNECT);
  ASSERT_EQ(h1.kind, IPC_SOCK_MESSAGE) << h1;
  ASSERT_EQ(ipc_sock_emit(*c2, 0, "hi", "2"), IPC_OK);
  Event h2 = next_skipping(*s, IPC_SOCK_CONNECT);
  ASSERT_EQ(h2.kind, IPC_SOCK_MESSAGE) << h2;
  EXPECT_NE(h1.conn, h2.conn);
  ASSERT_EQ(ipc_sock_emit(*s, h2.conn, "only2", "2"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "all", "0"), IPC_OK);
  expect_message(*c2, "only2", "2");
  expect_message(*c2, "all", "0");
  expect_message(*c1, "all", "0");
}
