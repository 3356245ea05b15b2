package registrypolicy

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// OfficeListView is Outlook's own lists in a View, with what each entry matched among
// the COM and VSTO add-ins installed, when an inventory was given.
type OfficeListView struct {
	Entries        []OfficeEntryView `json:"addin_list"`
	ListOn         bool              `json:"policyon"`
	RestrictToList bool              `json:"restricttolist"`
	// Matched is true when the entries were compared with the installed add-ins.
	Matched  bool     `json:"matched"`
	Warnings []string `json:"warnings,omitempty"`
}

// OfficeEntryView is one AddinList entry: a ProgID, its mode and what it matched.
type OfficeEntryView struct {
	ProgID  string   `json:"prog_id"`
	Mode    string   `json:"mode"`
	Origin  string   `json:"origin"`
	Matches []string `json:"matches"` // add-in ids of the installed COM and VSTO add-ins with this ProgID
}

func (e *Effective) officeView() OfficeListView {
	v := OfficeListView{ListOn: e.Office.ListOn, RestrictToList: e.Office.RestrictToList, Entries: []OfficeEntryView{}}
	for _, m := range e.Office.AddinList {
		v.Entries = append(v.Entries, OfficeEntryView{ProgID: m.ID, Mode: m.Mode.String(), Origin: m.Origin, Matches: []string{}})
	}
	return v
}

// MatchOffice fills in which installed Outlook COM and VSTO add-ins each AddinList
// entry names: installed maps each Outlook add-in's id to its ProgID. An entry that matches nothing
// installed gets a warning (a typo, or an add-in not installed here).
func (v *View) MatchOffice(installed map[string]string) {
	o := &v.Office
	o.Matched, o.Warnings = true, nil
	for i := range o.Entries {
		en := &o.Entries[i]
		en.Matches = []string{}
		for id, prog := range installed {
			if strings.EqualFold(prog, en.ProgID) {
				en.Matches = append(en.Matches, id)
			}
		}
		sort.Strings(en.Matches)
		if len(en.Matches) == 0 {
			o.Warnings = append(o.Warnings, fmt.Sprintf("Outlook AddinList entry %q matches no installed COM or VSTO add-in (value names are ProgIDs as registered under Software\\Microsoft\\Office\\<App>\\Addins)", en.ProgID))
		}
	}
	if o.RestrictToList {
		var blocked []string
		for id, prog := range installed {
			listed := false
			for _, en := range o.Entries {
				listed = listed || (strings.EqualFold(en.ProgID, prog) && en.Mode != "blocked")
			}
			if !listed {
				blocked = append(blocked, id)
			}
		}
		sort.Strings(blocked)
		if len(blocked) > 0 {
			o.Warnings = append(o.Warnings, "restricttolist blocks these COM and VSTO add-ins: "+strings.Join(blocked, ", "))
		}
	}
}

func (o OfficeListView) writeText(w io.Writer) error {
	if len(o.Entries) == 0 && !o.RestrictToList && !o.ListOn {
		_, err := fmt.Fprintln(w, "\nNo Outlook add-in policy (AddinList, restricttolist).")
		return err
	}
	fmt.Fprintln(w, "\nOUTLOOK ADD-IN LIST (COM and VSTO add-ins by ProgID; web add-ins are not affected)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGID\tMODE\tMATCHES\tORIGIN")
	for _, en := range o.Entries {
		matches := "(not compared with installed add-ins)"
		if o.Matched {
			matches = strings.Join(en.Matches, ", ")
			if matches == "" {
				matches = "(nothing installed)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", en.ProgID, en.Mode, matches, en.Origin)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.RestrictToList {
		fmt.Fprintln(w, "restricttolist is on: every COM and VSTO add-in not listed as 1 or 2 is blocked (all of them when the list is empty).")
	}
	for _, warn := range o.Warnings {
		fmt.Fprintln(w, "  warning: "+warn)
	}
	return nil
}
