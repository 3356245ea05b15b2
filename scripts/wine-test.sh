#!/usr/bin/env bash
# Runs addingov's Windows tests for real under Wine.
#
#   scripts/wine-test.sh [package ...]
#
# With no arguments it tests every package that has a *_windows_test.go file. It runs
# scripts/wine-setup.sh first (installs Wine when missing, builds the ProcessPrng
# forwarding DLL, creates the prefix, starts a persistent wineserver).
#
# Environment: WINEPREFIX (default $HOME/.addingov-wine), GOFLAGS as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
export WINEPREFIX="${WINEPREFIX:-$HOME/.addingov-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
bash scripts/wine-setup.sh

if [ "$#" -gt 0 ]; then
  pkgs=("$@")
else
  mapfile -t pkgs < <(find . -name '*_windows_test.go' -not -path './.git/*' -exec dirname {} \; | sort -u)
fi
if [ "${#pkgs[@]}" -eq 0 ]; then
  echo "wine-test: no packages with Windows tests"
  exit 0
fi
echo "wine-test: ${pkgs[*]}"
# -count=1: results depend on the Wine prefix's registry, which the test cache ignores.
# Without a display, Xvfb gives Wine one (the tray test creates a window and an icon).
display=()
if [ -z "${DISPLAY:-}" ]; then display=(xvfb-run -a); fi
# Packages whose other tests use t.TempDir, whose cleanup Go 1.26 cannot do under Wine 8
# (os.RemoveAll fails): only the tests of their *_windows_test.go files run here; the
# rest run natively on Linux.
windows_files_only=(./notify)
# Packages that import the Office corpus into the prefix's one registry and clear it
# again: run after the others, one at a time.
own_registry=(./daemon ./office)
whole=() only=() after=()
for p in "${pkgs[@]}"; do
  if printf '%s\n' "${windows_files_only[@]}" | grep -qxF -- "$p"; then only+=("$p")
  elif printf '%s\n' "${own_registry[@]}" | grep -qxF -- "$p"; then after+=("$p")
  else whole+=("$p"); fi
done
if [ "${#whole[@]}" -gt 0 ]; then
  "${display[@]}" env GOOS=windows GOARCH=amd64 go test -count=1 -exec wine "${whole[@]}"
fi
for p in "${after[@]}"; do
  "${display[@]}" env GOOS=windows GOARCH=amd64 go test -count=1 -exec wine "$p"
done
for p in "${only[@]}"; do
  names=$(sed -n 's/^func \(Test[A-Za-z0-9_]*\)(t \*testing\.T).*/\1/p' "$p"/*_windows_test.go | paste -sd'|')
  [ -n "$names" ] || continue
  "${display[@]}" env GOOS=windows GOARCH=amd64 go test -count=1 -exec wine -run "^($names)\$" "$p"
done
