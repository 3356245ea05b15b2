package winservice

import (
	"time"

	"addingov/logging"
)

// The AddinGov service as `addingovd install` and the MSI create it.
const (
	// Name is the service's key name (sc query AddinGov) and its Event Log source.
	Name        = "AddinGov"
	DisplayName = "AddinGov add-in governance"
	Description = "Watches Office add-ins' activation time, crashes, CPU and memory, turns off offenders and serves the addingov local API."
	// ServiceArg is the argument the SCM passes so the binary runs under the SCM.
	ServiceArg = "service"
	// RecoveryCommand is the addingovd command that sets the recovery actions; the MSI
	// runs it because wixl cannot write them.
	RecoveryCommand = "recovery"
	// AgentRunValue is the value name of the user-session agent's Run entry.
	AgentRunValue = "AddinGovAgent"
)

// RecoveryDelays are the SCM's restarts after the first, second and later failures.
var RecoveryDelays = []time.Duration{5 * time.Second, 30 * time.Second, 60 * time.Second}

// RecoveryResetPeriod is how long the service must run without failing before the SCM
// counts failures from the first delay again.
const RecoveryResetPeriod = 24 * time.Hour

// Spec is a service to install.
type Spec struct {
	Name        string
	DisplayName string
	Description string
	// Exe is the absolute path of the binary; Args follow it on the command line.
	Exe  string
	Args []string
	// EventSource, when not empty, is registered as an Event Log source.
	EventSource string
}

// DefaultSpec is the AddinGov service running exe.
func DefaultSpec(exe string) Spec {
	return Spec{
		Name:        Name,
		DisplayName: DisplayName,
		Description: Description,
		Exe:         exe,
		Args:        []string{ServiceArg},
		EventSource: logging.EventSource,
	}
}
