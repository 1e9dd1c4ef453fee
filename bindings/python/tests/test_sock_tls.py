"""TLS sockets with the throwaway test certificates tests/CMakeLists.txt makes
(tests/sock/make_certs.sh: a CA, a server and a client certificate signed by
it, and a self-signed "rogue" one). Skipped when they were not made."""
from __future__ import annotations

import contextlib
import os

import pytest

from libipc import ClosedError, ErrorCode, EventKind, SocketClient, SocketServer, TlsError
from sockutil import WAIT, take, take_until

CERTS = os.environ.get("IPC_TEST_CERT_DIR", "")
pytestmark = pytest.mark.skipif(not CERTS or not os.path.exists(os.path.join(CERTS, "server.pem")),
                                reason="no test certificates (IPC_TEST_CERT_DIR; needs openssl at build time)")


def cert(name: str) -> str:
    return os.path.join(CERTS, name)


SERVER_TLS = {"cert": cert("server.pem"), "key": cert("server.key")}


@pytest.fixture
def ends():
    made = []

    def track(ep):
        made.append(ep)
        return ep

    yield track
    for ep in reversed(made):
        ep.close()


def tls_server(ends, **tls):
    server = ends(SocketServer(transport="tls", port=0, tls={**SERVER_TLS, **tls}))
    assert server.port > 0
    take(server, EventKind.START)
    return server


def test_tls_exchange(ends):
    server = tls_server(ends)
    client = ends(SocketClient(transport="tls", port=server.port, tls={"ca": cert("ca.pem")}))
    client.wait_connected(WAIT)
    conn = take(server, EventKind.CONNECT).conn
    client.emit("hello", {"secret": "✓" * 1000})
    assert take(server, EventKind.MESSAGE, "hello").data == {"secret": "✓" * 1000}
    server.emit(conn, "welcome", [1, 2, 3])
    assert take_until(client, lambda e: e.kind == EventKind.MESSAGE).data == [1, 2, 3]


def test_untrusted_server_is_etls(ends):
    server = tls_server(ends, cert=cert("rogue.pem"), key=cert("rogue.key"))
    client = ends(SocketClient(transport="tls", port=server.port, stopRetrying=True, tls={"ca": cert("ca.pem")}))
    with pytest.raises(TlsError) as e:
        client.wait_connected(WAIT)
    assert e.value.code == ErrorCode.ETLS and isinstance(e.value, ConnectionError)


def test_wrong_server_name_is_etls(ends):
    server = tls_server(ends)
    client = ends(SocketClient(transport="tls", port=server.port, stopRetrying=True,
                               tls={"ca": cert("ca.pem"), "servername": "not-this-host.example"}))
    with pytest.raises(TlsError):
        client.wait_connected(WAIT)


def test_mutual_tls(ends):
    server = tls_server(ends, ca=cert("ca.pem"), requireClientCert=True)
    good = ends(SocketClient(transport="tls", port=server.port, tls={
        "ca": cert("ca.pem"), "cert": cert("client.pem"), "key": cert("client.key")}))
    good.wait_connected(WAIT)
    good.emit("hi", 1)
    assert take_until(server, lambda e: e.kind == EventKind.MESSAGE).data == 1
    anon = ends(SocketClient(transport="tls", port=server.port, stopRetrying=True, tls={"ca": cert("ca.pem")}))
    with contextlib.suppress(ClosedError):  # it may be over already
        anon.emit("sneak", 1)
    # TLS 1.3: the client's handshake may finish (CONNECT) before the server
    # checks its certificate; then the server's alert ends it: ETLS, and no
    # event of its ever reaches the server.
    evs = list(anon.events(WAIT))
    assert evs[-1].kind == EventKind.DESTROY
    errs = [ev for ev in evs if ev.kind == EventKind.ERROR]
    assert errs and errs[0].code == ErrorCode.ETLS and isinstance(errs[0].error, TlsError)
    refused = take(server, EventKind.ERROR)
    assert refused.code == ErrorCode.ETLS
    good.emit("after", 2)  # the server went on; the first event after is good's
    ev = take(server)
    assert (ev.kind, ev.type, ev.data) == (EventKind.MESSAGE, "after", 2)


def test_unreadable_certificate_is_etls(ends, tmp_path):
    with pytest.raises(TlsError) as e:
        ends(SocketServer(transport="tls", port=0, tls={"cert": str(tmp_path / "none.pem"), "key": cert("server.key")}))
    assert e.value.detail
