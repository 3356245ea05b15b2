package cli

import (
	"encoding/json"
	"fmt"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"addingov/registrypolicy"
)

func policyCmd(g *globals) *cobra.Command {
	var fromFile, user string
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Show your effective policy: every setting's value, where it came from, and ignored values",
		Long: `policy shows the policy the daemon governs your add-ins with: on Windows, machine
policy over your own user policy (read from your hive under HKEY_USERS). An
administrator can see another user's with --user (a SID or an account name; a uid or
user name on Linux, where one policy applies to everyone). With --from-file it
evaluates a .reg file over the built-in defaults without a daemon, so an administrator
can test a GPO before pushing it.`,
		Example: `  addingov policy
  addingov policy --user CONTOSO\alice --json
  addingov policy --from-file outlook-gpo.reg --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var raw []byte
			if fromFile != "" && user != "" {
				return usagef("--user asks the daemon and --from-file reads a file: give one of them")
			}
			if fromFile != "" {
				s, err := registrypolicy.LoadRegFile(fromFile)
				if err != nil {
					return err
				}
				v := registrypolicy.Evaluate(s).View()
				if installed, ok := localOfficeProgIDs(); ok {
					v.MatchOffice(installed)
				}
				if raw, err = json.MarshalIndent(v, "", "  "); err != nil {
					return err
				}
			} else {
				c, err := g.client(cmd.Context())
				if err != nil {
					return err
				}
				if raw, err = c.Policy(cmd.Context(), user); err != nil {
					return err
				}
			}
			if g.json {
				return printJSON(g.out, json.RawMessage(raw))
			}
			var view registrypolicy.View
			if err := json.Unmarshal(raw, &view); err != nil {
				return fmt.Errorf("read the effective policy: %w", err)
			}
			return view.WriteText(g.out)
		},
	}
	cmd.Flags().StringVar(&fromFile, "from-file", "", "evaluate this .reg file offline instead of asking the daemon")
	cmd.Flags().StringVar(&user, "user", "", "show this user's effective policy (SID or account name; administrators only for another user)")
	return cmd
}

// demoPolicy is the demo's policy: the demo thresholds (a small absolute memory limit,
// the device-memory gate off) under an optional .reg file, which is watched for edits.
func demoPolicy(file string) (*registrypolicy.Provider, string, error) {
	load := func() (registrypolicy.Store, error) {
		s := registrypolicy.NewMemoryStore()
		if file != "" {
			fs, err := registrypolicy.LoadRegFile(file)
			if err != nil {
				return nil, err
			}
			s = fs
		}
		for name, v := range map[string]uint32{
			registrypolicy.MemoryThresholdMB:       demoMemoryMB,
			registrypolicy.DeviceMemoryGatePercent: 0,
		} {
			if _, set, _ := s.ReadValue(registrypolicy.HKCU, registrypolicy.KeyAddinGov, name); !set {
				s.SetWithOrigin(registrypolicy.HKCU, registrypolicy.KeyAddinGov, name, registrypolicy.DWord(v), "addingov demo")
			}
		}
		return s, nil
	}
	var opts []registrypolicy.Option
	name := "demo thresholds"
	if file != "" {
		opts = append(opts, registrypolicy.WithNotifier(registrypolicy.FileNotifier{Path: file}))
		name = "demo thresholds over " + file
	}
	p, err := registrypolicy.NewProvider(load, zerolog.Nop(), opts...)
	return p, name, err
}

// demoMemoryMB is the demo's absolute memory limit; demo-memory holds twice as much.
const demoMemoryMB = 128
