#!/usr/bin/env bash
# The main job: build libipc and run the cross-language demos (shared memory, then sockets).
# Usage: bash examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source cmake/deps.sh
extra=()
[ -z "${IPC_NO_DOTNET:-}" ] || extra+=(-DIPC_BUILD_CSHARP=OFF)
cmake --preset default "${extra[@]}" >/dev/null
cmake --build --preset default
bash examples/shm_demo.sh build
echo
bash examples/sock_demo.sh build
