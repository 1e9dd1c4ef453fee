// Public API tests of ipc_sock_* over TLS, with throwaway certificates made at
// build time by tests/sock/make_certs.sh (IPC_TEST_CERT_DIR): a CA, a server
// certificate for 127.0.0.1/localhost, a client certificate and a rogue
// self-signed one. Trust, name checks and mutual TLS are each refused or
// accepted as they must be.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <string>
#include <sys/stat.h>

#include "sock_test_util.hpp"

using namespace sock_test;

#ifndef IPC_TEST_CERT_DIR
#error "IPC_TEST_CERT_DIR must name the directory make_certs.sh wrote"
#endif

namespace {

std::string cert(const char *name) { return std::string(IPC_TEST_CERT_DIR) + "/" + name; }

std::string server_opts(const std::string &tls_extra = "") {
  return "{\"transport\": \"tls\", \"host\": \"127.0.0.1\", \"port\": 0, \"tls\": {\"cert\": \"" + cert("server.pem") +
         "\", \"key\": \"" + cert("server.key") + "\"" + (tls_extra.empty() ? "" : ", " + tls_extra) + "}}";
}

std::string client_opts(uint16_t port, const std::string &tls, const std::string &extra = "\"maxRetries\": 0") {
  return "{\"transport\": \"tls\", \"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) + ", \"tls\": {" + tls +
         "}" + (extra.empty() ? "" : ", " + extra) + "}";
}

std::string trust_ca() { return "\"ca\": \"" + cert("ca.pem") + "\""; }

// A client that must be refused: an IPC_ETLS error (a reset may follow), no
// message, then destroy (maxRetries 0). Returns whether it saw CONNECT.
bool expect_refused(ipc_sock_t *c) {
  bool saw_tls_error = false, saw_connect = false;
  for (int i = 0; i < 10; ++i) {
    Event e = next(c);
    if (e.rc != IPC_OK) {
      ADD_FAILURE() << "no destroy: " << e;
      break;
    }
    if (e.kind == IPC_SOCK_DESTROY) break;
    if (e.kind == IPC_SOCK_CONNECT) saw_connect = true;
    EXPECT_NE(e.kind, IPC_SOCK_MESSAGE) << e;
    if (e.kind == IPC_SOCK_ERROR && e.code == IPC_ETLS) saw_tls_error = true;
  }
  EXPECT_TRUE(saw_tls_error) << "the refusal is an IPC_ETLS error event";
  return saw_connect;
}

// The server never reported the refused peer as connected: a good client then
// connects and emits "marker"; up to the marker there is exactly one connect.
void expect_server_saw_no_connection(ipc_sock_t *s, uint16_t port, const std::string &good_tls) {
  Sock good;
  ASSERT_EQ(ipc_sock_connect(client_opts(port, good_tls).c_str(), &good.h), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*good, 0, "marker", "1"), IPC_OK);
  int connects = 0;
  for (;;) {
    Event e = next(s);
    ASSERT_EQ(e.rc, IPC_OK);
    if (e.kind == IPC_SOCK_CONNECT) ++connects;
    if (e.kind == IPC_SOCK_ERROR) {
      EXPECT_TRUE(e.code == IPC_ETLS || e.code == IPC_ECONNRESET) << e;
    }
    if (e.kind == IPC_SOCK_MESSAGE) {
      EXPECT_EQ(e.type, "marker");
      break;
    }
  }
  EXPECT_EQ(connects, 1) << "the refused client was reported as connected";
  good.close();
  expect(s, IPC_SOCK_DISCONNECT);
}

}  // namespace

// Every TLS test needs the generated certificates (openssl at build time).
class SockTls : public ::testing::Test {
protected:
  void SetUp() override {
    struct stat st;
    if (::stat(cert("server.pem").c_str(), &st) != 0)
      GTEST_SKIP() << "no test certificates in " IPC_TEST_CERT_DIR " (openssl was not found at configure time)";
  }
};

TEST_F(SockTls, TrustedServerEventsBothWays) {
  Sock s, c;
  listen(s, server_opts());
  const uint16_t port = port_of(*s);
  const uint64_t conn = connect(c, client_opts(port, trust_ca(), "\"stopRetrying\": true"), &s);
  ASSERT_NE(conn, 0u);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "up", "{\"secret\":\"\xE2\x9C\x93\"}"), IPC_OK);
  EXPECT_EQ(expect_message(*s, "up", "{\"secret\":\"\xE2\x9C\x93\"}").conn, conn);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "down", "[1,2,3]"), IPC_OK);
  ASSERT_EQ(ipc_sock_emit(*s, IPC_SOCK_ALL, "all", "true"), IPC_OK);
  expect_message(*c, "down", "[1,2,3]");
  expect_message(*c, "all", "true");
  // Large events span many TLS records; many small ones share records.
  const std::string big = "\"" + std::string(1 << 20, 'z') + "\"";
  ASSERT_EQ(ipc_sock_emit(*c, 0, "big", big.c_str()), IPC_OK);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(ipc_sock_emit(*c, 0, "n", std::to_string(i).c_str()), IPC_OK);
  expect_message(*s, "big", big);
  for (int i = 0; i < 500; ++i) expect_message(*s, "n", std::to_string(i));
  ASSERT_EQ(ipc_sock_disconnect(*c, 0), IPC_OK);
  expect(*c, IPC_SOCK_DISCONNECT);
  expect(*c, IPC_SOCK_DESTROY);
  EXPECT_EQ(expect(*s, IPC_SOCK_DISCONNECT).conn, conn);
}

TEST_F(SockTls, ServernameLocalhostMatchesTheDnsName) {
  Sock s, c;
  listen(s, server_opts());
  connect(c, client_opts(port_of(*s), trust_ca() + ", \"servername\": \"localhost\""), &s);
}

TEST_F(SockTls, UntrustedServerIsRefused) {
  Sock s;
  listen(s, server_opts());
  const uint16_t port = port_of(*s);
  {
    Sock c;  // the system trust store does not know our test CA
    ASSERT_EQ(ipc_sock_connect(client_opts(port, "").c_str(), &c.h), IPC_OK);
    EXPECT_FALSE(expect_refused(*c)) << "a client refusing the server reported connect";
  }
  {
    Sock c;  // a CA that did not sign the server's certificate
    ASSERT_EQ(ipc_sock_connect(client_opts(port, "\"ca\": \"" + cert("rogue.pem") + "\"").c_str(), &c.h), IPC_OK);
    EXPECT_FALSE(expect_refused(*c));
  }
  expect_server_saw_no_connection(*s, port, trust_ca());
}

TEST_F(SockTls, RogueServerIsRefused) {
  Sock s, c;
  listen(s, "{\"transport\": \"tls\", \"port\": 0, \"tls\": {\"cert\": \"" + cert("rogue.pem") + "\", \"key\": \"" +
                cert("rogue.key") + "\"}}");
  ASSERT_EQ(ipc_sock_connect(client_opts(port_of(*s), trust_ca()).c_str(), &c.h), IPC_OK);
  EXPECT_FALSE(expect_refused(*c));
}

TEST_F(SockTls, HostnameMismatchIsRefused) {
  Sock s, c;
  listen(s, server_opts());
  const uint16_t port = port_of(*s);
  ASSERT_EQ(ipc_sock_connect(client_opts(port, trust_ca() + ", \"servername\": \"wrong.example\"").c_str(), &c.h),
            IPC_OK);
  EXPECT_FALSE(expect_refused(*c));
  expect_server_saw_no_connection(*s, port, trust_ca());
}

TEST_F(SockTls, VerifyFalseAcceptsAnyServer) {
  Sock s, c;
  listen(s, server_opts());
  connect(c, client_opts(port_of(*s), "\"verify\": false, \"servername\": \"wrong.example\""), &s);
  ASSERT_EQ(ipc_sock_emit(*c, 0, "x", "1"), IPC_OK);
  expect_message(*s, "x", "1");
}

TEST_F(SockTls, MutualTlsRequiresACaSignedClientCertificate) {
  Sock s;
  listen(s, server_opts("\"requireClientCert\": true, " + trust_ca()));
  const uint16_t port = port_of(*s);
  // No certificate: refused. (With TLS 1.3 the client may complete its side of
  // the handshake, and so report connect, before the server's refusal arrives.)
  {
    Sock c;
    ASSERT_EQ(ipc_sock_connect(client_opts(port, trust_ca()).c_str(), &c.h), IPC_OK);
    // Queued (or IPC_ECLOSED if the refusal already ended this non-retrying client).
    const int rc = ipc_sock_emit(*c, 0, "sneak", "1");
    EXPECT_TRUE(rc == IPC_OK || rc == IPC_ECLOSED) << ipc_err_name(rc);
    expect_refused(*c);
  }
  // The rogue certificate: refused.
  {
    Sock c;
    const std::string tls = trust_ca() + ", \"cert\": \"" + cert("rogue.pem") + "\", \"key\": \"" + cert("rogue.key") + "\"";
    ASSERT_EQ(ipc_sock_connect(client_opts(port, tls).c_str(), &c.h), IPC_OK);
    // Queued (or IPC_ECLOSED if the refusal already ended this non-retrying client).
    const int rc = ipc_sock_emit(*c, 0, "sneak", "2");
    EXPECT_TRUE(rc == IPC_OK || rc == IPC_ECLOSED) << ipc_err_name(rc);
    expect_refused(*c);
  }
  // The CA-signed client certificate: accepted; nothing of the refused ones got
  // through ("sneak" was never delivered).
  const std::string good =
      trust_ca() + ", \"cert\": \"" + cert("client.pem") + "\", \"key\": \"" + cert("client.key") + "\"";
  expect_server_saw_no_connection(*s, port, good);
  Sock c;
  const uint64_t conn = connect(c, client_opts(port, good, "\"stopRetrying\": true"), &s);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "welcome", "\"mtls\""), IPC_OK);
  expect_message(*c, "welcome", "\"mtls\"");
  ASSERT_EQ(ipc_sock_emit(*c, 0, "thanks", "1"), IPC_OK);
  EXPECT_EQ(expect_message(*s, "thanks", "1").conn, conn);
}

TEST_F(SockTls, UnreadableCertificateOrKeyIsEtls) {
  const std::string missing = cert("no-such.pem");
  const struct {
    std::string c, k;
  } cases[] = {
      {missing, cert("server.key")},
      {cert("server.pem"), missing},
      {cert("server.pem"), cert("client.key")},  // a key that does not match
      {cert("server.key"), cert("server.pem")},  // swapped
  };
  for (auto &x : cases) {
    ipc_sock_t *h = nullptr;
    const std::string opts =
        "{\"transport\": \"tls\", \"port\": 0, \"tls\": {\"cert\": \"" + x.c + "\", \"key\": \"" + x.k + "\"}}";
    EXPECT_EQ(ipc_sock_listen(opts.c_str(), &h), IPC_ETLS) << opts;
    EXPECT_EQ(h, nullptr);
  }
  ipc_sock_t *h = nullptr;
  EXPECT_EQ(ipc_sock_connect(client_opts(1, "\"ca\": \"" + missing + "\"").c_str(), &h), IPC_ETLS);
  EXPECT_EQ(h, nullptr);
  // A TLS server without a certificate cannot work.
  int rc = ipc_sock_listen("{\"transport\": \"tls\", \"port\": 0}", &h);
  EXPECT_TRUE(rc == IPC_ETLS || rc == IPC_EINVAL) << ipc_err_name(rc);
  EXPECT_EQ(h, nullptr);
}

// A plain-TCP client speaking to a TLS server (or the reverse) is an error
// event, never a message.
TEST_F(SockTls, PlainPeerOnATlsServer) {
  Sock s;
  listen(s, server_opts());
  const uint16_t port = port_of(*s);
  Fd fd = tcp_connect(port);
  ASSERT_TRUE(write_all(fd.get(), frame("plain", "1")));
  EXPECT_TRUE(sees_eof(fd.get())) << "the server closed the non-TLS connection";
  expect_server_saw_no_connection(*s, port, trust_ca());
}

// Backpressure over TLS (whose writes always go through the I/O thread): the
// client's application takes no events, the server's queue for it refuses
// with EAGAIN, then DRAIN once the client takes them; nothing lost.
TEST_F(SockTls, BackpressureAndDrain) {
  Sock s, c;
  listen(s, "{\"transport\": \"tls\", \"port\": 0, \"maxWriteQueue\": 65536, \"tls\": {\"cert\": \"" +
                cert("server.pem") + "\", \"key\": \"" + cert("server.key") + "\"}}");
  const uint64_t conn =
      connect(c, client_opts(port_of(*s), trust_ca(), "\"maxEventQueue\": 65536, \"stopRetrying\": true"), &s);
  const std::string data = "\"" + std::string(4000, 'w') + "\"";
  int accepted = 0, rc = IPC_OK;
  while (accepted < 50000 && (rc = ipc_sock_emit(*s, conn, "e", data.c_str())) == IPC_OK) ++accepted;
  ASSERT_EQ(rc, IPC_EAGAIN) << "no backpressure after " << accepted << " events";
  for (int i = 0; i < accepted; ++i) {
    Event e = next(*c);
    ASSERT_EQ(e.kind, IPC_SOCK_MESSAGE) << i << ": " << e;
    ASSERT_EQ(e.data.size(), data.size());
  }
  Event d = expect(*s, IPC_SOCK_DRAIN);
  EXPECT_EQ(d.conn, conn);
  ASSERT_EQ(ipc_sock_emit(*s, conn, "after", "1"), IPC_OK);
  expect_message(*c, "after", "1");
}
