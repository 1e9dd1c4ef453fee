#!/usr/bin/env bash
# Runs every libipc test: builds the library, the examples and all three
# bindings, then runs ctest (C, C++, Python, Node, C#, the cross-language matrix).
# Usage: bash tests/run.sh [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source cmake/deps.sh
extra=()
[ -z "${IPC_NO_DOTNET:-}" ] || extra+=(-DIPC_BUILD_CSHARP=OFF)
cmake --preset default "${extra[@]}"
cmake --build --preset default
ctest --preset default "$@"
