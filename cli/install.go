package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"addingov/catalog"
	"addingov/display"
	"addingov/permissions"
)

func init() { extraCommands = append(extraCommands, installCmd, removeCmd) }

// stdinIsTerminal reports whether a person can answer on standard input; tests replace
// it to exercise the confirmation prompt.
var stdinIsTerminal = func() bool {
	fd := os.Stdin.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

type installFlags struct {
	scope        string
	yes          bool
	store        bool
	list         string
	listTemplate int
	userRights   string
}

func installCmd(g *globals) *cobra.Command {
	var f installFlags
	cmd := &cobra.Command{
		Use:   "install MANIFEST",
		Short: "Install an add-in from its manifest, after showing what it may do",
		Long: `install shows what the add-in may do (the same plain words as 'addingov permissions')
and whether policy allows it, then asks you to confirm on the terminal before anything
is stored. Reinstalling a version that asks for nothing more does not ask again; one
that asks for more does. Scripts pass --yes; without a terminal and without --yes
nothing is installed.

SharePoint add-ins are granted what they ask for only if you hold those rights yourself
(--user-rights); a list-scope request needs the list you choose (--list).`,
		Example: `  addingov install contoso-mail.xml
  addingov install contoso-mail.xml --yes --scope machine
  addingov install AppManifest.xml --yes --list 7c1e… --list-template 101 \
      --user-rights http://sharepoint/content/sitecollection/web:Manage`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := f.request()
			if err != nil {
				return err
			}
			if req.Manifest, _, err = loadManifest(args[0]); err != nil {
				return err
			}
			return runInstall(cmd, g, req, f.yes)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scope, "scope", catalog.ScopeUser, "user (for you only) or machine (for every user; administrators only)")
	fl.BoolVar(&f.yes, "yes", false, "confirm without asking (for scripts)")
	fl.BoolVar(&f.store, "store", false, "the add-in comes from the Office Store (it may not ask for FullControl)")
	fl.StringVar(&f.list, "list", "", "SharePoint: the id of the list a list-scope request may use")
	fl.IntVar(&f.listTemplate, "list-template", 0, "SharePoint: that list's base template id (e.g. 101 for a document library)")
	fl.StringVar(&f.userRights, "user-rights", "", "SharePoint: your own rights, as scope-uri:Right[@object-id],…")
	return cmd
}

// request checks the flags and builds the install request without its manifest.
func (f installFlags) request() (catalog.InstallRequest, error) {
	req := catalog.InstallRequest{Scope: f.scope, StoreDistributed: f.store}
	if f.scope != catalog.ScopeUser && f.scope != catalog.ScopeMachine {
		return req, usagef("--scope %q: use user or machine", f.scope)
	}
	if f.listTemplate != 0 && f.list == "" {
		return req, usagef("--list-template needs --list: name the list whose template it is")
	}
	if f.list != "" {
		req.List = &catalog.ListChoice{ID: f.list, BaseTemplateID: f.listTemplate}
	}
	rights, err := catalog.ParseUserRights(f.userRights)
	if err != nil {
		return req, usagef("%v", err)
	}
	req.UserRights = rights
	return req, nil
}

// runInstall previews, confirms and installs. The preview stores nothing; only the
// final request does, with consent when the person (or --yes) gave it.
func runInstall(cmd *cobra.Command, g *globals, req catalog.InstallRequest, yes bool) error {
	ctx := cmd.Context()
	c, err := g.client(ctx)
	if err != nil {
		return err
	}
	var pv catalog.Preview
	if err := c.Do(ctx, http.MethodPost, "/v1/install/preview", catalog.PreviewRequest{Manifest: req.Manifest, Scope: req.Scope}, &pv); err != nil {
		return err
	}
	// The words go to stderr with --json, so that stdout holds only the result.
	words := g.out
	if g.json {
		words = g.errOut
	}
	printReport(words, pv.Report)
	if !pv.Installable() {
		return fmt.Errorf("cannot install %s: %s (nothing was installed)", pv.Name, catalog.RefusalText(pv.Report))
	}
	if pv.NeedsAdmin {
		return fmt.Errorf("installing %s for every user of this machine needs an administrator: run as root (elevated on Windows), or use --scope user (nothing was installed)", pv.Name)
	}
	if pv.NeedsConsent {
		ok, err := confirm(words, pv, yes)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not installed: you did not confirm")
		}
		req.Consent = true
	} else if pv.Reinstall {
		fmt.Fprintf(words, "\nNot asking again: %s.\n", pv.ConsentReason)
	}
	var res catalog.InstallResult
	if err := c.Do(ctx, http.MethodPost, "/v1/install", req, &res); err != nil {
		return err
	}
	if g.json {
		return printJSON(g.out, res)
	}
	verb := "Installed"
	if res.Reinstall {
		verb = "Reinstalled"
	}
	fmt.Fprintf(g.out, "\n%s %s (%s) for %s; it is %s.\n", verb, display.Escape(res.Name), display.Escape(res.ID), scopeWords(res.Scope), res.State)
	for _, gr := range res.Granted {
		fmt.Fprintf(g.out, "  granted %s at %s%s\n", gr.Right, gr.Scope, onObject(gr))
	}
	return nil
}

// confirm asks on the terminal. With --yes it does not ask; without a terminal it
// refuses, since nobody could have read what the add-in may do.
func confirm(w io.Writer, pv catalog.Preview, yes bool) (bool, error) {
	if yes {
		return true, nil
	}
	if !stdinIsTerminal() {
		return false, fmt.Errorf("installing %s needs your confirmation (%s), and there is no terminal to ask on: run it in a terminal, or pass --yes to confirm in a script (nothing was installed)", pv.Name, pv.ConsentReason)
	}
	fmt.Fprintf(w, "\nInstall %s for %s? [y/N] ", display.Escape(pv.Name), scopeWords(pv.Scope))
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read your answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func onObject(g permissions.Grant) string {
	if g.ObjectID == "" {
		return ""
	}
	return " on " + g.ObjectID
}

func removeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove an installed add-in; its SharePoint grants are revoked (and kept as history)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			var res catalog.RemoveResult
			if err := c.Do(cmd.Context(), http.MethodDelete, "/v1/addins/"+url.PathEscape(args[0]), nil, &res); err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, res)
			}
			fmt.Fprintf(g.out, "Removed %s; %d grant(s) revoked.\n", res.ID, res.Revoked)
			return nil
		},
	}
}
