package linux

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const unitFile = "addingovd.service"

// readUnit parses the unit's [Service] (and other) sections into section.key → values.
func readUnit(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: line %q is not key=value", unitFile, line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestUnitSettings(t *testing.T) {
	unit := readUnit(t)
	want := []struct{ key, value, why string }{
		{"Service.Type", "notify", "the daemon sends READY=1 when the API listens"},
		{"Service.ExecStart", "/usr/local/bin/addingovd run", "the install path"},
		{"Service.Restart", "on-failure", ""},
		{"Service.StateDirectory", "addingov", "the database lives in /var/lib/addingov"},
		{"Service.RuntimeDirectory", "addingov", "the socket is /run/addingov/addingovd.sock"},
		{"Service.RuntimeDirectoryMode", "0755", "users must reach the socket"},
		{"Service.Group", "addingov", "the socket's group: who may use the API"},
		{"Service.ProtectSystem", "strict", ""},
		{"Service.ProtectHome", "read-only", ""},
		{"Service.NoNewPrivileges", "yes", ""},
		{"Service.PrivateTmp", "yes", ""},
		{"Service.ProtectKernelTunables", "yes", ""},
		{"Service.ProtectKernelModules", "yes", ""},
		{"Service.ProtectControlGroups", "yes", ""},
		{"Service.RestrictAddressFamilies", "AF_UNIX", "the API and sd_notify are Unix sockets"},
		{"Service.RestrictNamespaces", "yes", ""},
		{"Service.LockPersonality", "yes", ""},
		{"Service.MemoryDenyWriteExecute", "yes", ""},
		{"Service.SystemCallArchitectures", "native", ""},
		{"Service.CapabilityBoundingSet", "CAP_SYS_PTRACE", "only /proc/<pid>/exe of other users needs a capability"},
		{"Install.WantedBy", "multi-user.target", ""},
	}
	for _, w := range want {
		t.Run(w.key, func(t *testing.T) {
			got := unit[w.key]
			if len(got) != 1 || got[0] != w.value {
				t.Errorf("%s = %q, want exactly %q (%s)", w.key, got, w.value, w.why)
			}
		})
	}
	// The sampler reads other users' processes: /proc must stay fully visible.
	for _, forbidden := range []string{"Service.ProtectProc", "Service.ProcSubset", "Service.DynamicUser", "Service.PrivateUsers"} {
		t.Run("no "+forbidden, func(t *testing.T) {
			if v, ok := unit[forbidden]; ok {
				t.Errorf("%s=%q hides other users' processes from the sampler", forbidden, v)
			}
		})
	}
}

// verifiableUnit writes a copy of the unit whose ExecStart names an existing program,
// since systemd-analyze verify checks that the binary exists.
func verifiableUnit(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	stand, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), unitFile)
	fixed := strings.Replace(string(data), "/usr/local/bin/addingovd", stand, 1)
	if err := os.WriteFile(path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd): the unit is checked only by TestUnitSettings")
	}
	path := verifiableUnit(t)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, unitFile) {
			t.Errorf("systemd-analyze verify warns: %s", line)
		}
	}
}

// The hardening must keep systemd's own exposure rating in its "OK" band (below 4).
func TestUnitExposure(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	path := verifiableUnit(t)
	out, err := exec.Command(analyze, "security", "--offline=yes", path).CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("Overall exposure level")) {
		t.Skipf("this systemd-analyze cannot rate units offline: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	level, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	if level >= 4 {
		t.Errorf("exposure level %.1f, want below 4 (systemd's OK band):\n%s", level, out)
	}
}

func TestSysusersDeclaresTheSocketGroup(t *testing.T) {
	data, err := os.ReadFile("addingov.sysusers.conf")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "g" && f[1] == "addingov" {
			found = true
		}
	}
	if !found {
		t.Fatal("addingov.sysusers.conf does not create the addingov group the unit runs with")
	}
}
