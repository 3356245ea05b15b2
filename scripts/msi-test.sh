#!/usr/bin/env bash
# Builds the AddinGov MSI with wixl and proves it under Wine: the tables it must carry, a
# silent install that registers and starts the service, the CLI answering over the named
# pipe, the Event Log source and the agent's Run entry, the daemon's Event Log records,
# and a silent uninstall that leaves no service, files or registry values behind.
#
#   scripts/msi-test.sh
#
# Environment: WINEPREFIX (default $HOME/.addingov-wine), VERSION (default 0.0.1).
# Installs msitools and wixl (apt-get) when missing; scripts/wine-setup.sh prepares Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export WINEPREFIX="${WINEPREFIX:-$HOME/.addingov-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
version="${VERSION:-0.0.1}"
log() { printf 'msi-test: %s\n' "$*"; }
fail() { printf 'msi-test: FAIL: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "need root to install packages: run as root or install sudo"; fi
}

# 1. Tools.
bash scripts/wine-setup.sh
if ! command -v wixl >/dev/null 2>&1 || ! command -v msiinfo >/dev/null 2>&1; then
  log "installing msitools and wixl"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends msitools wixl >/dev/null
fi

build="$(mktemp -d)"
msi="$build/addingov.msi"
installed='C:\Program Files\AddinGov'
installed_unix="$WINEPREFIX/drive_c/Program Files/AddinGov"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  # Leave no service behind when a step failed half-way.
  if [ -f "$msi" ] && wine sc query AddinGov >/dev/null 2>&1; then
    wine msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || true
  fi
  rm -rf "$build"
}
trap cleanup EXIT

# 2. Build both executables and the MSI. wixl resolves sources relative to the current
# directory, so the build runs in a folder holding everything the .wxs names.
log "building addingovd.exe and addingov.exe"
GOOS=windows GOARCH=amd64 go build -o "$build/addingovd.exe" ./cmd/addingovd
GOOS=windows GOARCH=amd64 go build -o "$build/addingov.exe" ./cmd/addingov
cp -r packaging/admx "$build/admx"
log "building the MSI"
(cd "$build" && wixl -a x64 -D Version="$version" -D BinDir=. -D AdmxDir=admx \
  -o addingov.msi "$repo/packaging/windows/addingov.wxs")

# 3. Inspect its tables.
table() { msiinfo export "$msi" "$1" | tr -d '\r'; }
# has TABLE REGEX: some row of TABLE matches the extended regular expression.
has() { table "$1" | grep -Eq -- "$2" || { table "$1" >&2; fail "table $1 has no row matching: $2"; }; }
tables="$(msiinfo tables "$msi")"
for t in ServiceInstall ServiceControl Registry CustomAction InstallExecuteSequence File; do
  grep -qx "$t" <<<"$tables" || fail "the MSI has no $t table"
done
tab=$'\t'
# Own process (16), automatic start (2), LocalSystem, and the explicit "service" argument.
has ServiceInstall "^AddinGovService${tab}AddinGov${tab}[^${tab}]*${tab}16${tab}2${tab}1${tab}${tab}${tab}LocalSystem${tab}${tab}service${tab}Daemon"
# Start on install (1), stop on install and uninstall (2+32), delete on uninstall (128).
has ServiceControl "^AddinGovServiceControl${tab}AddinGov${tab}163${tab}"
has Registry "${tab}2${tab}Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run${tab}AddinGovAgent${tab}\"\\[INSTALLDIR\\]addingov.exe\" agent${tab}"
has Registry "${tab}2${tab}SYSTEM\\\\CurrentControlSet\\\\Services\\\\EventLog\\\\Application\\\\AddinGov\\\\?${tab}EventMessageFile${tab}\\[System64Folder\\]EventCreate.exe${tab}"
has Registry "${tab}TypesSupported${tab}#7${tab}"
# Recovery actions: exe from an installed file (18) + deferred (1024) + no impersonation
# (2048), running "addingovd.exe recovery" after InstallServices and before StartServices.
has CustomAction "^SetRecoveryActions${tab}3090${tab}addingovd.exe${tab}recovery"
seq_of() { table InstallExecuteSequence | awk -F'\t' -v a="$1" '$1 == a { print $3 }'; }
inst="$(seq_of InstallServices)"; rec="$(seq_of SetRecoveryActions)"; start="$(seq_of StartServices)"
[ -n "$rec" ] && [ "$inst" -lt "$rec" ] && [ "$rec" -lt "$start" ] ||
  fail "SetRecoveryActions ($rec) must run between InstallServices ($inst) and StartServices ($start)"
for f in addingovd.exe addingov.exe AddinGov.admx AddinGov.adml; do has File "${tab}${f}${tab}"; done
log "tables: service, control, recovery action, Run entry, event source and files present"

# 4. A service left by an interrupted earlier run would make the install fail.
if wine sc query AddinGov >/dev/null 2>&1; then
  log "removing a leftover AddinGov service"
  wine "$build/addingovd.exe" uninstall
fi

# 5. Install silently; the service must be registered and running.
log "installing under Wine"
wine msiexec /i "$(winepath -w "$msi")" /qn /l*v "$(winepath -w "$build/install.log")" ||
  { iconv -f UTF-16LE -t UTF-8 "$build/install.log" 2>/dev/null | tail -40 >&2 || true; fail "msiexec /i failed"; }
for _ in $(seq 1 60); do
  wine sc query AddinGov 2>/dev/null | grep -q RUNNING && break
  sleep 0.5
done
wine sc query AddinGov | grep -q RUNNING || { wine sc query AddinGov >&2 || true; fail "service AddinGov is not running after install"; }
for f in addingovd.exe addingov.exe docs/admx/AddinGov.admx docs/admx/en-US/AddinGov.adml; do
  [ -f "$installed_unix/$f" ] || fail "$f was not installed"
done
wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Run' /v AddinGovAgent | grep -q 'addingov.exe" agent' ||
  fail "the agent's Run entry is missing"
wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AddinGov' /v EventMessageFile | grep -qi 'EventCreate.exe' ||
  fail "the Event Log source is not registered"
log "installed: service running, files, Run entry and event source in place"

# 6. The CLI finds the daemon on its pipe by default.
status="$(timeout 60 wine "$installed\\addingov.exe" status)" || fail "addingov status did not answer: $status"
grep -qF 'ProtectedPrefix\Administrators\AddinGov\addingovd' <<<"$status" ||
  fail "addingov status does not report the protected pipe: $status"
log "addingov status answered over the pipe"

# 7. The daemon's Event Log records. Wine's ReportEvent only traces what it receives, on
# the eventlog channel of the Unix stderr of the process started from here, so run a second
# daemon on its own pipe and state directory and read that trace. (`service` from a prompt
# is not under the SCM, so it runs in the foreground but still logs to the Event Log.)
mkdir -p "$build/state"
state_win="$(winepath -w "$build/state")"
[ -n "$state_win" ] || fail "winepath could not translate $build/state"
: >"$build/daemon.err"
WINEDEBUG='-all,+eventlog,fixme+advapi' wine "$installed\\addingovd.exe" service \
  --socket '\\.\pipe\AddinGov-msi-test' --state-dir "$state_win" \
  >"$build/daemon.out" 2>>"$build/daemon.err" &
daemon_pid=$!
for _ in $(seq 1 120); do
  grep -q 'eventlog:ReportEventW L"daemon started' "$build/daemon.err" && break
  kill -0 "$daemon_pid" 2>/dev/null || break # it exited: the checks below say why
  sleep 0.5
done
kill "$daemon_pid" 2>/dev/null || true
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
# Information (0x0004) with event ID 100 (0x64), the message, and key=value field lines.
grep -Eq 'ReportEventW \([^,]+,0x0004,0x0000,0x00000064,' "$build/daemon.err" &&
  grep -q 'trace:eventlog:ReportEventW L"daemon started\\n' "$build/daemon.err" &&
  grep -q 'address=\\\\\\\\.\\\\pipe\\\\AddinGov-msi-test' "$build/daemon.err" ||
  { cat "$build/daemon.err" >&2; fail "the daemon did not report \"daemon started\" as event 100 with its fields"; }
log "the Event Log received \"daemon started\" as information event 100 with key=value fields"

# 8. Uninstall silently; nothing may remain.
log "uninstalling"
wine msiexec /x "$(winepath -w "$msi")" /qn || fail "msiexec /x failed"
if wine sc query AddinGov >/dev/null 2>&1; then fail "service AddinGov is still registered after uninstall"; fi
[ ! -e "$installed_unix/addingovd.exe" ] && [ ! -e "$installed_unix/addingov.exe" ] || fail "files remain in $installed"
if wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Run' /v AddinGovAgent >/dev/null 2>&1; then
  fail "the agent's Run entry remains"
fi
if wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AddinGov' >/dev/null 2>&1; then
  fail "the Event Log source remains"
fi
code=0
timeout 60 wine "$build/addingov.exe" status >/dev/null 2>&1 || code=$?
[ "$code" -eq 3 ] || fail "after uninstall addingov status exited $code, want 3 (daemon unreachable)"
log "uninstalled: no service, files, Run entry or event source remain"
# Wine's msiexec also deletes the Application log's key once it is empty (Windows always
# has other sources in it): put it back so the prefix stays as it was.
wine reg add 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application' /f >/dev/null
echo "msi-test: 1 passed, 0 failed"
