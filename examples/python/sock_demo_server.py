"""The socket demo's server (examples/sock_demo.sh): a libipc SocketServer in
Python on the Unix socket <private root>/app.<id>, answering each client's
`hello` with `welcome` and telling everyone with a broadcast; it stops after
`bye` from the given number of clients.

Usage: sock_demo_server.py ID CLIENTS"""
import sys

from libipc import SocketServer

sock_id, clients = sys.argv[1], int(sys.argv[2])
byes = 0

with SocketServer(id=sock_id) as server:

    @server.on("start")
    def started(ev):
        print(f"python server: listening on {server.address}", flush=True)
        print("ready", flush=True)  # examples/sock_demo.sh waits for this line

    @server.on("hello")
    def hello(ev):
        print(f"python server: hello from {ev.data['from']} (connection {ev.conn})", flush=True)
        server.emit(ev.conn, "welcome", {"to": ev.data["from"], "server": "python ✓"})
        server.broadcast("news", {"joined": ev.data["from"]})

    @server.on("bye")
    def bye(ev):
        global byes
        byes += 1
        if byes == clients:
            server.close()  # ends run_forever()

    server.run_forever()
print("python server: every client said bye", flush=True)
