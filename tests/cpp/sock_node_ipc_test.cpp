// node-ipc (the npm package, 9.2.1) against our C++ API (ipc::sock), over Unix
// sockets and TCP, in both directions: node-ipc clients -> our server, our
// clients -> a node-ipc server. Events both ways, emit-to-one, broadcast, and
// reconnection after either server restarts. node-ipc runs in
// tests/sock/node_ipc_peer.js (contract: tests/sock/README.md), driven by lines
// on its stdin and watched by lines on its stdout; every wait is on a line or
// an event, with a timeout.
#include <ipc/sock.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "err_name.hpp"
#include "json_canon.h"
#include "sock_child.hpp"
#include "test_names.hpp"

#if !defined(IPC_TEST_NODE) || !defined(IPC_TEST_NODE_PATH) || !defined(IPC_TEST_NODE_IPC_PEER)
#error "IPC_TEST_NODE, IPC_TEST_NODE_PATH and IPC_TEST_NODE_IPC_PEER come from tests/CMakeLists.txt"
#endif

using sock_test::Child;

namespace {

constexpr std::int64_t kWait = 20000;  // node start-up on a loaded machine included
constexpr int kLineWait = 20000;

bool exists(const std::string &p) {
  struct stat st;
  return !p.empty() && ::stat(p.c_str(), &st) == 0;
}

// Where node-ipc is: the build tree's npm install (bindings/node), unless the
// environment's IPC_TEST_NODE_PATH names another node_modules.
std::string node_path() {
  const char *env = std::getenv("IPC_TEST_NODE_PATH");
  return env && *env ? env : IPC_TEST_NODE_PATH;
}

// Why node-ipc tests cannot run here, or "" if they can.
std::string unavailable() {
  if (!exists(IPC_TEST_NODE)) return "node was not found at configure time";
  if (!exists(node_path() + "/node-ipc/package.json"))
    return "node-ipc is not installed at " + node_path() + " (configure with -DIPC_BUILD_NODE=ON and build)";
  if (!exists(IPC_TEST_NODE_IPC_PEER)) return IPC_TEST_NODE_IPC_PEER " is missing";
  return "";
}

#define SKIP_WITHOUT_NODE_IPC()                    \
  do {                                             \
    const std::string why = unavailable();         \
    if (!why.empty()) GTEST_SKIP() << why;         \
  } while (0)

std::unique_ptr<Child> node_peer(const std::vector<std::string> &args) {
  std::vector<std::string> argv = {IPC_TEST_NODE, IPC_TEST_NODE_IPC_PEER};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Child>(argv, std::vector<std::string>{"NODE_PATH=" + node_path()});
}

bool json_eq(const std::string &a, const std::string &b) {
  return json_equal(a.data(), a.size(), b.data(), b.size()) != 0;
}

// The peer's next line, which must be exactly `want`.
void expect_line(Child &c, const std::string &want) {
  const std::string line = c.read_line(kLineWait);
  ASSERT_EQ(line, want) << (c.timed_out() ? "(timed out)" : "");
}

// The peer's next line, which must be "event <type> <json equal to data>".
void expect_event_line(Child &c, const std::string &type, const std::string &data) {
  const std::string line = c.read_line(kLineWait);
  const std::string head = "event " + type + " ";
  ASSERT_EQ(line.compare(0, head.size(), head), 0) << "expected " << head << data << ", got: " << line;
  EXPECT_TRUE(json_eq(line.substr(head.size()), data)) << line << " (expected " << data << ")";
}

ipc::sock_event take(ipc::sock &s, std::int64_t timeout = kWait) {
  ipc::sock_event ev;
  int rc = s.next(ev, timeout);
  EXPECT_EQ(rc, IPC_OK) << ipc_test::err_name(rc);
  if (rc != IPC_OK) ev.kind = static_cast<ipc_sock_event_kind_t>(-1);
  return ev;
}

// A client's next event other than a failed (re)connect attempt.
ipc::sock_event take_skipping_errors(ipc::sock &s) {
  for (int i = 0; i < 1000; ++i) {
    ipc::sock_event ev = take(s);
    if (ev.kind != IPC_SOCK_ERROR) return ev;
  }
  ADD_FAILURE() << "only error events";
  return {};
}

ipc::sock_event expect_kind(ipc::sock &s, ipc_sock_event_kind_t kind) {
  ipc::sock_event ev = take(s);
  EXPECT_EQ(ev.kind, kind) << "got kind " << ev.kind << " " << ev.type << " " << ev.data;
  return ev;
}

ipc::sock_event expect_message(ipc::sock &s, const std::string &type, const std::string &data) {
  ipc::sock_event ev = expect_kind(s, IPC_SOCK_MESSAGE);
  EXPECT_EQ(ev.type, type);
  EXPECT_TRUE(json_eq(ev.data, data)) << type << ": " << ev.data << " (expected " << data << ")";
  return ev;
}

// One endpoint under test: a Unix socket id in the default root, or TCP.
struct Endpoint {
  bool unix_;
  std::string root = ipc::sock::default_root();
  std::string id = ipc_test::unique_name("ipctn");
  std::uint16_t port = 0;
  explicit Endpoint(bool u) : unix_(u) { ::unlink(path().c_str()); }
  ~Endpoint() { ::unlink(path().c_str()); }
  std::string path() const { return root + "app." + id; }
  std::string server_opts() const {
    return unix_ ? "{\"socketRoot\": \"" + root + "\", \"id\": \"" + id + "\"}"
                 : "{\"transport\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) + "}";
  }
  std::string client_opts() const {
    return unix_ ? "{\"socketRoot\": \"" + root + "\", \"id\": \"" + id + "\", \"retry\": 50}"
                 : "{\"transport\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) +
                       ", \"retry\": 50}";
  }
  std::vector<std::string> node_args(const char *role) const {
    if (unix_) return {role, "unix", root, id};
    return {role, "tcp", std::to_string(port)};
  }
};

// Our server; node-ipc clients connect, say hello on each connect, and print
// what they get.
void node_clients_to_our_server(bool unix_socket) {
  Endpoint ep(unix_socket);
  auto server = ipc::sock::listen(ep.server_opts());
  expect_kind(*server, IPC_SOCK_START);
  ep.port = server->local_port();

  // Each node-ipc client: "connect" on its side, connect + hello on ours.
  auto join = [&](Child &node) -> std::uint64_t {
    expect_line(node, "connect");
    const std::uint64_t conn = expect_kind(*server, IPC_SOCK_CONNECT).conn;
    EXPECT_EQ(expect_message(*server, "hello", "{\"from\":\"node-ipc\"}").conn, conn);
    return conn;
  };
  auto n1 = node_peer(ep.node_args("client"));
  const std::uint64_t c1 = join(*n1);
  if (::testing::Test::HasFailure()) return;
  ASSERT_EQ(server->emit(c1, "welcome", "{\"to\": \"node-ipc\", \"utf8\": \"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\"}"),
            IPC_OK);
  expect_event_line(*n1, "welcome", "{\"to\":\"node-ipc\",\"utf8\":\"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\"}");

  auto n2 = node_peer(ep.node_args("client"));
  const std::uint64_t c2 = join(*n2);
  ASSERT_NE(c1, c2);
  // Emit-to-one reaches only n2; the broadcast reaches both, so n1's next line
  // is the broadcast.
  ASSERT_EQ(server->emit(c2, "only2", "{\"x\": 2}"), IPC_OK);
  ASSERT_EQ(server->emit(IPC_SOCK_ALL, "all", "[1, \"two\", null, {\"k\": false}]"), IPC_OK);
  expect_event_line(*n2, "only2", "{\"x\":2}");
  expect_event_line(*n2, "all", "[1,\"two\",null,{\"k\":false}]");
  expect_event_line(*n1, "all", "[1,\"two\",null,{\"k\":false}]");

  // node-ipc clients' own emits, each on its connection; many in a row arrive
  // in order (node-ipc may write them in one chunk).
  ASSERT_TRUE(n1->write_line("emit ping {\"q\": [1, \"two\"]}"));
  EXPECT_EQ(expect_message(*server, "ping", "{\"q\":[1,\"two\"]}").conn, c1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(n2->write_line("emit seq " + std::to_string(i)));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(expect_message(*server, "seq", std::to_string(i)).conn, c2);

  // Our server restarts: both node-ipc clients see the loss, reconnect by
  // themselves (retry 50 ms) and say hello again.
  server.reset();
  expect_line(*n1, "disconnect");
  expect_line(*n2, "disconnect");
  server = ipc::sock::listen(ep.server_opts());
  expect_kind(*server, IPC_SOCK_START);
  expect_line(*n1, "connect");
  expect_line(*n2, "connect");
  // Two connects and two hellos; the clients' events may interleave, but each
  // hello comes on a connection announced before it.
  std::vector<std::uint64_t> conns;
  int hellos = 0;
  for (int i = 0; i < 4; ++i) {
    ipc::sock_event ev = take(*server);
    if (ev.kind == IPC_SOCK_CONNECT) {
      conns.push_back(ev.conn);
      continue;
    }
    EXPECT_EQ(ev.kind, IPC_SOCK_MESSAGE);
    EXPECT_EQ(ev.type, "hello");
    EXPECT_TRUE(json_eq(ev.data, "{\"from\":\"node-ipc\"}")) << ev.data;
    EXPECT_NE(std::find(conns.begin(), conns.end(), ev.conn), conns.end());
    ++hellos;
  }
  EXPECT_EQ(conns.size(), 2u);
  EXPECT_EQ(hellos, 2);
  ASSERT_EQ(server->emit(IPC_SOCK_ALL, "back", "true"), IPC_OK);
  expect_event_line(*n1, "back", "true");
  expect_event_line(*n2, "back", "true");

  // The node-ipc clients leave: our server sees both go.
  n1->close_stdin();
  n2->close_stdin();
  EXPECT_EQ(n1->wait(kLineWait), 0);
  EXPECT_EQ(n2->wait(kLineWait), 0);
  expect_kind(*server, IPC_SOCK_DISCONNECT);
  expect_kind(*server, IPC_SOCK_DISCONNECT);
  EXPECT_EQ(server->connections(), 0u);
}

// A node-ipc server (welcome to the sender, news to all on each hello; pong
// for ping); our clients connect to it.
void our_clients_to_node_server(bool unix_socket) {
  Endpoint ep(unix_socket);
  auto node = node_peer(ep.node_args("server"));
  const std::string ready = node->read_line(kLineWait);
  ASSERT_EQ(ready.rfind("ready ", 0), 0u) << ready;
  if (unix_socket)
    EXPECT_EQ(ready, "ready " + ep.path());
  else
    ep.port = static_cast<std::uint16_t>(std::stoi(ready.substr(6)));

  auto a = ipc::sock::connect(ep.client_opts());
  expect_kind(*a, IPC_SOCK_CONNECT);
  expect_line(*node, "connect");
  ASSERT_EQ(a->emit(0, "hello", "{\"from\": \"cpp-a\"}"), IPC_OK);
  expect_event_line(*node, "hello", "{\"from\":\"cpp-a\"}");
  expect_message(*a, "welcome", "{\"to\":\"cpp-a\"}");
  expect_message(*a, "news", "{\"hellos\":1}");

  auto b = ipc::sock::connect(ep.client_opts());
  expect_kind(*b, IPC_SOCK_CONNECT);
  expect_line(*node, "connect");
  ASSERT_EQ(b->emit(0, "hello", "{\"from\": \"cpp-b\"}"), IPC_OK);
  expect_event_line(*node, "hello", "{\"from\":\"cpp-b\"}");
  expect_message(*b, "welcome", "{\"to\":\"cpp-b\"}");  // emit-to-one: only b
  expect_message(*b, "news", "{\"hellos\":2}");
  expect_message(*a, "news", "{\"hellos\":2}");  // a's next is the broadcast

  const std::string data = "{\"q\":[1,\"two\",{\"utf8\":\"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\"}],\"n\":-2.5e-3}";
  ASSERT_EQ(a->emit(0, "ping", data), IPC_OK);
  expect_event_line(*node, "ping", data);
  expect_message(*a, "pong", data);
  // A batch of emits in one write: node-ipc splits our frames correctly.
  std::string frames;
  for (int i = 0; i < 100; ++i) frames += "{\"type\":\"ping\",\"data\":" + std::to_string(i) + "}\f";
  ASSERT_EQ(b->emit_frames(0, frames), IPC_OK);
  for (int i = 0; i < 100; ++i) expect_event_line(*node, "ping", std::to_string(i));
  for (int i = 0; i < 100; ++i) expect_message(*b, "pong", std::to_string(i));
  // node-ipc's broadcast.
  ASSERT_TRUE(node->write_line("emit shout {\"loud\": true}"));
  expect_message(*a, "shout", "{\"loud\":true}");
  expect_message(*b, "shout", "{\"loud\":true}");

  // The node-ipc server restarts: our clients see the loss and reconnect.
  ASSERT_TRUE(node->write_line("stop"));
  expect_line(*node, "disconnect");
  expect_line(*node, "disconnect");
  expect_line(*node, "stopped");
  expect_kind(*a, IPC_SOCK_DISCONNECT);
  expect_kind(*b, IPC_SOCK_DISCONNECT);
  ASSERT_TRUE(node->write_line("start"));
  const std::string ready2 = node->read_line(kLineWait);
  EXPECT_EQ(ready2, ready) << "restarted at the same address";
  EXPECT_EQ(take_skipping_errors(*a).kind, IPC_SOCK_CONNECT);
  EXPECT_EQ(take_skipping_errors(*b).kind, IPC_SOCK_CONNECT);
  expect_line(*node, "connect");
  expect_line(*node, "connect");
  ASSERT_EQ(a->emit(0, "hello", "{\"from\": \"cpp-a\"}"), IPC_OK);
  expect_event_line(*node, "hello", "{\"from\":\"cpp-a\"}");
  expect_message(*a, "welcome", "{\"to\":\"cpp-a\"}");
  expect_message(*a, "news", "{\"hellos\":3}");
  expect_message(*b, "news", "{\"hellos\":3}");

  // The node-ipc server goes away for good (stdin closed); our clients, which
  // would retry forever, are told to stop.
  node->close_stdin();
  EXPECT_EQ(node->wait(kLineWait), 0);
  expect_kind(*a, IPC_SOCK_DISCONNECT);
  expect_kind(*b, IPC_SOCK_DISCONNECT);
  a->disconnect(0);
  EXPECT_EQ(take_skipping_errors(*a).kind, IPC_SOCK_DESTROY);
}

}  // namespace

TEST(SockNodeIpc, NodeIpcClientsToOurUnixServer) {
  SKIP_WITHOUT_NODE_IPC();
  node_clients_to_our_server(true);
}

TEST(SockNodeIpc, NodeIpcClientsToOurTcpServer) {
  SKIP_WITHOUT_NODE_IPC();
  node_clients_to_our_server(false);
}

TEST(SockNodeIpc, OurClientsToNodeIpcUnixServer) {
  SKIP_WITHOUT_NODE_IPC();
  our_clients_to_node_server(true);
}

TEST(SockNodeIpc, OurClientsToNodeIpcTcpServer) {
  SKIP_WITHOUT_NODE_IPC();
  our_clients_to_node_server(false);
}
