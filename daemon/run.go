package daemon

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/rs/zerolog"

	"addingov/catalog"
	"addingov/localapi"
	"addingov/logging"
	"addingov/registrypolicy"
	"addingov/version"
)

// RunOptions are addingovd's flags.
type RunOptions struct {
	StateDir    string
	Address     string
	Interval    time.Duration
	ConfigFile  string
	PolicyFile  string
	LogLevel    string
	SocketGroup int
	// Service is true when the service manager started the daemon (logs then also go
	// to the Event Log on Windows).
	Service bool
	// Version is what status reports; empty means the build's stamped version.Version.
	Version string
	// OfficeUsers are the SIDs whose Office add-ins are governed (Windows); none means
	// the current user, or, for the service, every user whose profile is loaded.
	OfficeUsers []string
	// OfficeEvents is a JSON Lines file of Application-log events to follow instead of
	// the Event Log (exported events, or a test under Wine, whose event log is a stub).
	OfficeEvents string
}

// RunMain is the whole of `addingovd run` and of the Windows service's body: it sets
// up logging and policy, runs the daemon until ctx ends, and calls ready once the API
// is listening.
func RunMain(ctx context.Context, o RunOptions, ready func()) error {
	if err := checkInterval(o.Interval); err != nil {
		return err
	}
	recent := logging.NewRecent(recentLogLines)
	log, closeLog, err := logging.New(logging.Options{Level: o.LogLevel, Service: o.Service, Recent: recent})
	if err != nil {
		return err
	}
	defer closeLog()
	if o.Version == "" {
		o.Version = version.Version
	}
	policy, source, err := OpenPolicy(o.PolicyFile, log)
	if err != nil {
		log.Error().Err(err).Str("event", "policy-invalid").Msg("cannot load policy")
		return err
	}
	logPolicyProblems(log, policy.Effective())
	d, err := New(Config{
		StateDir:        o.StateDir,
		Address:         o.Address,
		Listen:          localapi.ListenOptions{Group: o.SocketGroup},
		Interval:        o.Interval,
		DiscoveryConfig: o.ConfigFile,
		Policy:          policy,
		PolicySource:    source,
		Log:             log,
		Version:         o.Version,
		Ready:           ready,
		RecentLog:       recent,
	})
	if err != nil {
		log.Error().Err(err).Str("event", "storage-problem").Msg("cannot start")
		return err
	}
	d.AddExtension(catalog.New(d.DB(), d.PolicyFor, d, log).Extension())
	if err := setupOffice(d, o, log); err != nil {
		log.Warn().Err(err).Msg("Office's own add-ins are not governed")
	}
	return d.Run(ctx)
}

// OpenPolicy returns the policy the daemon governs with: the .reg file when one is
// given, else the Windows registry, else (Linux without a file) the built-in defaults.
func OpenPolicy(file string, log zerolog.Logger) (*registrypolicy.Provider, string, error) {
	if file != "" {
		p, err := registrypolicy.NewFileProvider(file, log)
		return p, file, err
	}
	p, err := registrypolicy.NewRegistryProvider(log)
	if err == nil {
		return p, "registry", nil
	}
	if !errors.Is(err, registrypolicy.ErrNoRegistry) {
		return nil, "", err
	}
	empty := func() (registrypolicy.Store, error) { return registrypolicy.NewMemoryStore(), nil }
	p, err = registrypolicy.NewProvider(empty, log, registrypolicy.WithPollInterval(time.Hour))
	return p, "built-in defaults (no --policy-file on " + runtime.GOOS + ")", err
}

// logPolicyProblems reports every ignored policy value once at start.
func logPolicyProblems(log zerolog.Logger, e *registrypolicy.Effective) {
	for _, s := range e.Settings {
		if s.Error != "" {
			log.Warn().Str("event", "policy-invalid").Str("setting", s.Name).Str("error", s.Error).Msg("policy value ignored")
		}
	}
	log.Info().Str("event", "policy-loaded").Int("managed_addins", len(e.Managed)).Msg("policy loaded")
}

// checkInterval holds --interval to the range policy may set (AlertIntervalSeconds):
// a command-line override is still an override of that setting.
func checkInterval(d time.Duration) error {
	if d == 0 {
		return nil
	}
	for _, s := range registrypolicy.Settings() {
		if s.Name != registrypolicy.AlertIntervalSeconds {
			continue
		}
		if d%time.Second != 0 || int64(d/time.Second) < s.Min || int64(d/time.Second) > s.Max {
			return fmt.Errorf("--interval %s is outside %s's range %s: give whole seconds from %d to %d, or leave it out to use the policy's",
				d, s.Name, s.RangeText(), s.Min, s.Max)
		}
	}
	return nil
}
