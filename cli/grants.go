package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"os"

	"github.com/spf13/cobra"

	"addingov/catalog"
	"addingov/permissions"
)

func init() { extraCommands = append(extraCommands, grantsCmd) }

func grantsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grants [ID]",
		Short: "List SharePoint add-ins' grants: what was granted, where, by whom, and whether it is still active",
		Example: `  addingov grants
  addingov grants {58643188-1ae3-49ed-b132-a7b5200c43e2} --json
  addingov grants regrant {58643188-…} --request permissions.xml --user-rights http://sharepoint/content/sitecollection/web:Manage`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			path := "/v1/grants"
			if len(args) == 1 {
				path += "?addin=" + url.QueryEscape(args[0])
			}
			var grants []permissions.Grant
			if err := c.Do(cmd.Context(), http.MethodGet, path, nil, &grants); err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, grants)
			}
			if len(grants) == 0 {
				fmt.Fprintln(g.out, "No grants.")
				return nil
			}
			t := newTable(g.out, "ADD-IN", "RIGHT", "SCOPE", "ON", "GRANTED BY", "WHEN", "STATE", "SOURCE")
			for _, gr := range grants {
				t.row(gr.AddinID, string(gr.Right), string(gr.Scope), orDash(gr.ObjectID), orDash(gr.GrantedBy),
					fmtTime(gr.GrantedAt), string(gr.State), string(gr.Source))
			}
			return t.flush()
		},
	}
	cmd.AddCommand(regrantCmd(g))
	return cmd
}

func regrantCmd(g *globals) *cobra.Command {
	var f installFlags
	var requestFile string
	cmd := &cobra.Command{
		Use:   "regrant ID --request FILE.xml",
		Short: "Re-issue a SharePoint add-in's grants from permission request XML (as AppInv.aspx does)",
		Long: `regrant re-issues an installed SharePoint add-in's grants from an <AppPermissionRequests>
element, under the same consent rules as an install: all or nothing, and no more than
you hold yourself (--user-rights). The grants it replaces are revoked and kept as history.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if requestFile == "" {
				return usagef("--request is required: the XML file with <AppPermissionRequests>")
			}
			f.scope = catalog.ScopeUser // not used by a regrant; keeps the shared checks happy
			base, err := f.request()
			if err != nil {
				return err
			}
			xml, err := os.ReadFile(requestFile)
			if err != nil {
				return fmt.Errorf("read permission requests: %w", err)
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			req := catalog.RegrantRequest{AddinID: args[0], RequestXML: string(xml), UserRights: base.UserRights,
				List: base.List, StoreDistributed: base.StoreDistributed}
			var res catalog.GrantResult
			if err := c.Do(cmd.Context(), http.MethodPost, "/v1/grants/regrant", req, &res); err != nil {
				return err
			}
			if g.json {
				return printJSON(g.out, res)
			}
			fmt.Fprintf(g.out, "Re-granted %s %d permission(s).\n", args[0], len(res.Granted))
			for _, gr := range res.Granted {
				fmt.Fprintf(g.out, "  granted %s at %s%s\n", gr.Right, gr.Scope, onObject(gr))
			}
			for _, ig := range res.Ignored {
				fmt.Fprintf(g.out, "  ignored %s at %s: %s\n", ig.Request.Right, ig.Request.Scope, ig.Reason)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&requestFile, "request", "", "XML file with <AppPermissionRequests> (or bare <AppPermissionRequest> elements)")
	fl.BoolVar(&f.store, "store", false, "the add-in comes from the Office Store (it may not ask for FullControl)")
	fl.StringVar(&f.list, "list", "", "the id of the list a list-scope request may use")
	fl.IntVar(&f.listTemplate, "list-template", 0, "that list's base template id")
	fl.StringVar(&f.userRights, "user-rights", "", "your own rights, as scope-uri:Right[@object-id],…")
	return cmd
}
