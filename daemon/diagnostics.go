package daemon

import (
	"net/http"

	"addingov/localapi"
)

// recentLogLines is how many of its own log lines the daemon keeps for bug reports.
const recentLogLines = 2000

// diagnosticsExtension serves GET /v1/diagnostics/log: the daemon's last log lines, to
// administrators only (they name every user's add-ins and pids).
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
	}
}
