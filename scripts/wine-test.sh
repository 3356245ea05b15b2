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
GOOS=windows GOARCH=amd64 go test -count=1 -exec wine "${pkgs[@]}"
