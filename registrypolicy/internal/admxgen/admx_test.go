package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"addingov/registrypolicy"
)

// committed is where the templates live, relative to this package.
const committed = "../../../packaging/admx"

func readCommitted(t *testing.T) (admx, adml []byte) {
	t.Helper()
	admx, err := os.ReadFile(filepath.Join(committed, ADMXName))
	if err != nil {
		t.Fatalf("read committed ADMX: %v (run go generate ./registrypolicy)", err)
	}
	adml, err = os.ReadFile(filepath.Join(committed, ADMLName))
	if err != nil {
		t.Fatalf("read committed ADML: %v (run go generate ./registrypolicy)", err)
	}
	return admx, adml
}

func TestCommittedTemplatesAreGenerated(t *testing.T) {
	admx, adml := readCommitted(t)
	wantADMX, wantADML := Render(registrypolicy.Settings())
	for _, c := range []struct {
		name      string
		got, want []byte
	}{{ADMXName, admx, wantADMX}, {ADMLName, adml, wantADML}} {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Equal(c.got, c.want) {
				t.Errorf("packaging/admx/%s differs from what the settings table generates: run go generate ./registrypolicy", filepath.ToSlash(c.name))
			}
		})
	}
}

func TestCommittedADMXMatchesTable(t *testing.T) {
	admx, adml := readCommitted(t)
	var f admxFile
	if err := parseADMX(admx, &f); err != nil {
		t.Fatalf("parse ADMX: %v", err)
	}
	if problems := checkADMX(f, registrypolicy.Settings()); len(problems) > 0 {
		t.Errorf("ADMX disagrees with the settings table:\n%s", strings.Join(problems, "\n"))
	}
	missing, err := checkADML(admx, adml)
	if err != nil {
		t.Fatalf("parse ADML: %v", err)
	}
	if len(missing) > 0 {
		t.Errorf("ADMX refers to resources the ADML lacks: %v", missing)
	}
}

// TestCheckADMXCatchesDrift edits a correct ADMX the way a hand edit would and checks
// that the comparison reports each edit.
func TestCheckADMXCatchesDrift(t *testing.T) {
	good, _ := Render(registrypolicy.Settings())
	tests := []struct {
		name, old, new, want string
	}{
		{"range", `valueName="AlertIntervalSeconds" required="true" minValue="5" maxValue="600"`, `valueName="AlertIntervalSeconds" required="true" minValue="5" maxValue="900"`, "AlertIntervalSeconds: range 5–900"},
		{"value name", `valueName="CPUCorePercent"`, `valueName="CpuPercent"`, "CPUCorePercent: writes"},
		{"key", `<list id="BlockedSharePointRights" key="SOFTWARE\Policies\AddinGov\BlockedSharePointRights"`, `<list id="BlockedSharePointRights" key="SOFTWARE\Policies\AddinGov\SharePoint"`, "BlockedSharePointRights: list key"},
		{"type", `<enabledValue>
        <decimal value="1" />`, `<enabledValue>
        <decimal value="2" />`, "must write decimal 1"},
		{"choices", `<string>ReadItem</string>`, `<string>ReadAll</string>`, "MaxMailPermission: choices"},
		{"class", `<policy name="CrashLimit" class="Both"`, `<policy name="CrashLimit" class="User"`, `CrashLimit: class "User"`},
		{"missing policy", `<policy name="LogRetentionDays"`, `<policy name="LogKeepDays"`, "LogRetentionDays: no policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tc.old)) {
				t.Fatalf("generated ADMX lacks %q: update the test", tc.old)
			}
			var f admxFile
			if err := parseADMX(bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1), &f); err != nil {
				t.Fatal(err)
			}
			problems := strings.Join(checkADMX(f, registrypolicy.Settings()), "\n")
			if !strings.Contains(problems, tc.want) {
				t.Errorf("problems %q do not mention %q", problems, tc.want)
			}
		})
	}
}

// TestMicrosoftRangesMatchOfficeADMX reads Microsoft's real Outlook ADMX and checks
// that every Microsoft value the table maps carries the same range there.
func TestMicrosoftRangesMatchOfficeADMX(t *testing.T) {
	data, err := os.ReadFile("../../../../shared/corpus/policy/outlk16.admx")
	if os.IsNotExist(err) {
		t.Skip("shared corpus not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	var f admxFile
	if err := parseADMX(data, &f); err != nil {
		t.Fatalf("parse Office ADMX: %v", err)
	}
	type found struct{ min, max string }
	office := map[string]found{} // key\valueName, lower case
	for _, p := range f.Policies {
		if p.Elements == nil {
			continue
		}
		for _, d := range p.Elements.Decimals {
			office[strings.ToLower(p.Key+`\`+d.ValueName)] = found{d.Min, d.Max}
		}
	}
	checked := 0
	for _, s := range registrypolicy.Settings() {
		for _, loc := range s.Locations {
			if loc.Authority != registrypolicy.AuthorityMicrosoftPolicy || s.Kind != registrypolicy.KindNumber || !strings.Contains(loc.Key, `\16.0\`) {
				continue
			}
			t.Run(s.Name, func(t *testing.T) {
				got, ok := office[strings.ToLower(loc.Key+`\`+loc.ValueName)]
				if !ok {
					t.Fatalf("Office ADMX has no decimal %s\\%s", loc.Key, loc.ValueName)
				}
				if got.min != strconv.FormatInt(s.Min, 10) || got.max != strconv.FormatInt(s.Max, 10) {
					t.Errorf("Office ADMX range %s–%s, table %d–%d", got.min, got.max, s.Min, s.Max)
				}
			})
			checked++
		}
	}
	if checked != 5 {
		t.Errorf("checked %d Microsoft values, want 5 (alertinterval, memoryalertthreshold, restartmanagerretrylimit, activationalertthreshold, activationretrylimit)", checked)
	}
}

func TestWriteCreatesBothFiles(t *testing.T) {
	// Not t.TempDir: under Wine its cleanup fails (DESIGN.md), so removal is best effort.
	dir, err := os.MkdirTemp("", "admxgen-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	wantADMX, wantADML := Render(registrypolicy.Settings())
	for name, want := range map[string][]byte{ADMXName: wantADMX, ADMLName: wantADML} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: err %v, content equal %v", name, err, bytes.Equal(got, want))
		}
	}
}
