#!/usr/bin/env bash
# The cross-language shared-memory demo: three processes in three languages
# share one named segment, one after another (it persists between them):
#   1. Node creates it and writes a greeting and four float64s;
#   2. Python opens it by name, reads the greeting, writes a reply, and doubles
#      the floats in place through a zero-copy numpy view;
#   3. C# opens it, prints everything, and removes it.
# Then the C writer/reader pair does the same in C.
# Usage: bash examples/shm_demo.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
name="libipc_demo_$$"
cleanup() { rm -f "/dev/shm/$name"; }  # only if a step failed before C# removed it
trap cleanup EXIT

echo "== one segment, three languages: \"$name\""
NODE_PATH="$build/lib/nodejs" node "$here/node/shm_demo.js" "$name"
PYTHONPATH="$build/bindings/python" /usr/bin/python3 "$here/python/shm_demo.py" "$name"
demo_dll=$(ls "$build"/bindings/csharp/dotnet/artifacts/bin/ShmDemo/*/LibIpc.ShmDemo.dll 2>/dev/null | head -1 || true)
if [ -n "$demo_dll" ]; then
  DOTNET_NOLOGO=1 dotnet "$demo_dll" "$name"
else
  echo "csharp: not built (no dotnet?): skipped"
fi

echo
echo "== C writer -> C reader, segment \"${name}_c\""
"$build/bin/shm_writer" "${name}_c" "héllo from a C process"
"$build/bin/shm_reader" "${name}_c" --remove
