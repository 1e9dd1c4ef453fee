#!/usr/bin/env bash
# Installs what building and testing libipc needs on Debian 12, only if missing.
# Sourced or run by examples/demo.sh and tests/run.sh.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake pkg-config
  libboost1.81-dev libasio-dev libssl-dev nlohmann-json3-dev
  swig googletest libgtest-dev
  python3 python3-dev python3-pytest python3-numpy
)
# Node: any node >= 20 with npm will do (Debian's, or a nodesource build that
# bundles npm, which conflicts with Debian's npm package): install only if the
# commands are missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  APT_PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# The C# binding needs the .NET SDK (8.0 or later), which is not a Debian package.
if ! command -v dotnet >/dev/null 2>&1; then
  echo "deps: no 'dotnet' on PATH: the C# binding and its tests are skipped (-DIPC_BUILD_CSHARP=OFF)" >&2
  export IPC_NO_DOTNET=1
fi
