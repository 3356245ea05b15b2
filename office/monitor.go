package office

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"addingov/governance"
)

// maxStarts is how many recorded starts are kept per add-in: the rule needs at most
// the policy's count (at most 20).
const maxStarts = 20

// Observations are what Office's records say about its add-ins, in governance's terms.
type Observations struct {
	Startups    []governance.Startups
	Activations []governance.Activation // load failures Office recorded
	Crashes     []governance.Crash
	// Problems are records that could not be read, for the daemon log.
	Problems []string
}

func (o *Observations) add(p Observations) {
	o.Startups = append(o.Startups, p.Startups...)
	o.Activations = append(o.Activations, p.Activations...)
	o.Crashes = append(o.Crashes, p.Crashes...)
	o.Problems = append(o.Problems, p.Problems...)
}

// Monitor turns Office's records into observations: it compares each inventory with
// the previous one (LoadBehavior turned off by Office, new CrashingAddinList entries)
// and reads Outlook's load-time and Windows' crash events. Its methods are safe for
// concurrent use.
type Monitor struct {
	Reader Reader
	Users  []UserHive
	// Ours reports whether addingov itself changed the add-in's LoadBehavior, so that
	// change is not mistaken for Office's.
	Ours func(addinID string) bool

	mu       sync.Mutex
	scanned  bool
	inv      Inventory
	gen      uint64 // counts the scans that set inv
	prev     map[string]LoadBehavior
	crashing map[string]bool
	starts   map[string][]governance.Activation
}

// Inventory is the last inventory Scan read.
func (m *Monitor) Inventory() Inventory {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inv
}

// InventoryGen is Inventory with its generation, which changes with every scan: what is
// computed from an inventory can be kept until the generation moves.
func (m *Monitor) InventoryGen() (Inventory, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inv, m.gen
}

// Scan reads the inventory and returns what changed since the last scan. The first
// scan only learns the state: what Office recorded before addingov watched is not
// counted again at every start of the daemon.
func (m *Monitor) Scan(now time.Time) (Inventory, Observations) {
	inv := m.Reader.Read(m.Users)
	crashing := map[string]bool{}
	var obs Observations
	for _, u := range m.users() {
		for _, app := range Apps {
			names, err := m.Reader.Crashing(u, app)
			if err != nil {
				obs.Problems = append(obs.Problems, fmt.Sprintf("%s: cannot read: %v", CrashingKey(u, app), err))
				continue
			}
			for _, n := range names {
				crashing[AddinID(u, app, n)] = true
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := map[string]LoadBehavior{}
	for _, a := range inv.Addins {
		if a.Kind == KindWeb || a.LoadBehavior == nil {
			continue
		}
		cur := *a.LoadBehavior
		prev[a.ID] = cur
		old, known := m.prev[a.ID]
		if m.scanned && known && TurnedOffByOffice(old, cur) && (m.Ours == nil || !m.Ours(a.ID)) {
			obs.Activations = append(obs.Activations, governance.Activation{
				AddinID: a.ID, ActivationID: fmt.Sprintf("loadbehavior-%d", now.UnixNano()), Time: now, Failed: true,
				Reason: fmt.Sprintf("Office turned its LoadBehavior from %d to %d after a load error", old, cur),
			})
		}
	}
	if m.scanned {
		for id := range crashing {
			if !m.crashing[id] {
				obs.Crashes = append(obs.Crashes, governance.Crash{AddinID: id, Time: now})
			}
		}
	}
	m.prev, m.crashing, m.inv, m.scanned = prev, crashing, inv, true
	m.gen++
	return inv, obs
}

func (m *Monitor) users() []UserHive {
	if len(m.Users) == 0 {
		return []UserHive{CurrentUser}
	}
	return m.Users
}

// userFor is the watched user an event belongs to: the one with its SID, else the
// current user when that is the only one watched.
func (m *Monitor) userFor(sid string) (UserHive, bool) {
	users := m.users()
	for _, u := range users {
		if sid != "" && strings.EqualFold(u.SID, sid) {
			return u, true
		}
	}
	if len(users) == 1 && users[0].SID == "" {
		return users[0], true
	}
	return UserHive{}, false
}

// Event reads one Application-log event. Events from before the daemon watched
// (history) only fill the start record; live ones produce observations.
func (m *Monitor) Event(ev Event, live bool) Observations {
	switch {
	case strings.EqualFold(ev.Provider, ProviderOutlook) && ev.ID == EventAddinLoadTime:
		return m.loadTimes(ev, live)
	case strings.EqualFold(ev.Provider, ProviderAppError) && ev.ID == EventAppCrash && live:
		return m.appCrash(ev)
	}
	return Observations{}
}

func (m *Monitor) loadTimes(ev Event, live bool) Observations {
	var obs Observations
	u, ok := m.userFor(ev.User)
	if !ok {
		return obs
	}
	lts, err := ParseLoadTimes(ev.Text)
	if err != nil {
		obs.Problems = append(obs.Problems, fmt.Sprintf("Outlook event 45 (record %d): %v", ev.RecordID, err))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.starts == nil {
		m.starts = map[string][]governance.Activation{}
	}
	for _, lt := range lts {
		id := AddinID(u, "Outlook", lt.ProgID)
		if known, found := m.inv.Find(id); found && known.ProgID != lt.ProgID {
			id = known.ID
		} else if !found {
			// Office may write the ProgID in another case than the registration.
			for _, a := range m.inv.Addins {
				if a.App == "Outlook" && a.User == u.SID && strings.EqualFold(a.ProgID, lt.ProgID) {
					id = a.ID
				}
			}
		}
		s := append(m.starts[id], governance.Activation{AddinID: id, Time: ev.Time, Latency: lt.BootTime})
		if len(s) > maxStarts {
			s = s[len(s)-maxStarts:]
		}
		m.starts[id] = s
		if live {
			obs.Startups = append(obs.Startups, governance.Startups{AddinID: id, Starts: append([]governance.Activation(nil), s...)})
		}
	}
	return obs
}

func (m *Monitor) appCrash(ev Event) Observations {
	var obs Observations
	c, err := ParseAppCrash(ev.Text)
	if err != nil {
		obs.Problems = append(obs.Problems, fmt.Sprintf("Application Error 1000 (record %d): %v", ev.RecordID, err))
		return obs
	}
	app := HostApp(c.Application)
	if app == "" {
		return obs // not an Office host
	}
	u, ok := m.userFor(ev.User)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.inv.Addins {
		if a.App != app || (ok && a.User != u.SID) {
			continue
		}
		if moduleOf(a, c.ModulePath) {
			obs.Crashes = append(obs.Crashes, governance.Crash{AddinID: a.ID, Time: ev.Time})
		}
	}
	return obs
}

// moduleOf reports whether module is the add-in's code: its COM DLL, or for a VSTO
// add-in a DLL in the folder of its deployment manifest.
func moduleOf(a Addin, module string) bool {
	mod := winPath(module)
	if a.DLL != "" && mod == winPath(expandEnv(a.DLL)) {
		return true
	}
	if a.Kind == KindVSTO && a.Manifest != "" {
		dir := path.Dir(winPath(manifestPath(a.Manifest)))
		return dir != "." && path.Dir(mod) == dir && strings.HasSuffix(mod, ".dll")
	}
	return false
}

// manifestPath is the file path of a VSTO Manifest value: "file:///C:/x/a.vsto|vstolocal"
// → "C:/x/a.vsto".
func manifestPath(m string) string {
	m, _, _ = strings.Cut(m, "|")
	m = strings.TrimPrefix(m, "file:///")
	return strings.ReplaceAll(m, "%20", " ")
}

// winPath normalises a Windows path for comparison: lower case, forward slashes.
func winPath(p string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p), `\`, "/"))
}
