// Package version is the one place addingov's release version lives at run time. The
// build stamps it from the repository's VERSION file:
//
//	go build -ldflags "-X addingov/version.Version=$(cat VERSION)" ./cmd/...
//
// scripts/build-windows.sh does that for the Windows executables and the MSI, so both
// binaries, `addingov status` and the MSI's ProductVersion carry the same number. An
// unstamped build (go run, go test) reports "dev".
package version

import (
	"fmt"
	"regexp"
	"strconv"
)

// Version is set with -ldflags "-X addingov/version.Version=…".
var Version = "dev"

// LdflagsVar is the symbol the build stamps.
const LdflagsVar = "addingov/version.Version"

// msiVersion is Windows Installer's ProductVersion: major.minor.build, each part a
// number, major and minor at most 255, build at most 65535 (Microsoft's "ProductVersion
// property" page). Upgrades compare only these three parts.
var msiVersion = regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)$`)

// Check says whether v can be stamped into the binaries and the MSI, and what to change
// when it cannot.
func Check(v string) error {
	m := msiVersion.FindStringSubmatch(v)
	if m == nil {
		return fmt.Errorf("version %q: use major.minor.build (three numbers, like 1.2.3): Windows Installer compares only those", v)
	}
	limits := []int{255, 255, 65535}
	for i, part := range m[1:] {
		n, err := strconv.Atoi(part)
		if err != nil || n > limits[i] {
			return fmt.Errorf("version %q: part %d is over Windows Installer's limit of %d", v, i+1, limits[i])
		}
	}
	return nil
}
