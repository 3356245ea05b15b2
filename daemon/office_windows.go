package daemon

import (
	"errors"
	"os"

	"github.com/rs/zerolog"

	"addingov/office"
	"addingov/registrypolicy"
)

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// DefaultOffice governs Office's add-ins from the live registry and the Application
// log, for the given users (none: the current user; a service passes the users with a
// loaded profile).
func DefaultOffice(log zerolog.Logger, users []office.UserHive) (OfficeConfig, error) {
	var keys []string
	roots := []string{}
	for _, u := range users {
		roots = append(roots, u.Root())
	}
	if len(users) == 0 {
		roots = append(roots, office.CurrentUser.Root())
	}
	for _, r := range roots {
		keys = append(keys, r+`\Software\Microsoft\Office`)
	}
	keys = append(keys, `HKLM\Software\Microsoft\Office`, `HKLM\Software\WOW6432Node\Microsoft\Office`)
	n, err := registrypolicy.NewKeyNotifier(log, keys...)
	if err != nil {
		return OfficeConfig{}, err
	}
	return OfficeConfig{Registry: office.WindowsRegistry{}, Events: office.WindowsEvents{}, Users: users, Changes: n}, nil
}

// setupOffice makes the daemon govern Office's add-ins for the users o names: the
// current user by default, every loaded user profile (HKEY_USERS\<SID>) for the
// service, whose own HKCU is SYSTEM's.
func setupOffice(d *Daemon, o RunOptions, log zerolog.Logger) error {
	sids := o.OfficeUsers
	if len(sids) == 0 && o.Service {
		loaded, err := office.LoadedUserHives(office.WindowsRegistry{})
		if err != nil {
			return err
		}
		for _, u := range loaded {
			sids = append(sids, u.SID)
		}
		if len(sids) == 0 {
			return errors.New("no user profile is loaded yet; pass --office-users")
		}
	}
	users, err := office.Hives(sids)
	if err != nil {
		return err
	}
	cfg, err := DefaultOffice(log, users)
	if err != nil {
		return err
	}
	if o.OfficeEvents != "" {
		cfg.Events = office.FileEvents{Path: o.OfficeEvents, OnError: func(err error) {
			log.Warn().Err(err).Str("event", "office-event").Msg("event file line ignored")
		}}
	}
	d.EnableOffice(cfg)
	return nil
}
