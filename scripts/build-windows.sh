#!/usr/bin/env bash
# Builds the Windows executables and the AddinGov MSI, all stamped with one version.
#
#   scripts/build-windows.sh [--exe-only] OUTDIR
#
# The version comes from the repository's VERSION file, or from $VERSION when set (CI
# builds a second, newer MSI that way to test upgrades). It is stamped into both
# executables (-X addingov/version.Version, shown by --version and `addingov status`) and
# into the MSI's ProductVersion. Writes OUTDIR/addingovd.exe, OUTDIR/addingov.exe,
# OUTDIR/addingov-agent.exe and OUTDIR/addingov-VERSION.msi.
#
# ADDINGOV_CONTACT (Add/Remove Programs' ARPCONTACT) names who supports this deployment
# (default "your IT department"). Needs wixl (msitools) for the MSI.
set -euo pipefail
exe_only=false
if [ "${1:-}" = "--exe-only" ]; then exe_only=true; shift; fi
out="${1:?usage: scripts/build-windows.sh [--exe-only] OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)" # relative to where it was called from
cd "$(dirname "$0")/.."
repo="$(pwd)"
version="${VERSION:-$(tr -d ' \r\n' <VERSION)}"
# The same check the version package's test applies to the VERSION file.
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "build-windows: version \"$version\": use major.minor.build (three numbers, like 1.2.3)" >&2
  exit 1
fi
stamp="-X addingov/version.Version=$version"
build() { GOOS=windows GOARCH=amd64 go build -ldflags "$1" -o "$out/$2" "./cmd/${2%.exe}"; }
# The daemon and the CLI are console programs: the SCM runs the service in session 0,
# where no console is ever shown, and users run the CLI from a shell, where a GUI build
# would lose its output. The agent starts at every logon, so it is a GUI-subsystem
# program (-H=windowsgui): no console window opens. cmd/addingov-agent's test checks the
# PE headers.
build "$stamp" addingovd.exe
build "$stamp" addingov.exe
build "$stamp -H=windowsgui" addingov-agent.exe
if $exe_only; then exit 0; fi

# wixl resolves sources relative to the current directory.
rm -rf "$out/admx"
cp -r packaging/admx "$out/admx"
cp README.md "$out/README.md"
(cd "$out" && wixl -a x64 -D Version="$version" -D BinDir=. -D AdmxDir=admx \
  -D Contact="${ADDINGOV_CONTACT:-your IT department}" \
  -o "addingov-$version.msi" "$repo/packaging/windows/addingov.wxs")
echo "build-windows: $out/addingov-$version.msi (version $version)"
