// Package daemon wires addingov together: it feeds the monitor's observations to the
// governance engine, persists what the engine decides, raises notices, follows policy
// changes, and serves the local API. cmd/addingovd and `addingov demo` run it.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"addingov/governance"
	"addingov/localapi"
	"addingov/logging"
	"addingov/monitor"
	"addingov/registrypolicy"
	"addingov/storage"
)

// PolicyProvider is the administrator's policy as the daemon uses it: the current
// effective policy (the machine view, or the one policy for everyone), each user's,
// and notification of changes. *registrypolicy.Provider implements it.
type PolicyProvider interface {
	governance.PolicySource
	Effective() *registrypolicy.Effective
	// Lookup returns user's effective policy (uid or SID) and whether that user's own
	// policy was read; a provider with one policy returns it for everyone.
	Lookup(user string) (*registrypolicy.Effective, bool)
	// Users are the users whose own policy the provider holds.
	Users() []string
	Watch(ctx context.Context, onChange func(old, new *registrypolicy.Effective, changes []registrypolicy.Change)) error
}

// Config is how the daemon is started.
type Config struct {
	StateDir  string             // holds addingov.db
	Address   string             // socket or pipe path; empty means localapi.DefaultAddress()
	Transport localapi.Transport // nil means localapi.NewTransport(ListenOptions)
	Listen    localapi.ListenOptions
	// Interval overrides the policy's sampling interval when non-zero.
	Interval time.Duration
	// DiscoveryConfig is a monitor config file with discovery rules ("" for none).
	DiscoveryConfig string
	Policy          PolicyProvider
	PolicySource    string // shown in status: "registry", or the .reg file
	Log             zerolog.Logger
	Version         string
	// Ready is called once the API is listening (systemd's READY=1, the SCM's Running).
	Ready func()
	// Processes replaces the real process source (tests).
	Processes monitor.ProcessSource
	// ExitCodes reports exit codes of add-in processes the caller launched itself (the
	// demo host), so crashes carry them.
	ExitCodes func(pid int32) (int, bool)
	Clock     governance.Clock
	// RecentLog holds the daemon's last log lines, served to administrators for
	// `addingov bugreport` (nil: none kept).
	RecentLog *logging.Recent
}

// Daemon is a running addingovd.
type Daemon struct {
	cfg     Config
	log     zerolog.Logger
	db      *storage.DB
	clock   governance.Clock
	started time.Time

	mu     sync.Mutex // guards engine and overrides, and orders persistence of its results
	engine *governance.Engine
	// overrides are add-ins an administrator enabled despite a policy block.
	overrides *overridePolicy
	last      map[string]governance.Sample // latest sample per add-in, for the add-in view
	blocked   map[string]bool              // add-ins policy blocks, to log changes once
	// Writes in flight (see commit.go): per add-in, its writes queued and done while
	// any is in flight, and the number of its last queued host switch.
	flights   map[string]*flight
	settled   *sync.Cond // on mu: signalled when writes in flight end
	switchSeq map[string]uint64

	switchMu   sync.Mutex        // orders host switches once their writes are durable
	switchDone map[string]uint64 // per add-in, the last host switch carried out; guarded by switchMu

	smu      sync.Mutex // guards sampler
	sampler  *monitor.Sampler
	tracker  *monitor.Tracker
	discover *monitor.Config

	notices *broadcast
	history historyBuffer // activations since the last tick, for the history
	quota   *writeQuota
	server  *localapi.Server
	ext     []localapi.Extension
	restart restartState // see rebind.go
	office  *officeHost  // nil unless EnableOffice was called
}

// New opens the state database and restores governance state from it.
func New(cfg Config) (*Daemon, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("no state directory: pass --state-dir")
	}
	_, statErr := os.Stat(cfg.StateDir)
	created := errors.Is(statErr, os.ErrNotExist)
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w (choose a writable --state-dir)", cfg.StateDir, err)
	}
	// A directory the daemon creates is made its own; an existing one (perhaps shared,
	// given with --state-dir) keeps the permissions its owner chose.
	if err := secureStateDirIf(created, cfg.StateDir); err != nil {
		// Not fatal: the daemon can govern; the warning tells the administrator.
		cfg.Log.Warn().Err(err).Str("event", "storage-problem").Msg("could not restrict access to the state directory")
	}
	if cfg.Clock == nil {
		cfg.Clock = governance.SystemClock{}
	}
	if cfg.Policy == nil {
		return nil, errors.New("daemon: no policy provider")
	}
	if cfg.Address == "" {
		cfg.Address = localapi.DefaultAddress()
	}
	if cfg.Transport == nil {
		cfg.Transport = localapi.NewTransport(cfg.Listen)
	}
	db, err := storage.Open(filepath.Join(cfg.StateDir, storage.FileName), storage.Options{Clock: cfg.Clock, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	overrides := &overridePolicy{src: withInterval(cfg.Policy, cfg.Interval), overrides: map[string]bool{},
		perUser: map[string]string{}, owners: map[string]string{}}
	overrides.forUser = func(user string) governance.Policy {
		e, _ := cfg.Policy.Lookup(user)
		return withInterval(governance.StaticPolicy(e.Policy), cfg.Interval).Policy()
	}
	d := &Daemon{
		cfg:        cfg,
		log:        cfg.Log,
		db:         db,
		clock:      cfg.Clock,
		started:    cfg.Clock.Now(),
		engine:     governance.NewEngine(cfg.Clock, overrides),
		overrides:  overrides,
		last:       map[string]governance.Sample{},
		blocked:    map[string]bool{},
		flights:    map[string]*flight{},
		switchSeq:  map[string]uint64{},
		switchDone: map[string]uint64{},
		tracker:    monitor.NewTracker(time.Now),
		notices:    newBroadcast(),
		quota:      newWriteQuota(),
	}
	d.settled = sync.NewCond(&d.mu)
	sopts := monitor.SamplerOptions{Logger: cfg.Log, ExitCodes: cfg.ExitCodes}
	if cfg.Processes != nil {
		d.sampler = monitor.NewSampler(cfg.Processes, sopts)
	} else {
		d.sampler = monitor.NewSystemSampler(sopts)
	}
	if cfg.DiscoveryConfig != "" {
		c, err := monitor.LoadConfig(cfg.DiscoveryConfig)
		if err != nil {
			db.Close()
			return nil, err
		}
		d.discover = &c
	}
	d.AddExtension(d.detailsExtension())
	d.AddExtension(d.diagnosticsExtension())
	if err := d.restore(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// DB exposes the state database to packages that add API endpoints.
func (d *Daemon) DB() *storage.DB { return d.db }

// AddExtension registers further API endpoints; call before Run.
func (d *Daemon) AddExtension(e localapi.Extension) { d.ext = append(d.ext, e) }

// restore loads every add-in's state and its strikes inside the window.
func (d *Daemon) restore() error {
	addins, err := d.db.Addins()
	if err != nil {
		return fmt.Errorf("restore state: %w", err)
	}
	since := d.clock.Now().Add(-d.longestWindows().StrikeWindow)
	for _, a := range addins {
		strikes, err := d.db.Strikes(a.ID, since)
		if err != nil {
			return fmt.Errorf("restore strikes of %s: %w", a.ID, err)
		}
		if a.PolicyOverride {
			d.overrides.overrides[a.ID] = true
		}
		if base, ok := perUserBase(a); ok {
			d.overrides.perUser[a.ID] = base
		}
		d.overrides.setOwner(a)
		d.engine.Restore(a.ID, a.State, strikes)
		if st, _ := d.engine.EffectiveState(a.ID); st == governance.StateBlocked {
			d.blocked[a.ID] = true
		}
	}
	d.log.Info().Int("addins", len(addins)).Msg("state restored")
	return nil
}

// Run serves the API and governs until ctx ends, then closes everything. New has already
// taken the state directory's lock (the database's), so only the daemon owning that
// state gets here; the transport then claims the socket under its own lock and removes
// only a stale socket, never one a live daemon serves.
func (d *Daemon) Run(ctx context.Context) error {
	defer d.db.Close()
	l, err := d.cfg.Transport.Listen(d.cfg.Address)
	if err != nil {
		return err
	}
	if d.office != nil {
		d.officeScan() // before serving: the first `addingov addins` lists Office's add-ins
	}
	d.server = localapi.NewServer(d, d.log, d.ext...)
	d.resumeGovernance()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := d.server.Serve(l); err != nil {
			errc <- fmt.Errorf("serve API: %w", err)
			cancel()
		}
	}()
	go func() {
		defer wg.Done()
		d.loop(ctx)
	}()
	if d.office != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.runOffice(ctx)
		}()
	}
	go func() {
		defer wg.Done()
		if err := d.cfg.Policy.Watch(ctx, d.onPolicyChange); err != nil && ctx.Err() == nil {
			d.log.Error().Err(err).Msg("policy watch stopped; policy changes now need a restart")
		}
	}()
	d.log.Info().Str("address", d.cfg.Address).Str("state_dir", d.cfg.StateDir).
		Str("policy", d.cfg.PolicySource).Str("version", d.cfg.Version).Msg("daemon started")
	if d.cfg.Ready != nil {
		d.cfg.Ready()
	}
	<-ctx.Done()
	shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if err := d.server.Shutdown(shutdownCtx); err != nil {
		d.log.Warn().Err(err).Msg("API shutdown")
	}
	wg.Wait()
	l.Close() // removes the socket, if it is still the one this daemon created
	d.log.Info().Msg("daemon stopped")
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// APIHandler is the local API as Run serves it, without a listener: the caller is
// whatever the request's context carries (localapi.WithCaller). Fuzz targets drive it
// in-process.
func (d *Daemon) APIHandler() http.Handler { return localapi.NewServer(d, d.log, d.ext...) }

// Client returns a client for this daemon (the demo uses it in-process).
func (d *Daemon) Client() *localapi.Client {
	return localapi.NewClient(d.cfg.Transport, d.cfg.Address)
}

// intervalOverride makes governance see the --interval the daemon samples at, so
// episode durations in decisions ("for 3 seconds") are true.
type intervalOverride struct {
	governance.PolicySource
	interval time.Duration
}

func (o intervalOverride) Policy() governance.Policy {
	p := o.PolicySource.Policy()
	p.Thresholds.Interval = o.interval
	return p
}

func withInterval(src governance.PolicySource, d time.Duration) governance.PolicySource {
	if d <= 0 {
		return src
	}
	return intervalOverride{src, d}
}

func secureStateDirIf(created bool, dir string) error {
	if !created {
		return nil
	}
	return secureStateDir(dir)
}
