// Public API tests of ipc_sock_*: node-ipc's framing as a hand-written peer
// writes it — frames split across many writes, many frames in one write — and
// what a bad peer costs: an over-long frame (maxFrame) closes its connection,
// invalid JSON is an error event while every connection keeps being served.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <string>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {

// A frame whose data holds multi-byte UTF-8, so byte-wise splits cut characters.
std::string utf8_data(int i) {
  return "{\"i\":" + std::to_string(i) + ",\"s\":\"\xC3\xA9\xE2\x9C\x93\xF0\x9F\x98\x80 " + std::string(i % 50, 'x') +
         "\"}";
}

struct Served {
  UnixId id;
  Sock s;
  Fd fd;
  uint64_t conn = 0;
  explicit Served(const std::string &extra = "") {
    listen(s, id.opts(extra));
    fd = unix_connect(id.path());
    conn = expect(*s, IPC_SOCK_CONNECT).conn;
  }
};

}  // namespace

TEST(SockFraming, OneFrameInOneByteWrites) {
  Served t;
  ASSERT_GE(t.fd.get(), 0);
  const std::string f = frame("split", utf8_data(7));
  for (char c : f) ASSERT_TRUE(write_all(t.fd.get(), &c, 1));
  Event e = expect_message(*t.s, "split", utf8_data(7));
  EXPECT_EQ(e.conn, t.conn);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*t.s, &ev, IPC_NOWAIT), IPC_EAGAIN) << "exactly one event";
}

TEST(SockFraming, OneFrameInOneByteTcpSegments) {
  Sock s;
  listen(s, "{\"port\": 0}");
  Fd fd = tcp_connect(port_of(*s));
  ASSERT_GE(fd.get(), 0);
  expect(*s, IPC_SOCK_CONNECT);
  const std::string f = frame("tcp-split", utf8_data(3));
  for (char c : f) ASSERT_TRUE(write_all(fd.get(), &c, 1));  // TCP_NODELAY: one segment each
  expect_message(*s, "tcp-split", utf8_data(3));
}

TEST(SockFraming, ManyFramesInOneWrite) {
  Served t;
  std::string all;
  for (int i = 0; i < 500; ++i) all += frame("m", utf8_data(i));
  ASSERT_TRUE(write_all(t.fd.get(), all));
  for (int i = 0; i < 500; ++i) {
    Event e = expect_message(*t.s, "m", utf8_data(i));
    if (e.kind != IPC_SOCK_MESSAGE) break;
  }
}

// Random cut points: frames end mid-write, writes end mid-frame and mid-character.
TEST(SockFraming, FramesAcrossRandomWriteBoundaries) {
  Served t;
  std::string all;
  for (int i = 0; i < 300; ++i) all += frame("r" + std::to_string(i % 3), utf8_data(i));
  // Written from another thread: more than the socket buffers hold, and with
  // "inlineReads" nothing is read until this thread takes.
  bool wrote = true;
  std::thread writer([&] {
    std::mt19937 rng(12345);
    size_t pos = 0;
    while (pos < all.size() && wrote) {
      size_t n = std::min(all.size() - pos, size_t{1} + rng() % 97);
      wrote = write_all(t.fd.get(), all.data() + pos, n);
      pos += n;
    }
  });
  for (int i = 0; i < 300; ++i) {
    Event e = expect_message(*t.s, "r" + std::to_string(i % 3), utf8_data(i));
    if (e.kind != IPC_SOCK_MESSAGE) break;
  }
  writer.join();
  EXPECT_TRUE(wrote);
}

// What we write is node-ipc's frame, byte for byte: JSON.stringify({type,data})
// (keys in that order, no spaces) and a form feed.
TEST(SockFraming, OurFramesAreNodeIpcFrames) {
  Served t;
  ASSERT_EQ(ipc_sock_emit(*t.s, t.conn, "hello", "{\"a\":[1,2],\"b\":\"\xE2\x9C\x93\"}"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*t.s, t.conn, "no data", nullptr), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*t.s, t.conn, "q\"\\\n\x01", "7"), IPC_OK);
  auto frames = read_frames(t.fd.get(), 3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], "{\"type\":\"hello\",\"data\":{\"a\":[1,2],\"b\":\"\xE2\x9C\x93\"}}");
  EXPECT_EQ(frames[1], "{\"type\":\"no data\",\"data\":{}}");
  EXPECT_EQ(frames[2], "{\"type\":\"q\\\"\\\\\\n\\u0001\",\"data\":7}");
}

// Every JSON form node-ipc could send (escapes, a \f inside a string as \f or
// \u000c, nested values, whitespace) is one frame with the data as written.
TEST(SockFraming, EscapesAndWhitespaceInsideFrames) {
  Served t;
  const std::string frames =
      "{\"type\":\"esc\",\"data\":\"a\\fb\\u000cc\\\"}\\\\\"}\f"
      "{ \"type\" : \"spaced\" , \"data\" : [ 1 , { \"k\" : null } ] }\f"
      "{\"data\":1,\"type\":\"data-first\"}\f"
      "{\"type\":\"\\u0041\\u00e9\",\"data\":true}\f";
  ASSERT_TRUE(write_all(t.fd.get(), frames));
  expect_message(*t.s, "esc", "\"a\\fb\\u000cc\\\"}\\\\\"");
  Event sp = expect(*t.s, IPC_SOCK_MESSAGE);
  EXPECT_EQ(sp.type, "spaced");
  EXPECT_NE(sp.data.find("\"k\""), std::string::npos) << sp.data;
  Event df = expect(*t.s, IPC_SOCK_MESSAGE);
  EXPECT_EQ(df.type, "data-first");
  EXPECT_EQ(df.data, "1");
  Event u = expect(*t.s, IPC_SOCK_MESSAGE);
  EXPECT_EQ(u.type, "A\xC3\xA9") << "the type is decoded";
  EXPECT_EQ(u.data, "true");
}

TEST(SockFraming, OverlongFrameIsEmsgsizeAndClosesThatConnection) {
  Served t("\"maxFrame\": 1024");
  // Just under the limit is fine.
  const std::string ok = frame("fits", "\"" + std::string(900, 'a') + "\"");
  ASSERT_TRUE(write_all(t.fd.get(), ok));
  expect_message(*t.s, "fits", "\"" + std::string(900, 'a') + "\"");
  // Another connection that behaves.
  Sock good;
  const uint64_t good_conn = connect(good, t.id.opts("\"stopRetrying\": true"), &t.s);
  // 4 KiB with no '\f': the frame can only be longer than maxFrame.
  ASSERT_TRUE(write_all(t.fd.get(), "{\"type\":\"big\",\"data\":\"" + std::string(4096, 'b')));
  Event e = expect(*t.s, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_EMSGSIZE) << e;
  EXPECT_EQ(e.conn, t.conn);
  EXPECT_EQ(expect(*t.s, IPC_SOCK_DISCONNECT).conn, t.conn);
  EXPECT_TRUE(sees_eof(t.fd.get())) << "the server closed the connection";
  // The other connection is unaffected.
  ASSERT_EQ(ipc_sock_emit(*good, 0, "still", "1"), IPC_OK);
  EXPECT_EQ(expect_message(*t.s, "still", "1").conn, good_conn);
}

TEST(SockFraming, OverlongCompleteFrameIsEmsgsizeToo) {
  Served t("\"maxFrame\": 1024");
  ASSERT_TRUE(write_all(t.fd.get(), frame("big", "\"" + std::string(2000, 'c') + "\"")));
  Event e = expect(*t.s, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_EMSGSIZE) << e;
  EXPECT_EQ(expect(*t.s, IPC_SOCK_DISCONNECT).conn, t.conn);
  EXPECT_TRUE(sees_eof(t.fd.get()));
}

// The client's limit applies to what the server sends it.
TEST(SockFraming, ClientMaxFrame) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t conn = connect(c, id.opts("\"maxFrame\": 256, \"stopRetrying\": true"), &s);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "big", ("\"" + std::string(1000, 'd') + "\"").c_str()), IPC_OK);
  Event e = expect(*c, IPC_SOCK_ERROR);
  EXPECT_EQ(e.code, IPC_EMSGSIZE) << e;
  expect(*c, IPC_SOCK_DISCONNECT);
  expect(*c, IPC_SOCK_DESTROY);
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
}

TEST(SockFraming, InvalidJsonIsEilseqAndEveryoneKeepsGoing) {
  Served t;
  Fd other = unix_connect(t.id.path());
  const uint64_t other_conn = expect(*t.s, IPC_SOCK_CONNECT).conn;
  const char *const bad[] = {
      "not json\f",
      "{\"type\":\"x\",\"data\":}\f",
      "[1,2,3]\f",
      "{\"type\":5,\"data\":1}\f",
      "{\"data\":1}\f",
      "\"just a string\"\f",
      "{\"type\":\"x\",\"data\":\"\xC3\x28\"}\f",  // invalid UTF-8
  };
  for (const char *b : bad) {
    ASSERT_TRUE(write_all(t.fd.get(), std::string(b)));
    // The well-behaved client is served between the bad frames.
    ASSERT_TRUE(write_all(other.get(), frame("fine", "1")));
    Event e1 = next(*t.s);
    Event e2 = next(*t.s);
    // The two connections' events may come in either order.
    if (e1.kind == IPC_SOCK_MESSAGE) std::swap(e1, e2);
    EXPECT_EQ(e1.kind, IPC_SOCK_ERROR) << b;
    EXPECT_EQ(e1.code, IPC_EILSEQ) << b << ": " << e1;
    EXPECT_EQ(e1.conn, t.conn) << b;
    EXPECT_EQ(e2.kind, IPC_SOCK_MESSAGE) << e2;
    EXPECT_EQ(e2.conn, other_conn);
    EXPECT_EQ(e2.type, "fine");
  }
  // The connection that sent garbage is still open and still served.
  ASSERT_TRUE(write_all(t.fd.get(), frame("recovered", "2")));
  EXPECT_EQ(expect_message(*t.s, "recovered", "2").conn, t.conn);
  ASSERT_EQ(ipc_sock_emit(*t.s, t.conn, "reply", "3"), IPC_OK);
  auto frames = read_frames(t.fd.get(), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "{\"type\":\"reply\",\"data\":3}");
  size_t n = 0;
  ASSERT_EQ(ipc_sock_connections(*t.s, &n), IPC_OK);
  EXPECT_EQ(n, 2u);
}

// A frame that ends a read exactly before its '\f', or with the '\f' alone in
// the next read, or empty frames between good ones.
TEST(SockFraming, FeedAloneInItsOwnWrite) {
  Served t;
  const std::string f = frame("edge", "[]");
  ASSERT_TRUE(write_all(t.fd.get(), f.substr(0, f.size() - 1)));
  ipc_sock_event_t ev;
  // Nothing yet: the frame is not complete (give the I/O thread a chance).
  EXPECT_EQ(ipc_sock_next(*t.s, &ev, 100), IPC_ETIMEDOUT);
  ASSERT_TRUE(write_all(t.fd.get(), "\f"));
  expect_message(*t.s, "edge", "[]");
}
