package daemon

import (
	"fmt"

	"addingov/governance"
	"addingov/storage"
)

// disableNotice is the one notice a disable raises, in plain words with the figure.
// It says whether the user can turn the add-in back on (the agent offers that on the
// notice itself, so the text names no command), or, for a machine-wide add-in that only
// an administrator may enable, whom to ask. Action keeps the command for the CLI.
func disableNotice(name, scope string, d governance.Decision) *storage.Notice {
	if d.Action != governance.ActionDisable {
		return nil
	}
	if scope == storage.ScopeMachine {
		return &storage.Notice{
			Time: d.Time, AddinID: d.AddinID, AddinName: name, Level: "warning",
			Title: fmt.Sprintf("%s was turned off", name),
			Text: fmt.Sprintf("%s was turned off because it %s. It is installed for everyone on this computer: ask your administrator to turn it back on.",
				name, d.Summary),
			Action: "addingov enable " + d.AddinID,
		}
	}
	return &storage.Notice{
		Time:      d.Time,
		AddinID:   d.AddinID,
		AddinName: name,
		Level:     "warning",
		Title:     fmt.Sprintf("%s was turned off", name),
		Text: fmt.Sprintf("%s was turned off because it %s. You can turn it back on if you need it.",
			name, d.Summary),
		Action:        "addingov enable " + d.AddinID,
		UserCanEnable: true,
	}
}

// blockNotice tells the user that policy turned an add-in off.
func blockNotice(name, id, why string) *storage.Notice {
	return &storage.Notice{
		AddinID:   id,
		AddinName: name,
		Level:     "warning",
		Title:     fmt.Sprintf("%s was turned off by your administrator", name),
		Text:      fmt.Sprintf("%s was turned off by your administrator (%s). Ask your IT department if you need it.", name, why),
	}
}
