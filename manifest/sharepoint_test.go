package manifest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSharePointFixture(t *testing.T) {
	m := mustParse(t, "sharepoint-list.AppManifest.xml")
	wantApp := &SharePointApp{
		ProductID:            "{3f2a9c10-7b8d-4e6f-a1b2-c3d4e5f60718}",
		Name:                 "ContosoListSync",
		Title:                "Contoso List Sync",
		StartPage:            "https://listsync.contoso.example/Pages/Default.aspx?{StandardTokens}",
		SharePointMinVersion: "16.0.0.0",
		Principal:            AppPrincipal{Kind: "RemoteWebApplication", ClientID: "8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"},
	}
	if !reflect.DeepEqual(m.SharePointApp, wantApp) {
		t.Errorf("SharePointApp = %+v\nwant %+v", m.SharePointApp, wantApp)
	}
	wantPerm := &SharePointPermissions{
		AllowAppOnlyPolicy: true,
		Requests: []PermissionRequest{
			{Scope: "http://sharepoint/content/sitecollection/web/list", Right: "Write", Properties: map[string]string{"BaseTemplateId": "101"}},
			{Scope: "http://sharepoint/search", Right: "QueryAsUserIgnoreAppPrincipal"},
		},
	}
	if !reflect.DeepEqual(m.SharePoint, wantPerm) {
		t.Errorf("SharePoint = %+v\nwant %+v", m.SharePoint, wantPerm)
	}
	if !reflect.DeepEqual(m.URLs, []URLRef{{"StartPage", wantApp.StartPage}}) {
		t.Errorf("URLs = %v", m.URLs)
	}
	if m.Rules != nil || m.Permission != "" {
		t.Errorf("SharePoint add-in has rules %v / permission %q", m.Rules, m.Permission)
	}
}

func TestParseSharePointErrors(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"no ProductID", `<App Name="x"/>`, "has no ProductID"},
		{"request without Right", `<App ProductID="{1}"><AppPermissionRequests><AppPermissionRequest Scope="http://sharepoint/search"/></AppPermissionRequests></App>`, "needs both Scope and Right"},
		{"bad AllowAppOnlyPolicy", `<App ProductID="{1}"><AppPermissionRequests AllowAppOnlyPolicy="sometimes"/></App>`, "not a boolean"},
		{"property without name", `<App ProductID="{1}"><AppPermissionRequests><AppPermissionRequest Scope="s" Right="Read"><Property Value="1"/></AppPermissionRequest></AppPermissionRequests></App>`, "has no Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSharePoint([]byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParsePermissionRequests(t *testing.T) {
	list := PermissionRequest{Scope: "http://sharepoint/content/sitecollection/web/list", Right: "Read", Properties: map[string]string{"BaseTemplateId": "101"}}
	web := PermissionRequest{Scope: "http://sharepoint/content/sitecollection/web", Right: "Write"}
	tests := []struct {
		name string
		xml  string
		want *SharePointPermissions
	}{
		{"wrapper element with app-only policy", `<?xml version="1.0" encoding="utf-8"?>
<AppPermissionRequests xmlns="http://schemas.microsoft.com/sharepoint/2012/app/manifest" AllowAppOnlyPolicy="true">
  <AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web/list" Right="Read">
    <Property Name="BaseTemplateId" Value="101"/>
  </AppPermissionRequest>
  <AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web" Right="Write"/>
</AppPermissionRequests>`, &SharePointPermissions{AllowAppOnlyPolicy: true, Requests: []PermissionRequest{list, web}}},
		{"bare elements", "\ufeff" + `<?xml version="1.0"?>
<AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web/list" Right="Read"><Property Name="BaseTemplateId" Value="101"/></AppPermissionRequest>
<!-- a comment between -->
<AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web" Right="Write"/>`, &SharePointPermissions{Requests: []PermissionRequest{list, web}}},
		{"single bare element", `<AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web" Right="Write"/>`, &SharePointPermissions{Requests: []PermissionRequest{web}}},
		{"empty wrapper", `<AppPermissionRequests/>`, &SharePointPermissions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePermissionRequests([]byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("UTF-16", func(t *testing.T) {
		got, err := ParsePermissionRequests(utf16LE(`<?xml version="1.0" encoding="utf-16"?><AppPermissionRequest Scope="http://sharepoint/content/sitecollection/web" Right="Write"/>`))
		if err != nil || len(got.Requests) != 1 || !reflect.DeepEqual(got.Requests[0], web) {
			t.Fatalf("got %+v, %v", got, err)
		}
	})

	errs := []struct{ name, xml, want string }{
		{"empty", ``, "has no <AppPermissionRequests>"},
		{"only a comment", `<!-- nothing -->`, "has no <AppPermissionRequests>"},
		{"other element", `<App/>`, "unexpected <App>"},
		{"wrapper and bare mixed", `<AppPermissionRequests/><AppPermissionRequest Scope="s" Right="r"/>`, "unexpected <AppPermissionRequests>"},
		{"missing scope", `<AppPermissionRequest Right="Read"/>`, "needs both Scope and Right"},
		{"DOCTYPE", `<!DOCTYPE x><AppPermissionRequest Scope="s" Right="r"/>`, "DOCTYPE"},
		{"closing the wrapper early", `</requestsFile><requestsFile><AppPermissionRequest Scope="s" Right="r"/>`, "more than one root"},
		{"unclosed", `<AppPermissionRequest Scope="s" Right="r">`, "not well formed"},
	}
	for _, tt := range errs {
		t.Run("error/"+tt.name, func(t *testing.T) {
			_, err := ParsePermissionRequests([]byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
