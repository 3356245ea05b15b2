#!/usr/bin/env bash
# Prepares Wine for running addingov's Windows tests on Linux. Idempotent: every step is
# skipped when its result is already there, so CI and developers can run it every time.
#
#   scripts/wine-setup.sh
#
# Environment:
#   WINEPREFIX   the Wine prefix to create and use (default: $HOME/.addingov-wine)
#
# Steps:
#   1. install wine, wine64, the MinGW binutils and Xvfb (a virtual X display: Wine
#      creates windows, such as the agent's notification-area icon, only with a display)
#      from the distribution's packages (apt-get; needs root or sudo) when missing;
#   2. build bcryptprimitives.dll from scripts/wine/ (Go 1.26 binaries import ProcessPrng
#      from it and Wine 8 lacks it; the DLL forwards it to advapi32.SystemFunction036);
#   3. create the prefix and copy the DLL into its system32;
#   4. start a persistent wineserver (wineserver -p) so each test binary starts quickly.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export WINEPREFIX="${WINEPREFIX:-$HOME/.addingov-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono or Gecko install prompts while the prefix is created: the tests need neither.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
log() { printf 'wine-setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else
    echo "wine-setup: need root to install packages: run as root or install sudo" >&2
    exit 1
  fi
}

# 1. Packages.
need=()
command -v wine >/dev/null 2>&1 || need+=(wine)
{ command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ]; } || need+=(wine64)
command -v x86_64-w64-mingw32-as >/dev/null 2>&1 || need+=(binutils-mingw-w64-x86-64)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

# 2. The forwarding DLL, rebuilt when its sources are newer than the build.
build="${WINEPREFIX}/addingov-build"
dll="${build}/bcryptprimitives.dll"
mkdir -p "$build"
if [ ! -f "$dll" ] || [ "$here/wine/dllmain.s" -nt "$dll" ] || [ "$here/wine/bcryptprimitives.def" -nt "$dll" ]; then
  log "building bcryptprimitives.dll"
  x86_64-w64-mingw32-as "$here/wine/dllmain.s" -o "$build/dllmain.o"
  x86_64-w64-mingw32-ld --dll --entry DllMain --subsystem windows \
    -o "$dll" "$build/dllmain.o" "$here/wine/bcryptprimitives.def"
fi

# 3. The prefix.
sys32="${WINEPREFIX}/drive_c/windows/system32"
if [ ! -d "$sys32" ]; then
  log "creating prefix ${WINEPREFIX}"
  wineboot --init >/dev/null 2>&1 || true
  wineserver -w || true
  if [ ! -d "$sys32" ]; then
    echo "wine-setup: wineboot did not create ${sys32}; run 'WINEDEBUG=err+all wineboot --init' to see why" >&2
    exit 1
  fi
fi
if ! cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
  log "installing bcryptprimitives.dll into the prefix"
  cp "$dll" "$sys32/bcryptprimitives.dll"
fi

# 4. A warm wineserver. -p keeps it alive after the last client exits; starting it when
# one is already running for this prefix is harmless (the second exits at once).
wineserver -p >/dev/null 2>&1 || true
# Start the prefix's background processes (services.exe, winedevice, …) now, with their
# output detached: started by the first test binary instead, they would inherit its
# stdout and `go test` would wait a minute for that pipe to close ("Test I/O incomplete").
wine cmd.exe /c exit </dev/null >/dev/null 2>&1 || true
log "ready (WINEPREFIX=${WINEPREFIX})"
