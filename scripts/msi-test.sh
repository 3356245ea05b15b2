#!/usr/bin/env bash
# Builds the AddinGov MSI with wixl and proves it under Wine: the tables it must carry, a
# silent install that registers and starts the service, the CLI answering over the named
# pipe, the Event Log source and the agent's Run entry, the daemon's Event Log records,
# an in-place upgrade to a newer MSI that keeps the state, a refused downgrade, and a
# silent uninstall that leaves no service, files or registry values behind.
#
#   scripts/msi-test.sh
#
# Environment: WINEPREFIX (default $HOME/.addingov-wine). Version N is the repository's
# VERSION file; N+1 is the same with its build number raised by one.
# Installs msitools and wixl (apt-get) when missing; scripts/wine-setup.sh prepares Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export WINEPREFIX="${WINEPREFIX:-$HOME/.addingov-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
version="$(tr -d ' \r\n' <VERSION)"
IFS=. read -r v_major v_minor v_build <<<"$version"
next="$v_major.$v_minor.$((v_build + 1))"
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
msi="$build/n/addingov-$version.msi"
msi_next="$build/n1/addingov-$next.msi"
installed='C:\Program Files\AddinGov'
installed_unix="$WINEPREFIX/drive_c/Program Files/AddinGov"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  # Leave no service behind when a step failed half-way.
  if wine sc query AddinGov >/dev/null 2>&1; then
    for m in "$msi_next" "$msi"; do
      [ -f "$m" ] && wine msiexec /x "$(winepath -w "$m")" /qn >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$build"
}
trap cleanup EXIT

# 2. Build versions N and N+1 of the executables and the MSI, each stamped by
# scripts/build-windows.sh from one version.
log "building version $version and $next"
bash scripts/build-windows.sh "$build/n" >/dev/null
VERSION="$next" bash scripts/build-windows.sh "$build/n1" >/dev/null

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
has Registry "${tab}2${tab}Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run${tab}AddinGovAgent${tab}\"\\[INSTALLDIR\\]addingov-agent.exe\"${tab}"
has Registry "${tab}2${tab}SYSTEM\\\\CurrentControlSet\\\\Services\\\\EventLog\\\\Application\\\\AddinGov\\\\?${tab}EventMessageFile${tab}\\[System64Folder\\]EventCreate.exe${tab}"
has Registry "${tab}TypesSupported${tab}#7${tab}"
# Recovery actions: exe from an installed file (18) + deferred (1024) + no impersonation
# (2048), running "addingovd.exe recovery" after InstallServices and before StartServices.
has CustomAction "^SetRecoveryActions${tab}3090${tab}addingovd.exe${tab}recovery"
seq_of() { table InstallExecuteSequence | awk -F'\t' -v a="$1" '$1 == a { print $3 }'; }
inst="$(seq_of InstallServices)"; rec="$(seq_of SetRecoveryActions)"; start="$(seq_of StartServices)"
[ -n "$rec" ] && [ "$inst" -lt "$rec" ] && [ "$rec" -lt "$start" ] ||
  fail "SetRecoveryActions ($rec) must run between InstallServices ($inst) and StartServices ($start)"
for f in addingovd.exe addingov.exe addingov-agent.exe AddinGov.admx AddinGov.adml; do has File "${tab}${f}${tab}"; done
# Upgrades: older versions are found and removed (MigrateFeatures, 1), newer ones only
# detected (OnlyDetect, 2) and refused by the launch condition; the removal runs inside
# the install transaction (after InstallInitialize) so a failed upgrade rolls back.
upgrade_code='{07E12F75-F837-44AC-8BF5-1EA457ADA897}'
has Upgrade "^${upgrade_code}${tab}${tab}${version}${tab}${tab}1${tab}"
has Upgrade "^${upgrade_code}${tab}${version}${tab}${tab}${tab}2${tab}"
has LaunchCondition "^NOT WIX_DOWNGRADE_DETECTED${tab}A newer version of AddinGov is already installed"
has Property "^ProductVersion${tab}${version}\$"
has Property "^ARPCONTACT${tab}."
has Property "^ARPNOMODIFY${tab}1\$"
has CustomAction "^SetARPHelpLink${tab}[0-9]+${tab}ARPHELPLINK${tab}\[INSTALLDIR\]docs\\\\README.md"
fr="$(seq_of FindRelatedProducts)"; rep="$(seq_of RemoveExistingProducts)"; ii="$(seq_of InstallInitialize)"
[ -n "$fr" ] && [ -n "$rep" ] && [ "$ii" -lt "$rep" ] && [ "$rep" -lt "$inst" ] ||
  fail "RemoveExistingProducts ($rep) must run after InstallInitialize ($ii) and before InstallServices ($inst)"
product_code() { msiinfo export "$1" Property | tr -d '\r' | awk -F'\t' '$1 == "ProductCode" { print $2 }'; }
code_n="$(product_code "$msi")"; code_next="$(product_code "$msi_next")"
[ -n "$code_n" ] && [ "$code_n" != "$code_next" ] || fail "each build needs its own ProductCode ($code_n, $code_next)"
log "tables: service, control, recovery action, Run entry, event source, files, upgrade rule and ARP properties present"

# 4. A service left by an interrupted earlier run would make the install fail.
if wine sc query AddinGov >/dev/null 2>&1; then
  log "removing a leftover AddinGov service"
  wine "$build/n/addingovd.exe" uninstall
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
for f in addingovd.exe addingov.exe addingov-agent.exe docs/admx/AddinGov.admx docs/admx/en-US/AddinGov.adml; do
  [ -f "$installed_unix/$f" ] || fail "$f was not installed"
done
wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Run' /v AddinGovAgent | grep -q 'addingov-agent.exe"' ||
  fail "the agent's Run entry is missing"
wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AddinGov' /v EventMessageFile | grep -qi 'EventCreate.exe' ||
  fail "the Event Log source is not registered"
log "installed: service running, files, Run entry and event source in place"

# 6. The CLI finds the daemon on its pipe by default, and both report version N.
status="$(timeout 60 wine "$installed\\addingov.exe" status)" || fail "addingov status did not answer: $status"
grep -qF 'ProtectedPrefix\Administrators\AddinGov\addingovd' <<<"$status" ||
  fail "addingov status does not report the protected pipe: $status"
grep -qF "addingovd $version " <<<"$status" || fail "addingov status does not show version $version: $status"
for exe in addingov addingovd; do
  v="$(timeout 60 wine "$installed\\$exe.exe" --version | tr -d '\r')"
  [ "$v" = "$exe version $version" ] || fail "$exe --version printed \"$v\", want \"$exe version $version\""
done
log "addingov status answered over the pipe; status and --version show $version"

# 6b. State made before the upgrade: an add-in installed for everyone and turned off.
addin=c0ffee00-1234-4abc-9def-00112233aabb
cp manifest/testdata/content.xml "$build/content.xml"
timeout 60 wine "$installed\\addingov.exe" install "$(winepath -w "$build/content.xml")" --yes --scope machine >/dev/null ||
  fail "addingov install of the test add-in failed"
timeout 60 wine "$installed\\addingov.exe" disable "$addin" --reason "before the upgrade" >/dev/null ||
  fail "addingov disable of the test add-in failed"

# readlog FILE: an msiexec /l*v log as text (Windows writes UTF-16LE, Wine ASCII).
readlog() {
  if [ "$(head -c2 "$1" | od -An -tx1 | tr -d ' ')" = "fffe" ]; then iconv -f UTF-16LE -t UTF-8 "$1"; else cat "$1"; fi | tr -d '\r'
}

# 6c. Upgrade in place to N+1.
log "upgrading to $next"
wine msiexec /i "$(winepath -w "$msi_next")" /qn /l*v "$(winepath -w "$build/upgrade.log")" ||
  { readlog "$build/upgrade.log" | tail -40 >&2 || true; fail "msiexec /i of $next failed"; }
wait_running() {
  for _ in $(seq 1 60); do
    wine sc query AddinGov 2>/dev/null | grep -q RUNNING && return 0
    sleep 0.5
  done
  wine sc query AddinGov >&2 || true
  fail "service AddinGov is not running $1"
}
wait_running "after the upgrade"
uninstall_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'
products="$(wine reg query "$uninstall_key" /s 2>/dev/null | tr -d '\r' | grep -cE 'DisplayName +REG_SZ +AddinGov$' || true)"
[ "$products" -eq 1 ] || { wine reg query "$uninstall_key" /s >&2 || true; fail "after the upgrade $products AddinGov products are registered, want 1"; }
wine reg query "$uninstall_key\\$code_next" /v DisplayVersion | tr -d '\r' | grep -q "REG_SZ[[:space:]]*$next\$" ||
  fail "the registered product is not $code_next at version $next"
if wine reg query "$uninstall_key\\$code_n" >/dev/null 2>&1; then fail "version $version ($code_n) is still registered"; fi
status="$(timeout 60 wine "$installed\\addingov.exe" status)" || fail "addingov status did not answer after the upgrade: $status"
grep -qF "addingovd $next " <<<"$status" || fail "after the upgrade addingov status does not show $next: $status"
state="$(timeout 60 wine "$installed\\addingov.exe" addins --json)" || fail "addingov addins failed after the upgrade"
grep -q "\"id\": *\"$addin\"" <<<"$state" && grep -q '"state": *"disabled"' <<<"$state" ||
  fail "the add-in disabled before the upgrade is gone or enabled: $state"
timeout 60 wine "$installed\\addingov.exe" log --json | grep -q 'before the upgrade' ||
  fail "the disable log lost the entry made before the upgrade"
grep -q 'SetRecoveryActions. Return value 1' <<<"$(readlog "$build/upgrade.log")" ||
  fail "the upgrade did not run SetRecoveryActions (the service's recovery settings)"
log "upgraded: one product ($next), service running, status shows $next, the disabled add-in and its log entry kept"

# 6d. A downgrade is refused and changes nothing.
code=0
wine msiexec /i "$(winepath -w "$msi")" /qn /l*v "$(winepath -w "$build/downgrade.log")" >/dev/null 2>&1 || code=$?
[ "$code" -ne 0 ] || fail "installing $version over $next succeeded; a downgrade must be refused"
# The launch condition stops it; its text (checked in the LaunchCondition table above) is
# what Windows shows and logs. Wine's log names the newer product and the failed condition.
downgrade_log="$(readlog "$build/downgrade.log")"
grep -q "WIX_DOWNGRADE_DETECTED = $code_next" <<<"$downgrade_log" &&
  grep -q 'LaunchConditions. Return value 0' <<<"$downgrade_log" ||
  { readlog "$build/downgrade.log" | tail -20 >&2 || true; fail "the downgrade was not stopped by the launch condition"; }
wait_running "after the refused downgrade"
wine reg query "$uninstall_key\\$code_next" >/dev/null 2>&1 || fail "the refused downgrade removed $next"
log "downgrade to $version refused by the launch condition (exit $code); $next still installed and running"

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

# 8. Uninstall silently by product code, as the README says; nothing may remain.
log "uninstalling $code_next"
wine msiexec /x "$code_next" /qn || fail "msiexec /x $code_next failed"
if wine sc query AddinGov >/dev/null 2>&1; then fail "service AddinGov is still registered after uninstall"; fi
for f in addingovd.exe addingov.exe addingov-agent.exe; do [ ! -e "$installed_unix/$f" ] || fail "$f remains in $installed"; done
if wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Run' /v AddinGovAgent >/dev/null 2>&1; then
  fail "the agent's Run entry remains"
fi
if wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\AddinGov' >/dev/null 2>&1; then
  fail "the Event Log source remains"
fi
code=0
timeout 60 wine "$build/n/addingov.exe" status >/dev/null 2>&1 || code=$?
[ "$code" -eq 3 ] || fail "after uninstall addingov status exited $code, want 3 (daemon unreachable)"
log "uninstalled: no service, files, Run entry or event source remain"
# Wine's msiexec also deletes the Application log's key once it is empty (Windows always
# has other sources in it): put it back so the prefix stays as it was.
wine reg add 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application' /f >/dev/null
echo "msi-test: 1 passed, 0 failed"
