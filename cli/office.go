package cli

import (
	"errors"
	"fmt"

	"addingov/catalog"
	"addingov/office"
)

// sideloadedReport is one sideloaded web add-in explained: its registration and, when
// its manifest could be read, the permission report.
type sideloadedReport struct {
	ID       string          `json:"id"`
	Manifest string          `json:"manifest"`
	Report   *catalog.Report `json:"report,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// installedWebAddins explains the web add-ins sideloaded into Office for this user,
// with the same manifest and permission code as a manifest file given by path.
func installedWebAddins(g *globals, policyFile string) error {
	reg := officeRegistry()
	if reg == nil {
		return errors.New("--installed reads Office's sideloaded web add-ins from the Windows registry; on this platform give a manifest file instead")
	}
	inv := office.Reader{Reg: reg}.Read(nil)
	var out []sideloadedReport
	for _, a := range inv.Addins {
		if a.Kind != office.KindWeb {
			continue
		}
		r := sideloadedReport{ID: a.ID, Manifest: a.Manifest}
		if a.Manifest == "" {
			r.Error = "no manifest path registered"
		} else if rep, err := offlineReport(a.Manifest, policyFile, catalog.ScopeUser); err != nil {
			r.Error = err.Error()
		} else {
			r.Report = &rep
		}
		out = append(out, r)
	}
	if g.json {
		if out == nil {
			out = []sideloadedReport{}
		}
		return printJSON(g.out, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(g.out, "No web add-ins are sideloaded for this user (WEF\\Developer is empty).")
		return nil
	}
	for i, r := range out {
		if i > 0 {
			fmt.Fprintln(g.out)
		}
		fmt.Fprintf(g.out, "Sideloaded web add-in %s (manifest %s)\n", r.ID, r.Manifest)
		if r.Report == nil {
			fmt.Fprintf(g.out, "  cannot explain it: %s\n", r.Error)
			continue
		}
		printReport(g.out, *r.Report)
	}
	return nil
}

// localOfficeProgIDs is the current user's COM and VSTO add-ins, for matching a policy
// file's Outlook AddinList offline; ok is false where there is no Windows registry.
func localOfficeProgIDs() (map[string]string, bool) {
	reg := officeRegistry()
	if reg == nil {
		return nil, false
	}
	return office.ProgIDs(office.Reader{Reg: reg}.Read(nil)), true
}
