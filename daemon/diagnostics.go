package daemon

import (
	"net/http"

	"addingov/localapi"
)

// recentLogLines is how many of its own log lines the daemon keeps for bug reports.
const recentLogLines = 2000

// diagnosticsExtension serves, to administrators only, GET /v1/diagnostics/log: the
// daemon's last log lines (they name every user's add-ins and pids), and GET
// /v1/diagnostics/commits: how its writes shared commits.
func (d *Daemon) diagnosticsExtension() localapi.Extension {
	return func(mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/diagnostics/log", func(w http.ResponseWriter, r *http.Request) {
			if !localapi.CallerFrom(r.Context()).Admin {
				localapi.WriteError(w, localapi.Forbidden("the daemon's log names every user's add-ins: only an administrator may read it (run addingov bugreport as one)"))
				return
			}
			lines := []string{}
			if d.cfg.RecentLog != nil {
				lines = append(lines, d.cfg.RecentLog.Lines()...)
			}
			localapi.WriteJSON(w, http.StatusOK, localapi.RecentLog{Lines: lines, Kept: recentLogLines})
		})
		mux.HandleFunc("GET /v1/diagnostics/commits", func(w http.ResponseWriter, r *http.Request) {
			if !localapi.CallerFrom(r.Context()).Admin {
				localapi.WriteError(w, localapi.Forbidden("commit figures are for administrators: run this as one"))
				return
			}
			var c CommitStats
			c.Groups, c.Writes = d.db.CommitStats()
			localapi.WriteJSON(w, http.StatusOK, c)
		})
	}
}

// CommitStats is what GET /v1/diagnostics/commits answers: the group commits the
// daemon made since it started and the writes they held. Writes well above groups
// mean concurrent writers shared their fsyncs.
type CommitStats struct {
	Groups uint64 `json:"groups"`
	Writes uint64 `json:"writes"`
}
