package daemon

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"addingov/governance"
	"addingov/localapi"
	"addingov/office"
	"addingov/registrypolicy"
	"addingov/storage"
)

// OfficeConfig makes the daemon govern the add-ins Microsoft Office itself runs (see
// package office): it reads their registrations at start and whenever the registry
// changes, feeds what Office records into governance as monitor's observations are
// fed, and carries out decisions through Office's LoadBehavior switch.
type OfficeConfig struct {
	Registry office.Registry
	// Events delivers Outlook's and Windows' Application-log events; nil for none.
	Events office.EventSource
	// Users are the user hives governed; none means the current user's HKCU.
	Users []office.UserHive
	// Changes signals registry changes (RegNotifyChangeKeyValue on Windows); nil
	// relies on Rescan alone.
	Changes registrypolicy.Notifier
	// Rescan is how often the registry is read again without a change signal; zero
	// means every minute.
	Rescan time.Duration
	// HostRunning reports whether an Office application (Outlook, Word, …) is running,
	// for the notice; nil looks at the process list.
	HostRunning func(app string) bool
}

// officeHost is the daemon's Office state.
type officeHost struct {
	cfg      OfficeConfig
	monitor  *office.Monitor
	enforcer office.Enforcer
	owner    string // the current user's id, owner of the current user's add-ins

	rescan chan struct{} // a LoadBehavior addingov changed: read the inventory again

	mu       sync.Mutex
	problems map[string]bool           // logged once
	policy   *registrypolicy.Effective // the machine view, as of the last scan
	// cache holds the Office-list modes per policy over the inventory of generation
	// cacheGen. Every engine policy lookup (each sample, each activation outcome)
	// asks for them; they change only with a scan or a policy reload, and a reload
	// makes new Effective values, so a policy's pointer and the inventory's
	// generation identify them. The maps are shared: never modified.
	cache    map[*registrypolicy.Effective]map[string]governance.ManagedMode
	cacheGen uint64
}

// maxCachedPolicies bounds the cache: one entry per user's policy in use.
const maxCachedPolicies = 256

func newOfficeHost(cfg OfficeConfig, db *storage.DB, clock governance.Clock) *officeHost {
	h := &officeHost{cfg: cfg, problems: map[string]bool{}, rescan: make(chan struct{}, 1)}
	if u, err := user.Current(); err == nil {
		h.owner = u.Uid
	}
	h.enforcer = office.Enforcer{Reg: cfg.Registry, Store: db, Now: clock.Now}
	h.monitor = &office.Monitor{Reader: office.Reader{Reg: cfg.Registry, FileExists: fileExists}, Users: cfg.Users,
		Ours: func(id string) bool { _, ok, _ := db.Switch(id); return ok }}
	return h
}

// officePolicy is the policy governance sees with Office's own lists applied to the
// inventoried COM and VSTO add-ins by ProgID (Outlook's AddinList and restricttolist,
// with Office's meaning) and Office's DoNotDisableAddinList treated as always enabled.
// Our own managed list wins for the same add-in id.
type officePolicy struct {
	governance.PolicySource
	host *officeHost
}

func (p officePolicy) Policy() governance.Policy {
	return p.host.withModes(p.PolicySource.Policy(), p.host.modes())
}

// withModes is pol with the Office-list modes added under its own managed list.
func (h *officeHost) withModes(pol governance.Policy, modes map[string]governance.ManagedMode) governance.Policy {
	if len(modes) == 0 {
		return pol
	}
	m := make(map[string]governance.ManagedMode, len(pol.Managed)+len(modes))
	for id, mode := range modes {
		m[id] = mode
	}
	for id, mode := range pol.Managed {
		m[id] = mode
	}
	pol.Managed = m
	return pol
}

// modes computes the Office-list modes of the inventoried add-ins under the machine
// view.
func (h *officeHost) modes() map[string]governance.ManagedMode {
	h.mu.Lock()
	e := h.policy
	h.mu.Unlock()
	return h.modesUnder(e)
}

// modesUnder is OfficeModes of the last inventory under e's lists, kept until the
// next scan.
func (h *officeHost) modesUnder(e *registrypolicy.Effective) map[string]governance.ManagedMode {
	if e == nil {
		return nil
	}
	inv, gen := h.monitor.InventoryGen()
	h.mu.Lock()
	defer h.mu.Unlock()
	if m, ok := h.cache[e]; ok && h.cacheGen == gen {
		return m
	}
	if h.cache == nil || h.cacheGen != gen || len(h.cache) >= maxCachedPolicies {
		// A new inventory, or many policies since: forget the old ones (a reload
		// replaces every policy, so entries of replaced ones are never asked again).
		h.cache, h.cacheGen = map[*registrypolicy.Effective]map[string]governance.ManagedMode{}, gen
	}
	m := OfficeModes(inv, e.Office)
	h.cache[e] = m
	return m
}

// userModes computes the Office-list modes under one user's own Outlook policy: the
// AddinList and restricttolist are user policy only, so a service finds them in each
// user's hive, never in the machine view.
func (d *Daemon) userModes(user string) map[string]governance.ManagedMode {
	if e, ok := d.cfg.Policy.Lookup(user); ok && e != nil {
		return d.office.modesUnder(e)
	}
	return d.office.modes()
}

// OfficeModes applies Office's own lists to an inventory: Outlook's AddinList by
// ProgID (0, 1, 2) and restricttolist blocking every Outlook COM and VSTO add-in the
// list does not name (all of them with no list, per Microsoft's explain text) apply to
// Outlook's add-ins (they are Outlook policies); DoNotDisableAddinList, per
// application, counts as always enabled. Web add-ins are never affected.
func OfficeModes(inv office.Inventory, lists registrypolicy.OfficeLists) map[string]governance.ManagedMode {
	out := map[string]governance.ManagedMode{}
	for _, a := range inv.Addins {
		if a.Kind == office.KindWeb {
			continue
		}
		outlook := a.App == "Outlook"
		mode, listed := lists.Mode(a.ProgID)
		listed = listed && outlook
		switch {
		case listed && (mode != governance.ManagedUserDecides || a.DoNotDisable == 0):
			out[a.ID] = mode
		case outlook && lists.RestrictToList && !listed:
			out[a.ID] = governance.ManagedBlocked
		case a.DoNotDisable != 0:
			out[a.ID] = governance.ManagedAlwaysEnabled
		}
	}
	return out
}

// EnableOffice makes the daemon govern Office's add-ins; call before Run.
func (d *Daemon) EnableOffice(cfg OfficeConfig) {
	d.office = newOfficeHost(cfg, d.db, d.clock)
	d.overrides.src = officePolicy{PolicySource: d.overrides.src, host: d.office}
	d.overrides.decorate = func(p governance.Policy, user string) governance.Policy {
		return d.office.withModes(p, d.userModes(user))
	}
	d.office.policy = d.cfg.Policy.Effective()
}

// OfficeInventory is the last inventory, for the CLI and the policy view; ok is false
// when Office is not governed.
func (d *Daemon) OfficeInventory() (office.Inventory, bool) {
	if d.office == nil {
		return office.Inventory{}, false
	}
	return d.office.monitor.Inventory(), true
}

// runOffice scans again on every registry change signal and rescan tick, and follows
// the event log, until ctx ends (Run did the first scan).
func (d *Daemon) runOffice(ctx context.Context) {
	h := d.office
	if h.cfg.Events != nil {
		go func() {
			err := h.cfg.Events.Run(ctx, func(ev office.Event) {
				d.observeOffice(h.monitor.Event(ev, ev.Live))
			})
			if err != nil && ctx.Err() == nil {
				d.log.Warn().Err(err).Msg("Office's load-time and crash events are not read; LoadBehavior and CrashingAddinList changes are still followed")
			}
		}()
	}
	changed := make(chan struct{}, 1)
	if h.cfg.Changes != nil {
		go func() {
			if err := h.cfg.Changes.Run(ctx, changed); err != nil && ctx.Err() == nil {
				d.log.Warn().Err(err).Msg("Office registry changes are not notified; rescanning periodically")
			}
		}()
	}
	every := h.cfg.Rescan
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-h.rescan:
		case <-tick.C:
		}
		d.officeScan()
	}
}

// officeScan reads the inventory, records new add-ins, logs new problems and feeds
// what changed to governance.
func (d *Daemon) officeScan() {
	h := d.office
	h.mu.Lock()
	h.policy = d.cfg.Policy.Effective()
	h.mu.Unlock()
	inv, obs := h.monitor.Scan(d.clock.Now())
	for _, p := range inv.Problems {
		d.officeProblem("", p)
	}
	for _, a := range inv.Addins {
		for _, p := range a.Problems {
			d.officeProblem(a.ID, p)
		}
		if err := d.ensureOfficeRecord(a); err != nil {
			d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", a.ID).Msg("record an Office add-in")
		}
	}
	d.observeOffice(obs)
	d.reconcileBlocked()
}

func (d *Daemon) officeProblem(id, p string) {
	h := d.office
	h.mu.Lock()
	seen := h.problems[id+"\x00"+p]
	h.problems[id+"\x00"+p] = true
	h.mu.Unlock()
	if !seen {
		d.log.Warn().Str("event", "office-registration").Str("addin", id).Msg(p)
	}
}

// ensureOfficeRecord stores an inventoried add-in the first time it is seen. It is the
// user's own: its LoadBehavior switch is the user's, even when it is registered for
// the machine.
func (d *Daemon) ensureOfficeRecord(a office.Addin) error {
	if _, err := d.db.Addin(a.ID); !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	owner := a.User
	if owner == "" {
		owner = d.office.owner
	}
	rec := storage.Addin{ID: a.ID, Name: a.Name(), Kind: string(a.Kind), Provider: a.App, State: governance.StateEnabled,
		Since: d.clock.Now(), By: "office", Scope: storage.ScopeUser, Owner: owner}
	if err := d.db.PutAddin(rec); err != nil {
		return err
	}
	d.Installed(rec)
	return nil
}

// observeOffice feeds Office's observations to governance, as tick feeds monitor's.
func (d *Daemon) observeOffice(obs office.Observations) {
	for _, p := range obs.Problems {
		d.log.Warn().Str("event", "office-event").Msg(p)
	}
	var writes []*ackWrite
	d.mu.Lock()
	for _, s := range obs.Startups {
		writes = append(writes, d.queueResultLocked(d.engine.ObserveStartups(s)))
	}
	for _, a := range obs.Activations {
		d.log.Warn().Str("addin", a.AddinID).Str("reason", a.Reason).Msg("Office recorded a load failure")
		writes = append(writes, d.queueResultLocked(d.engine.ObserveActivation(a)))
	}
	for _, c := range obs.Crashes {
		d.log.Warn().Str("addin", c.AddinID).Msg("Office recorded a crash of the add-in")
		writes = append(writes, d.queueResultLocked(d.engine.ObserveCrash(c)))
	}
	d.mu.Unlock()
	_ = d.finish(writes...) // each failure is logged
}

// officeAddin is the inventoried add-in id names, if Office is governed and knows it.
func (d *Daemon) officeAddin(id string) (office.Addin, bool) {
	if d.office == nil {
		return office.Addin{}, false
	}
	return d.office.monitor.Inventory().Find(id)
}

// withHostNote adds to a disable notice of an Office add-in when the change takes
// effect.
func (d *Daemon) withHostNote(id string, n *storage.Notice) *storage.Notice {
	a, ok := d.officeAddin(id)
	if n == nil || !ok || a.Kind == office.KindWeb {
		return n
	}
	running := d.office.cfg.HostRunning
	if running == nil {
		running = hostRunning
	}
	if running(a.App) {
		n.Text += fmt.Sprintf(" %s is running: the change takes effect when %s restarts.", a.App, a.App)
	}
	return n
}

// applyHostSwitch carries out a state change of an Office add-in through Office's
// LoadBehavior: a disable turns it off for the user, an enable restores the value it
// had. Called once the change is durable, under d.switchMu (see applySwitch), never
// under d.mu; the outcome is logged.
func (d *Daemon) applyHostSwitch(id string, state governance.State, by string) {
	a, ok := d.officeAddin(id)
	if !ok || a.Kind == office.KindWeb {
		return
	}
	var (
		out    office.Outcome
		err    error
		action = "office-loadbehavior-off"
	)
	if state == governance.StateEnabled {
		action = "office-loadbehavior-restore"
		out, err = d.office.enforcer.Enable(id)
	} else {
		out, err = d.office.enforcer.Disable(a)
	}
	entry := storage.LogEntry{Time: d.clock.Now(), AddinID: id, AddinName: a.Name(), Action: action, By: by, Detail: out.Detail}
	switch {
	case errors.Is(err, office.ErrDoNotDisable):
		entry.Action = storage.ActionExempt
		d.log.Info().Str("event", "addin-exempt").Str("addin", id).Msg(err.Error())
	case err != nil:
		entry.Detail = err.Error()
		d.log.Error().Err(err).Str("event", "office-switch-failed").Str("addin", id).Msg("could not change the add-in's LoadBehavior")
	case !out.Changed:
		d.log.Info().Str("addin", id).Msg(out.Detail)
		return
	default:
		d.log.Warn().Str("event", action).Str("addin", id).Msg(out.Detail)
		select {
		case d.office.rescan <- struct{}{}:
		default:
		}
	}
	if _, err := d.db.AppendLog(entry); err != nil {
		d.log.Error().Err(err).Str("event", "storage-problem").Str("addin", id).Msg("log a LoadBehavior change")
	}
}

// officeView adds what Office's registration says to an add-in's view.
func (d *Daemon) officeView(v *localapi.Addin) {
	a, ok := d.officeAddin(v.ID)
	if !ok {
		return
	}
	v.Host = a.App
	v.Kind = string(a.Kind)
	v.Registered = a.Scope
	if a.LoadBehavior != nil {
		lb := uint32(*a.LoadBehavior)
		v.LoadBehavior = &lb
	}
	v.Problems = a.Problems
}

// hostRunning reports whether an Office application's process is running.
func hostRunning(app string) bool {
	exe := map[string]string{"Outlook": "outlook.exe", "Word": "winword.exe", "Excel": "excel.exe", "PowerPoint": "powerpnt.exe"}[app]
	if exe == "" {
		return false
	}
	ps, err := process.Processes()
	if err != nil {
		return false
	}
	for _, p := range ps {
		if n, err := p.Name(); err == nil && strings.EqualFold(n, exe) {
			return true
		}
	}
	return false
}
