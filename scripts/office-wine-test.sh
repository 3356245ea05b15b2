#!/usr/bin/env bash
# End to end under Wine: addingovd governs Office's own add-ins through Office's records
# and switch. fakeoffice (office/internal/fakeoffice) stands in for Outlook, which
# cannot run here: it registers the office corpus in the real Wine registry and writes
# Outlook's event-45 text into the event file addingovd follows (Wine's event log
# cannot deliver events). Checked with reg query and the CLI:
#   1. every corpus registration is listed by `addingov addins --json` with kind, host
#      application and LoadBehavior;
#   2. a slow COM add-in from the corpus is struck by Outlook's rule (median of the last
#      5 starts above 1000 ms): disabled, its HKCU LoadBehavior 3 → 2, a log entry with
#      the 5 load times, a notice; an add-in in DoNotDisableAddinList stays loaded with
#      an exempt entry;
#   3. after a daemon restart, `addingov enable` restores the exact previous value (3).
# Exits non-zero on any miss.
#
#   scripts/office-wine-test.sh
#
# Environment: WINEPREFIX (default $HOME/.addingov-wine-office: its own prefix, so the
# registry it rewrites is no other test's).
set -euo pipefail
cd "$(dirname "$0")/.."
export WINEPREFIX="${WINEPREFIX:-$HOME/.addingov-wine-office}"
export WINEDEBUG="${WINEDEBUG:--all}"
log() { printf 'office-wine-test: %s\n' "$*"; }
fail() { printf 'office-wine-test: FAIL: %s\n' "$*" >&2; exit 1; }

corpus="$(cd .. && pwd)/shared/corpus/office"
if [ ! -d "$corpus" ]; then
  log "SKIP: the office corpus is not at $corpus"
  exit 0
fi
command -v jq >/dev/null 2>&1 || fail "jq is needed (.ci/run installs it)"
bash scripts/wine-setup.sh

build="$(mktemp -d)"
daemon_pid=""
stop_daemon() {
  if [ -n "$daemon_pid" ]; then
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=""
  fi
}
cleanup() {
  stop_daemon
  wine "$build/fakeoffice.exe" clear >/dev/null 2>&1 || true
  rm -rf "$build"
}
trap cleanup EXIT

log "building addingovd, addingov and fakeoffice for Windows"
GOOS=windows GOARCH=amd64 go build -o "$build/addingovd.exe" ./cmd/addingovd
GOOS=windows GOARCH=amd64 go build -o "$build/addingov.exe" ./cmd/addingov
GOOS=windows GOARCH=amd64 go build -o "$build/fakeoffice.exe" ./office/internal/fakeoffice

events="$build/events.jsonl"
events_win="$(winepath -w "$events")"
state_win="$(winepath -w "$build/state")"
export ADDINGOV_SOCKET='\\.\pipe\AddinGov-office-test'
cli() { wine "$build/addingov.exe" "$@"; }
regq() { wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v n="$2" 'tolower($1)==tolower(n) {print $3}'; }

wine "$build/fakeoffice.exe" clear
wine "$build/fakeoffice.exe" install "$(winepath -w "$corpus")" || fail "could not register the corpus"
: > "$events"

start_daemon() {
  wine "$build/addingovd.exe" run --state-dir "$state_win" --socket "$ADDINGOV_SOCKET" \
    --office-events "$events_win" >>"$build/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 150); do
    if cli status >/dev/null 2>&1; then return 0; fi
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$build/daemon.log" >&2; fail "addingovd exited"; }
    sleep 0.2
  done
  cat "$build/daemon.log" >&2
  fail "addingovd did not answer"
}
start_daemon
log "addingovd is running"

# 1. Inventory.
cli addins --json > "$build/addins.json"
for want in \
  'office:Outlook:KeepOutlookRunningCOMAddin.Connect com Outlook 3' \
  'office:Outlook:OutlookCloseToMinimize vsto Outlook 3' \
  'office:Outlook:FlexConfirmMail vsto Outlook 3' \
  'office:Excel:Microsoft.Research.Wwt.Excel.Addin vsto Excel 3' \
  'office:Excel:VstoAddinInstallerSample vsto Excel 3'; do
  read -r id kind host lb <<<"$want"
  jq -e --arg id "$id" --arg kind "$kind" --arg host "$host" --argjson lb "$lb" \
    'map(select(.id == $id and .kind == $kind and .host == $host and .load_behavior == $lb)) | length == 1' \
    "$build/addins.json" >/dev/null || fail "addins --json does not list $id as $kind for $host with LoadBehavior $lb: $(cat "$build/addins.json")"
done
log "every corpus registration is listed with its kind, host and LoadBehavior"

# 2. Five slow starts of Outlook (event 45), FlexConfirmMail slow too but always enabled.
slow=office:Outlook:KeepOutlookRunningCOMAddin.Connect
slow_key='HKCU\Software\Microsoft\Office\Outlook\Addins\KeepOutlookRunningCOMAddin.Connect'
[ "$(regq "$slow_key" LoadBehavior)" = 0x3 ] || fail "LoadBehavior before the test is not 0x3"
for ms in 1400 2600 900 1800 2100; do
  wine "$build/fakeoffice.exe" start "$events_win" KeepOutlookRunningCOMAddin.Connect=$ms FlexConfirmMail=3000
  sleep 0.3
done
for _ in $(seq 1 100); do
  state=$(cli addins show "$slow" --json | jq -r .addin.state)
  [ "$state" = disabled ] && break
  sleep 0.2
done
[ "$state" = disabled ] || { cat "$build/daemon.log" >&2; fail "$slow is $state after 5 slow starts, want disabled"; }
lb=$(regq "$slow_key" LoadBehavior)
[ "$lb" = 0x2 ] || fail "reg query: HKCU LoadBehavior of $slow is $lb, want 0x2"
cli log --addin "$slow" --json > "$build/log.json"
jq -e 'map(select(.action == "disable" and .reason == "activation" and (.evidence | length) == 5 and .value == 1800)) | length == 1' \
  "$build/log.json" >/dev/null || fail "no disable entry with the 5 load times (median 1800 ms): $(cat "$build/log.json")"
cli notices --json | jq -e --arg id "$slow" 'map(select(.addin_id == $id)) | length >= 1' >/dev/null || fail "no notice for $slow"
log "$slow struck by Outlook's rule: disabled, HKCU LoadBehavior 0x2, logged with its load times, notice raised"

flex=office:Outlook:FlexConfirmMail
[ "$(cli addins show "$flex" --json | jq -r .addin.state)" = enabled ] || fail "$flex (DoNotDisableAddinList) was turned off"
cli log --addin "$flex" --json | jq -e 'map(select(.action == "exempt")) | length == 1' >/dev/null || fail "$flex has no exempt entry"
[ -z "$(regq 'HKCU\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail' LoadBehavior)" ] || fail "a user LoadBehavior was written for $flex"
log "$flex (DoNotDisableAddinList) stays loaded with an exempt entry"

# 3. Restart, then enable: the exact previous value comes back.
stop_daemon
start_daemon
cli enable "$slow" >/dev/null || fail "addingov enable $slow failed"
lb=$(regq "$slow_key" LoadBehavior)
[ "$lb" = 0x3 ] || fail "reg query after enable: LoadBehavior is $lb, want 0x3 (the value before the disable)"
log "after a restart, addingov enable restored LoadBehavior 0x3"

# Office's own failure record: LoadBehavior 3 → 2 after a load error is a failed activation.
wine "$build/fakeoffice.exe" load-error Excel VstoAddinInstallerSample
for _ in $(seq 1 100); do
  n=$(cli addins show office:Excel:VstoAddinInstallerSample --json | jq -r '.addin.strikes.activation // 0')
  [ "$n" = 1 ] && break
  sleep 0.2
done
[ "$n" = 1 ] || fail "Office's LoadBehavior 3 → 2 was not counted as a failed activation (strikes: $n)"
log "Office turning LoadBehavior 3 → 2 after a load error counts as a failed activation"
log "PASS"
