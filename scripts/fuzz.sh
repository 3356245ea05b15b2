#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded time each.
#   scripts/fuzz.sh [seconds-per-target]   (default 10; FUZZTIME overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
per="${1:-${FUZZTIME:-10}}s"
files=$(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
[ -n "$files" ] || { echo "fuzz: no fuzz targets found (is this a git checkout?)"; exit 1; }
total=0
failed=0
while IFS= read -r file; do
  pkg="./$(dirname "$file")"
  while IFS= read -r target; do
    total=$((total + 1))
    echo "fuzz: $pkg $target for $per"
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$per" "$pkg" >/tmp/addingov-fuzz.log 2>&1; then
      failed=$((failed + 1))
      echo "fuzz: $pkg $target FAILED:"
      tail -n 40 /tmp/addingov-fuzz.log
    fi
  done < <(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/')
done <<< "$files"
echo "fuzz: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
