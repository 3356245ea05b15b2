package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"addingov/catalog"
	"addingov/display"
	"addingov/manifest"
	"addingov/permissions"
	"addingov/registrypolicy"
)

func init() { extraCommands = append(extraCommands, permissionsCmd) }

func permissionsCmd(g *globals) *cobra.Command {
	var policyFile, scope string
	var installed bool
	cmd := &cobra.Command{
		Use:   "permissions ID|MANIFEST | --installed",
		Short: "Show what an add-in may do, in plain words, and whether policy allows it",
		Long: `permissions shows what an add-in may do: for Outlook and Office add-ins its permission
level in plain words, for SharePoint add-ins the scopes and rights it asks for and which
requests SharePoint would ignore. It also says whether the administrator's policy allows
the add-in, naming each policy that refuses it. A manifest that asks for a mailbox and
a document permission (a unified manifest for several hosts) shows each, with the hosts
that use it, and each is checked against its own cap.

Exit status: 0 when the add-in is allowed, 4 when policy or the manifest itself refuses it
(the same decision install makes; the report is printed either way), 1 on an error, 2 on a
usage mistake, 3 when the daemon is not reachable.

Given a manifest file it works offline, without the daemon, checking the policy in
--policy-file (a .reg file) or the built-in defaults. Given an add-in id it asks the
daemon, which checks the current policy.`,
		Example: `  addingov permissions contoso-mail.xml
  addingov permissions contoso-mail.xml --policy-file caps.reg --json
  addingov permissions 39845a63-5bc4-4735-ab15-ba27e395f232
  addingov permissions --installed`,
		Args: func(cmd *cobra.Command, args []string) error {
			if installed {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if installed {
				return installedWebAddins(g, policyFile)
			}
			if scope != catalog.ScopeUser && scope != catalog.ScopeMachine {
				return usagef("--scope %q: use user or machine", scope)
			}
			isFile, err := manifestArg(args[0])
			if err != nil {
				return err
			}
			var rep catalog.Report
			if isFile {
				rep, err = offlineReport(args[0], policyFile, scope)
			} else {
				if policyFile != "" {
					return usagef("--policy-file applies to a manifest file; for an installed add-in the daemon checks its current policy")
				}
				rep, err = daemonReport(cmd, g, args[0])
			}
			if err != nil {
				return err
			}
			if g.json {
				err = printJSON(g.out, rep)
			} else {
				printReport(g.out, rep)
			}
			if err == nil && !rep.AllowedByPolicy {
				err = refusedError{fmt.Errorf("%s is not allowed: %s", orDash(rep.Name), catalog.RefusalText(rep))}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&policyFile, "policy-file", "", "check against the policy in this .reg file (manifest files only; default: built-in defaults)")
	cmd.Flags().BoolVar(&installed, "installed", false, "explain every web add-in sideloaded into Office for this user (HKCU\\Software\\Microsoft\\Office\\16.0\\WEF\\Developer)")
	cmd.Flags().StringVar(&scope, "scope", catalog.ScopeUser, "install scope to check policy for: user or machine (manifest files only)")
	return cmd
}

// manifestArg tells a manifest file from an add-in id: an existing file is a manifest;
// a name that looks like a path but does not exist is an error rather than an id the
// daemon would not know either.
func manifestArg(arg string) (bool, error) {
	fi, err := os.Stat(arg)
	switch {
	case err == nil && fi.Mode().IsRegular():
		return true, nil
	case err == nil:
		return false, usagef("%s is not a regular file: give a manifest file or an add-in id", arg)
	case errors.Is(err, fs.ErrNotExist):
		ext := strings.ToLower(filepath.Ext(arg))
		if strings.ContainsAny(arg, `/\`) || ext == ".xml" || ext == ".json" {
			return false, fmt.Errorf("read manifest %s: %w", arg, err)
		}
		return false, nil
	default:
		return false, fmt.Errorf("read manifest %s: %w", arg, err)
	}
}

// loadManifest reads and parses a manifest file.
func loadManifest(path string) ([]byte, *manifest.Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, m, nil
}

// offlinePolicy is the policy of a .reg file, or the built-in defaults.
func offlinePolicy(policyFile string) (*registrypolicy.Effective, error) {
	if policyFile == "" {
		return registrypolicy.Evaluate(registrypolicy.NewMemoryStore()), nil
	}
	store, err := registrypolicy.LoadRegFile(policyFile)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	return registrypolicy.Evaluate(store), nil
}

func offlineReport(path, policyFile, scope string) (catalog.Report, error) {
	_, m, err := loadManifest(path)
	if err != nil {
		return catalog.Report{}, err
	}
	eff, err := offlinePolicy(policyFile)
	if err != nil {
		return catalog.Report{}, err
	}
	return catalog.Assess(m, catalog.PolicyFrom(eff), catalog.AssessOptions{Scope: scope, ForInstall: true}), nil
}

func daemonReport(cmd *cobra.Command, g *globals, id string) (catalog.Report, error) {
	c, err := g.client(cmd.Context())
	if err != nil {
		return catalog.Report{}, err
	}
	var rep catalog.Report
	err = c.Do(cmd.Context(), http.MethodGet, "/v1/permissions/"+url.PathEscape(id), nil, &rep)
	return rep, err
}

// printReport prints a report for people: who the add-in is, what it may do, what
// SharePoint would ignore, and the policy's verdict.
func printReport(w io.Writer, r catalog.Report) {
	title := r.Name
	if r.Version != "" {
		title += " " + r.Version
	}
	if r.Provider != "" {
		title += " by " + r.Provider
	}
	fmt.Fprintf(w, "%s\n  id %s, %s add-in\n", display.Escape(title), display.Escape(r.ID), orDash(r.Kind))
	switch r.Model {
	case permissions.KindSharePoint:
		if len(r.Rights) > 0 {
			fmt.Fprintln(w, "\nIt asks for these SharePoint rights:")
			for _, e := range r.Rights {
				fmt.Fprintf(w, "  %s\n", e)
			}
		}
		fmt.Fprintln(w, "\nIf you allow it, it:")
	case "":
	default:
		if len(r.Permissions) > 1 {
			printLevels(w, r.Permissions)
			break
		}
		fmt.Fprintf(w, "\nIt asks for %s permission. If you allow it, it:\n", r.Tier)
		printLines(w, "  ", r.Can)
	}
	if r.Model == permissions.KindSharePoint {
		printLines(w, "  ", r.Can)
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintln(w, "\nSharePoint ignores these requests (they are neither granted nor asked for):")
		for _, ig := range r.Ignored {
			fmt.Fprintf(w, "  - %s at %s: %s\n", ig.Right, ig.Scope, ig.Reason)
		}
	}
	if r.Installed != nil {
		fmt.Fprintf(w, "\nInstalled for %s, %s.\n", scopeWords(r.Installed.Scope), r.Installed.State)
	}
	if r.AllowedByPolicy {
		fmt.Fprintf(w, "\nPolicy: allowed (checked for an install for %s).\n", scopeWords(r.Scope))
	} else {
		fmt.Fprintf(w, "\nPolicy: NOT allowed (checked for an install for %s).\n", scopeWords(r.Scope))
		for _, ref := range r.RefusedBy {
			fmt.Fprintf(w, "  - %s: %s\n", ref.Policy, ref.Reason)
		}
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nThe manifest cannot be installed as it is:")
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p.Reason)
		}
	}
}

// printLevels prints each permission level of an add-in that asks for more than one:
// its model, the hosts that use it, the manifest's names for it and what it allows.
func printLevels(w io.Writer, levels []catalog.LevelReport) {
	fmt.Fprintf(w, "\nIt asks for %d permissions; each is checked against its own cap.\n", len(levels))
	for _, l := range levels {
		model := "Office documents"
		if l.Model == permissions.KindMail {
			model = "Outlook mail"
		}
		where := "no host it targets uses it"
		if len(l.Hosts) > 0 {
			where = "in " + strings.Join(l.Hosts, ", ")
		}
		asked := "implied: nothing asked for"
		if len(l.Asked) > 0 {
			asked = "asked as " + strings.Join(l.Asked, ", ")
		}
		fmt.Fprintf(w, "\n%s (%s, %s; %s). If you allow it, it:\n", l.Tier, model, where, asked)
		printLines(w, "  ", l.Can)
	}
}

func printLines(w io.Writer, indent string, lines []string) {
	for _, line := range lines {
		fmt.Fprintf(w, "%s- %s\n", indent, line)
	}
}

func scopeWords(scope string) string {
	if scope == catalog.ScopeMachine {
		return "every user of this machine"
	}
	return "you only"
}
