// Public API tests of ipc_sock_*: every function's bad input (NULL pointers,
// NULL/closed/wrong-type handles, bad options, raw/non-raw misuse, unknown
// connections) is an error code, never a crash; the packed event format; the
// address/port/default-root accessors.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "sock_test_util.hpp"

using namespace sock_test;

namespace {

// Bad options for both ends: each must be IPC_EINVAL with *out left NULL and
// a message naming the problem. Transport tcp on port 0 so that a wrongly
// accepted case binds nothing lasting.
const char *const kBadOptions[] = {
    "not json",
    "{",
    "[1, 2]",
    "42",
    "null",
    "{\"port\": 0} trailing",
    "{\"port\": 0, \"bogus\": 1}",               // unknown key
    "{\"port\": 0, \"maxRetry\": 3}",            // a typo of maxRetries
    "{\"port\": 0, \"Transport\": \"tcp\"}",     // keys are case-sensitive
    "{\"transport\": \"sctp\"}",                 // unknown transport
    "{\"transport\": 5}",                        // wrong types ...
    "{\"transport\": \"tcp\", \"port\": \"80\"}",
    "{\"transport\": \"tcp\", \"port\": 0, \"host\": 1}",
    "{\"transport\": \"tcp\", \"port\": 0, \"raw\": \"yes\"}",
    "{\"transport\": \"tcp\", \"port\": 0, \"raw\": 1}",
    "{\"id\": 5}",
    "{\"id\": \"x\", \"appspace\": []}",
    "{\"id\": \"x\", \"unlink\": \"no\"}",
    "{\"transport\": \"tcp\", \"port\": 0, \"maxFrame\": \"big\"}",
    "{\"transport\": \"tcp\", \"port\": -1}",    // out of range ...
    "{\"transport\": \"tcp\", \"port\": 65536}",
    "{\"transport\": \"tcp\", \"port\": 1.5}",
    "{\"transport\": \"tcp\", \"port\": 0, \"maxFrame\": -1}",
    "{\"transport\": \"tcp\", \"port\": 0, \"maxConnections\": -5}",
    "{\"transport\": \"tcp\", \"port\": 0, \"maxWriteQueue\": -1}",
    "{\"transport\": \"tcp\", \"port\": 0, \"maxEventQueue\": 1e300}",
    "{\"transport\": \"tls\", \"port\": 0, \"tls\": \"cert.pem\"}",
    "{\"transport\": \"tls\", \"port\": 0, \"tls\": {\"cerrt\": \"x.pem\"}}",
    "{\"transport\": \"tls\", \"port\": 0, \"tls\": {\"verify\": \"yes\"}}",
    "{\"transport\": \"tls\", \"port\": 0, \"tls\": {\"ca\": 5}}",
};

// Client-only options out of range.
const char *const kBadClientOptions[] = {
    "{\"transport\": \"tcp\", \"port\": 1, \"retry\": -1}",
    "{\"transport\": \"tcp\", \"port\": 1, \"retry\": \"fast\"}",
    "{\"transport\": \"tcp\", \"port\": 1, \"maxRetries\": -2}",
    "{\"transport\": \"tcp\", \"port\": 1, \"maxRetries\": 1.5}",
    "{\"transport\": \"tcp\", \"port\": 1, \"stopRetrying\": 1}",
    "{\"transport\": \"tcp\", \"port\": 1, \"backoff\": 0.5}",
    "{\"transport\": \"tcp\", \"port\": 1, \"backoff\": -2}",
    "{\"transport\": \"tcp\", \"port\": 1, \"retryMax\": -1}",
};

}  // namespace

TEST(SockApi, BadOptionsAreEinvalForBothEnds) {
  for (const char *opts : kBadOptions) {
    for (int client = 0; client < 2; ++client) {
      ipc_sock_t *h = nullptr;
      int rc = client ? ipc_sock_connect(opts, &h) : ipc_sock_listen(opts, &h);
      EXPECT_EQ(rc, IPC_EINVAL) << (client ? "connect " : "listen ") << opts << ": " << ipc_err_name(rc);
      EXPECT_EQ(h, nullptr) << opts;
      if (rc == IPC_EINVAL) {
        EXPECT_EQ(ipc_last_error_code(), IPC_EINVAL);
        EXPECT_STRNE(ipc_last_error_message(), "") << opts;
      }
      ipc_sock_close(h);
    }
  }
  for (const char *opts : kBadClientOptions) {
    ipc_sock_t *h = nullptr;
    EXPECT_EQ(ipc_sock_connect(opts, &h), IPC_EINVAL) << opts;
    EXPECT_EQ(h, nullptr) << opts;
    ipc_sock_close(h);
  }
}

TEST(SockApi, ErrorMessageNamesTheKey) {
  ipc_sock_t *h = nullptr;
  ASSERT_EQ(ipc_sock_listen("{\"port\": 0, \"maxConections\": 3}", &h), IPC_EINVAL);
  EXPECT_NE(std::string(ipc_last_error_message()).find("maxConections"), std::string::npos)
      << ipc_last_error_message();
  ASSERT_EQ(ipc_sock_connect("{\"transport\": \"tcp\", \"port\": \"x\"}", &h), IPC_EINVAL);
  EXPECT_NE(std::string(ipc_last_error_message()).find("port"), std::string::npos) << ipc_last_error_message();
}

TEST(SockApi, BadOptionsCreateNoSocketFile) {
  UnixId id;
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_listen(id.opts("\"bogus\": true").c_str(), &h), IPC_EINVAL);
  EXPECT_EQ(h, nullptr);
  struct stat st;
  EXPECT_NE(::lstat(id.path().c_str(), &st), 0) << "a socket file was left at " << id.path();
}

// NULL or blank options text means "{}", and a JSON null value means "absent"
// (the default): what bindings pass for "no options".
TEST(SockApi, NullOrBlankOptionsAndNullValuesMeanDefaults) {
  for (const char *opts : {static_cast<const char *>(nullptr), "", "  \n", "{\"path\": null, \"port\": null}"}) {
    Sock s;
    ASSERT_EQ(ipc_sock_listen(opts, &s.h), IPC_OK) << (opts ? opts : "NULL") << ": " << ipc_last_error_message();
    char buf[64];
    size_t len = 0;
    ASSERT_EQ(ipc_sock_address(*s, buf, sizeof buf, &len), IPC_OK);
    EXPECT_EQ(std::string(buf).rfind("127.0.0.1:", 0), 0u) << "the default is TCP on 127.0.0.1: " << buf;
    EXPECT_NE(port_of(*s), 0) << "port 0 (any) by default";
  }
}

TEST(SockApi, NullPointersAreEinval) {
  EXPECT_EQ(ipc_sock_listen("{\"port\": 0}", nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_connect("{\"port\": 1}", nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_default_root(nullptr, 10, nullptr), IPC_EINVAL);

  Sock s;
  listen(s, "{\"port\": 0}");
  ipc_sock_event_t ev;
  size_t count = 0, bytes = 0, len = 0;
  uint16_t port;
  uint64_t conn;
  char buf[64];
  EXPECT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, nullptr, "1"), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_emit_frames(*s, IPC_SOCK_ALL, nullptr, 5), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_send(*s, IPC_SOCK_ALL, nullptr, 5), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_next(*s, nullptr, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_next_many(*s, nullptr, 64, 1, &count, &bytes, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_next_many(*s, buf, sizeof buf, 1, nullptr, &bytes, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_next_many(*s, buf, sizeof buf, 1, &count, nullptr, IPC_NOWAIT), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_peer(*s, nullptr, 1, &conn), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_local_port(*s, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_address(*s, nullptr, 10, &len), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_address(*s, buf, sizeof buf, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_connections(*s, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_pending(*s, 1, nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_sock_notify_fd(*s, nullptr), IPC_EINVAL);
  // Still a working handle afterwards.
  EXPECT_EQ(ipc_sock_local_port(*s, &port), IPC_OK);
  EXPECT_NE(port, 0);
  EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
}

// NULL, forged, wrong-type and closed handles: IPC_EBADHANDLE from every
// function (the C layer looks handles up in a table, never dereferences them).
TEST(SockApi, BadHandlesAreEbadhandle) {
  ipc_sem_t *sem = nullptr;
  const std::string sem_name = ipc_test::unique_name("ipcts");
  ipc_test::scoped_cleanup rm([&] { ipc_sem_remove(sem_name.c_str()); });
  ASSERT_EQ(ipc_sem_open(sem_name.c_str(), IPC_CREATE_ONLY, 0, 0, &sem), IPC_OK);

  ipc_sock_t *closed = nullptr;
  ASSERT_EQ(ipc_sock_listen("{\"port\": 0}", &closed), IPC_OK);
  ASSERT_EQ(ipc_sock_close(closed), IPC_OK);

  ipc_sock_t *const bad[] = {nullptr, reinterpret_cast<ipc_sock_t *>(sem), closed,
                             reinterpret_cast<ipc_sock_t *>(uintptr_t{0x12345670})};
  for (ipc_sock_t *h : bad) {
    SCOPED_TRACE(reinterpret_cast<uintptr_t>(h));
    ipc_sock_event_t ev;
    size_t count, bytes, len;
    uint16_t port;
    uint64_t conn;
    int fd;
    char buf[64];
    if (h) {
      EXPECT_EQ(ipc_sock_close(h), IPC_EBADHANDLE);
    }
    EXPECT_EQ(ipc_sock_emit(h, 1, "t", "1"), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_emit_frames(h, 1, "{\"type\":\"t\",\"data\":1}\f", 22), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_send(h, 1, "x", 1), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_next(h, &ev, IPC_NOWAIT), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_next_many(h, buf, sizeof buf, 1, &count, &bytes, IPC_NOWAIT), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_disconnect(h, 1), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_peer(h, "127.0.0.1", 1, &conn), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_local_port(h, &port), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_address(h, buf, sizeof buf, &len), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_connections(h, &count), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_pending(h, 1, &bytes), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_notify(h, nullptr, nullptr), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_notify_arm(h), IPC_EBADHANDLE);
    EXPECT_EQ(ipc_sock_notify_fd(h, &fd), IPC_EBADHANDLE);
  }
  EXPECT_EQ(ipc_sock_close(nullptr), IPC_OK);  // closing NULL is a harmless no-op
  ipc_sem_close(sem);
}

TEST(SockApi, EmitValidatesAndReportsUnknownConnections) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  const uint64_t conn = connect(c, tcp_opts(port_of(*s), "\"stopRetrying\": true"), &s);
  ASSERT_NE(conn, 0u);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "t", "{"), IPC_EILSEQ);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "t", "{\"a\": 1} 2"), IPC_EILSEQ);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "t", "undefined"), IPC_EILSEQ);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "t", "\"\xC3\x28\""), IPC_EILSEQ);  // invalid UTF-8 in a string
  EXPECT_EQ(ipc_sock_emit(*s, conn, "\xFF", "1"), IPC_EILSEQ);          // invalid UTF-8 type
  EXPECT_EQ(ipc_sock_emit(*s, conn + 1000, "t", "1"), IPC_ENOENT);
  EXPECT_EQ(ipc_sock_disconnect(*s, conn + 1000), IPC_ENOENT);
  EXPECT_EQ(ipc_sock_disconnect(*s, 0), IPC_ENOENT);
  size_t pending = 0;
  EXPECT_EQ(ipc_sock_pending(*s, conn + 1000, &pending), IPC_ENOENT);
  EXPECT_EQ(ipc_sock_send(*s, conn, "raw", 3), IPC_ENOTSUP);  // not a raw handle
  EXPECT_EQ(ipc_sock_send(*c, 0, "raw", 3), IPC_ENOTSUP);
  uint64_t peer = 0;
  EXPECT_EQ(ipc_sock_peer(*s, "127.0.0.1", 1, &peer), IPC_ENOTSUP);  // a stream socket

  // None of the refused emits reached the client; NULL and "" data send {}.
  ASSERT_EQ(ipc_sock_emit(*s, conn, "no-data", nullptr), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "empty", ""), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "ws", " [1, 2] "), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "type with spaces \xE2\x9C\x93 \"q\"", "null"), IPC_OK);
  expect_message(*c, "no-data", "{}");
  expect_message(*c, "empty", "{}");
  Event ws = expect(*c, IPC_SOCK_MESSAGE);
  EXPECT_EQ(ws.type, "ws");
  EXPECT_NE(ws.data.find("[1,"), std::string::npos) << ws.data;  // whitespace may or may not be kept
  expect_message(*c, "type with spaces \xE2\x9C\x93 \"q\"", "null");
  // The client's own id for its one connection is 0, but any id is accepted.
  ASSERT_EQ(ipc_sock_emit(*c, 0, "a", "1"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 12345, "b", "2"), IPC_OK);
  EXPECT_EQ(expect_message(*s, "a", "1").conn, conn);
  EXPECT_EQ(expect_message(*s, "b", "2").conn, conn);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*c, &ev, IPC_NOWAIT), IPC_EAGAIN);
}

TEST(SockApi, EmitFramesValidatesEveryFrameFirst) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  const uint64_t conn = connect(c, tcp_opts(port_of(*s), "\"stopRetrying\": true"), &s);
  const std::string good = frame("one", "1") + frame("two", "{\"x\":[true,null]}");
  ASSERT_EQ(ipc_sock_emit_frames(*s, conn, good.data(), good.size()), IPC_OK);
  expect_message(*c, "one", "1");
  expect_message(*c, "two", "{\"x\":[true,null]}");

  const std::string bad[] = {
      frame("ok", "1") + "{\"type\":\"bad\",\"data\":}\f",  // the second is invalid: none is sent
      frame("ok", "1") + "{\"type\":\"nofeed\",\"data\":1}",  // no final \f
      "[1,2]\f",                                          // not an object
      "{\"type\":5,\"data\":1}\f",                        // type not a string
      "{\"data\":1}\f",                                   // no type
      "\f",                                               // empty frame
  };
  for (const std::string &b : bad) EXPECT_EQ(ipc_sock_emit_frames(*s, conn, b.data(), b.size()), IPC_EILSEQ) << b;
  EXPECT_EQ(ipc_sock_emit_frames(*s, conn + 1000, good.data(), good.size()), IPC_ENOENT);
  EXPECT_EQ(ipc_sock_emit_frames(*s, conn, good.data(), 0), IPC_OK);  // nothing to send

  // Nothing of the refused batches arrived: the next event is the marker.
  ASSERT_EQ(ipc_sock_emit(*s, conn, "marker", "0"), IPC_OK);
  expect_message(*c, "marker", "0");
  // A client sends batches too.
  ASSERT_EQ(ipc_sock_emit_frames(*c, 0, good.data(), good.size()), IPC_OK);
  EXPECT_EQ(expect_message(*s, "one", "1").conn, conn);
  expect_message(*s, "two", "{\"x\":[true,null]}");
}

TEST(SockApi, RawHandlesRefuseEventsAndNonRawRefuseBytes) {
  Sock s, c;
  listen(s, "{\"port\": 0, \"raw\": true}");
  const uint64_t conn = connect(c, tcp_opts(port_of(*s), "\"raw\": true, \"stopRetrying\": true"), &s);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "t", "1"), IPC_ENOTSUP);
  EXPECT_EQ(ipc_sock_emit(*c, 0, "t", "1"), IPC_ENOTSUP);
  const std::string f = frame("t", "1");
  EXPECT_EQ(ipc_sock_emit_frames(*s, conn, f.data(), f.size()), IPC_ENOTSUP);
  EXPECT_EQ(ipc_sock_send(*s, conn + 1000, "x", 1), IPC_ENOENT);
  ASSERT_EQ(ipc_sock_send(*c, 0, "bytes\f\0!", 8), IPC_OK);
  std::string got;
  while (got.size() < 8) {
    Event e = expect(*s, IPC_SOCK_DATA);
    if (e.rc != IPC_OK || e.kind != IPC_SOCK_DATA) break;
    EXPECT_EQ(e.conn, conn);
    EXPECT_EQ(e.type, "");
    got += e.data;
  }
  EXPECT_EQ(got, std::string("bytes\f\0!", 8));
}

TEST(SockApi, NextTimesOutAndNoWaitIsEagain) {
  Sock s;
  listen(s, "{\"port\": 0}");
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*s, &ev, IPC_NOWAIT), IPC_EAGAIN);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ipc_sock_next(*s, &ev, 50), IPC_ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(45));
  char buf[256];
  size_t count = 9, bytes = 9;
  EXPECT_EQ(ipc_sock_next_many(*s, buf, sizeof buf, 8, &count, &bytes, IPC_NOWAIT), IPC_EAGAIN);
  EXPECT_EQ(ipc_sock_next_many(*s, buf, sizeof buf, 8, &count, &bytes, 20), IPC_ETIMEDOUT);
}

namespace {
struct Packed {
  uint32_t kind;
  int32_t code;
  uint64_t conn;
  std::string type, data, address;
};
// Parses ipc_sock_next_many's buffer per IPC_SOCK_PACKED_HEADER, checking the
// layout (reserved 0, zero padding to 8) as it goes.
std::vector<Packed> unpack(const unsigned char *p, size_t bytes, size_t count) {
  std::vector<Packed> out;
  size_t off = 0;
  for (size_t i = 0; i < count; ++i) {
    EXPECT_LE(off + IPC_SOCK_PACKED_HEADER, bytes);
    if (off + IPC_SOCK_PACKED_HEADER > bytes) break;
    Packed e;
    uint32_t type_len, data_len, address_len, reserved;
    std::memcpy(&e.kind, p + off, 4);
    std::memcpy(&e.code, p + off + 4, 4);
    std::memcpy(&e.conn, p + off + 8, 8);
    std::memcpy(&type_len, p + off + 16, 4);
    std::memcpy(&data_len, p + off + 20, 4);
    std::memcpy(&address_len, p + off + 24, 4);
    std::memcpy(&reserved, p + off + 28, 4);
    EXPECT_EQ(reserved, 0u);
    off += IPC_SOCK_PACKED_HEADER;
    const char *c = reinterpret_cast<const char *>(p + off);
    e.type.assign(c, type_len);
    e.data.assign(c + type_len, data_len);
    e.address.assign(c + type_len + data_len, address_len);
    off += size_t{type_len} + data_len + address_len;
    while (off % 8) {
      EXPECT_EQ(p[off], 0) << "padding byte at " << off;
      ++off;
    }
    out.push_back(std::move(e));
  }
  EXPECT_EQ(off, bytes);
  return out;
}
}  // namespace

TEST(SockApi, NextManyPacksEventsAndKeepsWhatDoesNotFit) {
  UnixId id;
  Sock s, c;
  listen(s, id.opts());
  const uint64_t conn = connect(c, id.opts("\"stopRetrying\": true"), &s);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, ("t" + std::to_string(i)).c_str(), std::string(i * 3 + 1, '7').c_str()), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "last", "\"end\""), IPC_OK);

  // Wait until all six are queued: the first via next_many's own wait.
  std::vector<unsigned char> buf(4096, 0xAA);
  size_t count = 0, bytes = 0, got = 0;
  std::vector<Packed> all;
  while (got < 6) {
    // Too small for even one event: IPC_EMSGSIZE, the size needed, nothing taken.
    size_t need = 0, n = 99;
    ASSERT_EQ(ipc_sock_next_many(*s, buf.data(), 8, 4, &n, &need, kWait), IPC_EMSGSIZE);
    EXPECT_GT(need, size_t{IPC_SOCK_PACKED_HEADER});
    EXPECT_EQ(need % 8, 0u);
    // Exactly `need` bytes fit the first event.
    ASSERT_EQ(ipc_sock_next_many(*s, buf.data(), need, 4, &count, &bytes, kWait), IPC_OK);
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(bytes, need);
    auto one = unpack(buf.data(), bytes, count);
    all.insert(all.end(), one.begin(), one.end());
    got += count;
    // Then the rest in batches of at most 2.
    if (ipc_sock_next_many(*s, buf.data(), buf.size(), 2, &count, &bytes, IPC_NOWAIT) == IPC_OK) {
      EXPECT_LE(count, 2u);
      auto more = unpack(buf.data(), bytes, count);
      all.insert(all.end(), more.begin(), more.end());
      got += count;
    }
  }
  ASSERT_EQ(all.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i].kind, uint32_t{IPC_SOCK_MESSAGE});
    EXPECT_EQ(all[i].code, IPC_OK);
    EXPECT_EQ(all[i].conn, conn);
    EXPECT_EQ(all[i].type, "t" + std::to_string(i));
    EXPECT_EQ(all[i].data, std::string(i * 3 + 1, '7'));
  }
  EXPECT_EQ(all[5].type, "last");
  EXPECT_EQ(all[5].data, "\"end\"");
  // A disconnect packs as well (no type, possibly an address).
  c.close();
  ASSERT_EQ(ipc_sock_next_many(*s, buf.data(), buf.size(), 8, &count, &bytes, kWait), IPC_OK);
  auto d = unpack(buf.data(), bytes, count);
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0].kind, uint32_t{IPC_SOCK_DISCONNECT});
  EXPECT_EQ(d[0].conn, conn);
  EXPECT_EQ(d[0].type, "");
}

TEST(SockApi, AddressPortAndDefaultRoot) {
  UnixId id;
  Sock u, t;
  listen(u, id.opts());
  listen(t, "{\"port\": 0}");
  uint16_t port = 1;
  ASSERT_EQ(ipc_sock_local_port(*u, &port), IPC_OK);
  EXPECT_EQ(port, 0) << "a Unix socket has no port";
  ASSERT_EQ(ipc_sock_local_port(*t, &port), IPC_OK);
  EXPECT_NE(port, 0);

  size_t len = 0;
  ASSERT_EQ(ipc_sock_address(*u, nullptr, 0, &len), IPC_OK);  // ask the length
  EXPECT_EQ(len, id.path().size());
  std::string addr(len + 1, '\0');
  ASSERT_EQ(ipc_sock_address(*u, addr.data(), addr.size(), &len), IPC_OK);
  EXPECT_EQ(addr.c_str(), id.path());
  char small[4] = {'x', 'x', 'x', 'x'};
  EXPECT_EQ(ipc_sock_address(*u, small, sizeof small, &len), IPC_EMSGSIZE);
  EXPECT_EQ(len, id.path().size());
  EXPECT_EQ(small[3], '\0') << "cap-1 bytes and a NUL";
  EXPECT_EQ(std::string(small), id.path().substr(0, 3));

  char tbuf[64];
  ASSERT_EQ(ipc_sock_address(*t, tbuf, sizeof tbuf, &len), IPC_OK);
  EXPECT_EQ(std::string(tbuf), "127.0.0.1:" + std::to_string(port));

  size_t rlen = 0;
  ASSERT_EQ(ipc_sock_default_root(nullptr, 0, &rlen), IPC_OK);
  const std::string root = default_root();
  EXPECT_EQ(rlen, root.size());
  ASSERT_FALSE(root.empty());
  EXPECT_EQ(root.back(), '/');
  EXPECT_EQ(root.compare(0, root.size(), id.path(), 0, root.size()), 0) << "{\"id\"} lives under the default root";
  char r2[3];
  EXPECT_EQ(ipc_sock_default_root(r2, sizeof r2, &rlen), IPC_EMSGSIZE);
  EXPECT_EQ(rlen, root.size());

  size_t conns = 9;
  ASSERT_EQ(ipc_sock_connections(*u, &conns), IPC_OK);
  EXPECT_EQ(conns, 0u);
}

TEST(SockApi, ClientAccessors) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  const uint16_t port = port_of(*s);
  connect(c, tcp_opts(port, "\"stopRetrying\": true"), &s);
  size_t n = 9, pending = 9;
  ASSERT_EQ(ipc_sock_connections(*c, &n), IPC_OK);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(ipc_sock_connections(*s, &n), IPC_OK);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(ipc_sock_pending(*c, 0, &pending), IPC_OK);
  EXPECT_EQ(pending, 0u);
  char buf[64];
  size_t len;
  ASSERT_EQ(ipc_sock_address(*c, buf, sizeof buf, &len), IPC_OK);
  EXPECT_EQ(std::string(buf), "127.0.0.1:" + std::to_string(port));
}

// After its IPC_SOCK_DESTROY a client is finished: emits are IPC_ECLOSED and
// so is every further next().
TEST(SockApi, DestroyedClientIsClosed) {
  Sock s, c;
  listen(s, "{\"port\": 0}");
  const uint64_t conn = connect(c, tcp_opts(port_of(*s), "\"stopRetrying\": true"), &s);
  ASSERT_EQ(ipc_sock_disconnect(*c, 0), IPC_OK);
  expect(*c, IPC_SOCK_DISCONNECT);
  expect(*c, IPC_SOCK_DESTROY);
  ipc_sock_event_t ev;
  EXPECT_EQ(ipc_sock_next(*c, &ev, IPC_NOWAIT), IPC_ECLOSED);
  EXPECT_EQ(ipc_sock_next(*c, &ev, 1000), IPC_ECLOSED);
  EXPECT_EQ(ipc_sock_emit(*c, 0, "late", "1"), IPC_ECLOSED);
  size_t n = 9;
  ASSERT_EQ(ipc_sock_connections(*c, &n), IPC_OK);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
  EXPECT_EQ(ipc_sock_emit(*s, conn, "gone", "1"), IPC_ENOENT);
  EXPECT_EQ(ipc_sock_close(c.h), IPC_OK);
  c.h = nullptr;
}
