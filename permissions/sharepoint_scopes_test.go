package permissions

import (
	"encoding/xml"
	"errors"
	"os"
	"testing"
)

// Every scope's allowed rights, from "Add-in permissions in SharePoint" tables 2–7.
func TestAllowedRightsMatchDocumentation(t *testing.T) {
	chain := []Right{RightRead, RightWrite, RightManage, RightFullControl}
	want := map[Scope][]Right{
		"http://sharepoint/content/tenant":                    chain,
		"http://sharepoint/content/sitecollection":            chain,
		"http://sharepoint/content/sitecollection/web":        chain,
		"http://sharepoint/content/sitecollection/web/list":   chain,
		"http://sharepoint/bcs/connection":                    {RightRead},
		"http://sharepoint/search":                            {RightQueryAsUserIgnoreAppPrincipal},
		"http://sharepoint/projectserver":                     {RightManage},
		"http://sharepoint/projectserver/projects":            {RightRead, RightWrite},
		"http://sharepoint/projectserver/projects/project":    {RightRead, RightWrite},
		"http://sharepoint/projectserver/enterpriseresources": {RightRead, RightWrite},
		"http://sharepoint/projectserver/statusing":           {RightSubmitStatus},
		"http://sharepoint/projectserver/reporting":           {RightRead},
		"http://sharepoint/projectserver/workflow":            {RightElevate},
		"http://sharepoint/social/tenant":                     chain,
		"http://sharepoint/social/core":                       chain,
		"http://sharepoint/social/microfeed":                  chain,
		"http://sharepoint/social/trimming":                   chain,
		"http://sharepoint/taxonomy":                          {RightRead, RightWrite},
	}
	if len(Scopes()) != len(want) {
		t.Errorf("package knows %d scopes, documentation lists %d", len(Scopes()), len(want))
	}
	for scope, rights := range want {
		t.Run(string(scope), func(t *testing.T) {
			got := scope.AllowedRights()
			if len(got) != len(rights) {
				t.Fatalf("AllowedRights = %v, want %v", got, rights)
			}
			for i := range got {
				if got[i] != rights[i] {
					t.Fatalf("AllowedRights = %v, want %v", got, rights)
				}
			}
			for _, r := range allRights {
				_, err := ParsePermission(string(scope), string(r))
				allowed := false
				for _, a := range rights {
					allowed = allowed || a == r
				}
				if allowed != (err == nil) {
					t.Errorf("ParsePermission(%s, %s) error = %v, allowed by docs = %v", scope, r, err, allowed)
				}
				if !allowed && !errors.Is(err, ErrUnknownRight) {
					t.Errorf("error %v does not wrap ErrUnknownRight", err)
				}
			}
		})
	}
}

func TestParsePermission(t *testing.T) {
	tests := []struct {
		name         string
		scope, right string
		want         Permission
		wantErr      error
	}{
		{"canonical", "http://sharepoint/content/sitecollection/web", "Write", Permission{ScopeWeb, RightWrite}, nil},
		{"case and slash", " HTTP://SharePoint/Content/Tenant/ ", "fullcontrol", Permission{ScopeTenant, RightFullControl}, nil},
		{"search", "http://sharepoint/search", "QueryAsUserIgnoreAppPrincipal", Permission{ScopeSearch, RightQueryAsUserIgnoreAppPrincipal}, nil},
		{"unknown scope", "http://sharepoint/content/farm", "Read", Permission{}, ErrUnknownScope},
		{"not a sharepoint uri", "https://contoso.sharepoint.com", "Read", Permission{}, ErrUnknownScope},
		{"unknown right", "http://sharepoint/content/sitecollection", "Owner", Permission{}, ErrUnknownRight},
		{"right not at scope", "http://sharepoint/taxonomy", "Manage", Permission{}, ErrUnknownRight},
		{"empty right", "http://sharepoint/taxonomy", "", Permission{}, ErrUnknownRight},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePermission(tc.scope, tc.right)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePermission = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestParseSharePointEntry(t *testing.T) {
	tests := []struct {
		in      string
		want    Permission
		wantErr bool
	}{
		{"http://sharepoint/content/sitecollection:FullControl", Permission{ScopeSiteCollection, RightFullControl}, false},
		{" http://sharepoint/social/tenant:Write ", Permission{ScopeSocialTenant, RightWrite}, false},
		{"http://sharepoint/search:QueryAsUserIgnoreAppPrincipal", Permission{ScopeSearch, RightQueryAsUserIgnoreAppPrincipal}, false},
		{"http://sharepoint/search", Permission{}, true},
		{"http://sharepoint/content/tenant:", Permission{}, true},
		{":Read", Permission{}, true},
		{"Read", Permission{}, true},
		{"", Permission{}, true},
		{"http://sharepoint/taxonomy:FullControl", Permission{}, true},
		{"http://sharepoint/nothing:Read", Permission{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSharePointEntry(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("ParseSharePointEntry(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
			if err == nil && got.String() != string(got.Scope)+":"+string(got.Right) {
				t.Fatalf("String() = %q", got.String())
			}
		})
	}
}

func TestPermissionCovers(t *testing.T) {
	tests := []struct {
		name string
		have Permission
		need Permission
		want bool
	}{
		{"same", Permission{ScopeWeb, RightWrite}, Permission{ScopeWeb, RightWrite}, true},
		{"higher right", Permission{ScopeWeb, RightManage}, Permission{ScopeWeb, RightRead}, true},
		{"lower right", Permission{ScopeWeb, RightRead}, Permission{ScopeWeb, RightWrite}, false},
		{"parent covers child", Permission{ScopeTenant, RightRead}, Permission{ScopeList, RightRead}, true},
		{"site collection covers web", Permission{ScopeSiteCollection, RightFullControl}, Permission{ScopeWeb, RightManage}, true},
		{"child does not cover parent", Permission{ScopeList, RightFullControl}, Permission{ScopeWeb, RightRead}, false},
		{"all projects cover one", Permission{ScopeProjectServerProjects, RightWrite}, Permission{ScopeProjectServerProject, RightRead}, true},
		{"one project does not cover all", Permission{ScopeProjectServerProject, RightWrite}, Permission{ScopeProjectServerProjects, RightRead}, false},
		{"content does not cover social", Permission{ScopeTenant, RightFullControl}, Permission{ScopeSocialTenant, RightRead}, false},
		{"social tenant stands alone", Permission{ScopeSocialTenant, RightFullControl}, Permission{ScopeSocialCore, RightRead}, false},
		{"off-chain rights only equal", Permission{ScopeProjectServerStatusing, RightSubmitStatus}, Permission{ScopeProjectServerStatusing, RightSubmitStatus}, true},
		{"off-chain vs chain", Permission{ScopeSearch, RightQueryAsUserIgnoreAppPrincipal}, Permission{ScopeSearch, RightRead}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.have.Covers(tc.need); got != tc.want {
				t.Fatalf("%v.Covers(%v) = %v, want %v", tc.have, tc.need, got, tc.want)
			}
		})
	}
}

func TestRightIncludes(t *testing.T) {
	tests := []struct {
		a, b Right
		want bool
	}{
		{RightFullControl, RightRead, true},
		{RightManage, RightWrite, true},
		{RightWrite, RightManage, false},
		{RightElevate, RightElevate, true},
		{RightElevate, RightRead, false},
		{RightFullControl, RightSubmitStatus, false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.a)+">="+string(tc.b), func(t *testing.T) {
			if got := RightIncludes(tc.a, tc.b); got != tc.want {
				t.Fatalf("RightIncludes(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// appManifest is the part of a SharePoint AppManifest.xml the corpus test reads.
type appManifest struct {
	Requests struct {
		AllowAppOnly bool `xml:"AllowAppOnlyPolicy,attr"`
		Request      []struct {
			Scope      string `xml:"Scope,attr"`
			Right      string `xml:"Right,attr"`
			Properties []struct {
				Name  string `xml:"Name,attr"`
				Value string `xml:"Value,attr"`
			} `xml:"Property"`
		} `xml:"AppPermissionRequest"`
	} `xml:"AppPermissionRequests"`
}

func readAppManifestRequests(t *testing.T, path string) ([]Request, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m appManifest
	if err := xml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var reqs []Request
	for _, r := range m.Requests.Request {
		req := Request{Scope: r.Scope, Right: r.Right}
		for _, p := range r.Properties {
			if req.Properties == nil {
				req.Properties = map[string]string{}
			}
			req.Properties[p.Name] = p.Value
		}
		reqs = append(reqs, req)
	}
	return reqs, m.Requests.AllowAppOnly
}

// Every request in the real SharePoint manifests is one SharePoint knows.
func TestSharePointCorpusRequestsAreKnown(t *testing.T) {
	for _, f := range corpusFiles(t, "sharepoint", "*.xml") {
		t.Run(f, func(t *testing.T) {
			reqs, _ := readAppManifestRequests(t, f)
			known, ignored := KnownPermissions(reqs)
			if len(ignored) > 0 {
				t.Fatalf("ignored %v", ignored)
			}
			if len(known) != len(reqs) {
				t.Fatalf("known %d of %d", len(known), len(reqs))
			}
			for _, line := range DescribeRequests(reqs) {
				if line == "" {
					t.Fatal("empty description line")
				}
			}
		})
	}
}
