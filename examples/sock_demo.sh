#!/usr/bin/env bash
# The cross-language socket demo: a Python server (libipc SocketServer) on a
# Unix socket named by id, and two Node clients — one written against node-ipc's
# API (libipc/compat/node-ipc), one against libipc's own — exchanging events in
# node-ipc's wire format.
# Usage: bash examples/sock_demo.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
id="libipc_sock_demo_$$"
export PYTHONPATH="$build/bindings/python" NODE_PATH="$build/lib/nodejs"

echo "== sockets: a Python server, two Node clients, socket id \"$id\""
out=$(mktemp -u) && mkfifo "$out"
/usr/bin/python3 "$here/python/sock_demo_server.py" "$id" 2 >"$out" &
server_pid=$!
exec 3<"$out"
rm -f "$out"
trap 'kill $server_pid 2>/dev/null || true' EXIT
# Wait for the server's "ready" line (printed once it listens), echoing the rest.
line=
while IFS= read -r line <&3; do
  [ "$line" = ready ] && break
  echo "$line"
done
[ "$line" = ready ] || { echo "server did not start"; exit 1; }
cat <&3 &   # the server's further lines, as they come
node "$here/node/sock_demo_node_ipc.js" "$id"
node "$here/node/sock_demo_client.js" "$id"
wait "$server_pid"
trap - EXIT
wait
