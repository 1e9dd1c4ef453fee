#!/usr/bin/env bash
# Shared memory across processes: a writer process creates a named segment and
# writes into it; a reader process opens it by name and prints what it finds.
# Usage: bash examples/shm_demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
name="libipc_demo_$$"
trap '"$build/bin/shm_reader" "$name" --remove >/dev/null 2>&1 || true' EXIT
echo "== C writer -> C reader, segment \"$name\""
"$build/bin/shm_writer" "$name" "héllo from a C process"
"$build/bin/shm_reader" "$name"
