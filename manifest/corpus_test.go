package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCorpus parses every real manifest in the shared corpus and checks its kind and
// permission as written in the file. It skips only when the corpus is absent.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", corpusDir)
	}
	type want struct {
		kind       Kind
		permission string
		regex      bool // HasRegexOrAttachmentRules
		requests   int  // SharePoint permission requests
	}
	wants := map[string]want{
		"outlook/command-demo.xml":                  {KindMail, PermReadWriteMailbox, false, 0},
		"outlook/contextual-regex-order-number.xml": {KindMail, PermReadWriteItem, true, 0},
		"outlook/display-info-from-ad.xml":          {KindMail, PermReadItem, true, 0},
		"outlook/hello-world-outlook.xml":           {KindMail, PermReadWriteItem, false, 0},
		"outlook/on-send-message-body-checker.xml":  {KindMail, PermReadWriteMailbox, false, 0},
		"outlook/repo-report.xml":                   {KindMail, PermReadWriteItem, true, 0},
		"outlook/scan-for-me.xml":                   {KindMail, PermReadItem, false, 0},
		"outlook/set-signature-events.xml":          {KindMail, PermReadWriteMailbox, false, 0},
		"outlook/translator-single-rule.xml":        {KindMail, PermReadWriteItem, false, 0},
		"outlook/ups-package-tracker.xml":           {KindMail, PermReadItem, true, 0},
		"outlook/youtube-app-known-entity.xml":      {KindMail, PermReadItem, true, 0},

		"taskpane/excel-content-add-in.xml":           {KindContent, PermReadWriteDocument, false, 0},
		"taskpane/excel-shared-runtime-scenario.xml":  {KindTaskPane, PermReadWriteDocument, false, 0},
		"taskpane/excel-table-binding-formatting.xml": {KindTaskPane, PermReadWriteDocument, false, 0},
		"taskpane/powerpoint-image-sample.xml":        {KindTaskPane, PermReadWriteDocument, false, 0},
		"taskpane/project-taskpane.xml":               {KindTaskPane, PermReadWriteDocument, false, 0},
		"taskpane/word-document-emitter.xml":          {KindTaskPane, PermReadWriteDocument, false, 0},
		"taskpane/word-hello-world.xml":               {KindTaskPane, PermReadWriteDocument, false, 0},

		"sharepoint/chainstore-apponly-false.AppManifest.xml":                 {KindSharePoint, "", false, 1},
		"sharepoint/employee-orientation-list-basetemplateid.AppManifest.xml": {KindSharePoint, "", false, 1},
		"sharepoint/odata-bcs-no-permissions.AppManifest.xml":                 {KindSharePoint, "", false, 0},
		"sharepoint/pnp-connected-angular-apps-v2.AppManifest.xml":            {KindSharePoint, "", false, 6},
		"sharepoint/pnp-onedrive-customizer.AppManifest.xml":                  {KindSharePoint, "", false, 2},
		"sharepoint/pnp-publishing-features.AppManifest.xml":                  {KindSharePoint, "", false, 2},
		"sharepoint/pnp-remote-calendar-access.AppManifest.xml":               {KindSharePoint, "", false, 2},
		"sharepoint/pnp-taxonomy-menu.AppManifest.xml":                        {KindSharePoint, "", false, 3},
		"sharepoint/pnp-userprofile-social.AppManifest.xml":                   {KindSharePoint, "", false, 1},
		"sharepoint/project-server-rest.AppManifest.xml":                      {KindSharePoint, "", false, 2},
		"sharepoint/rest-search-apis.AppManifest.xml":                         {KindSharePoint, "", false, 1},
		"sharepoint/site-creator-tenant-apponly.AppManifest.xml":              {KindSharePoint, "", false, 1},

		"unified/excel-content-hello-world.manifest.json":                  {KindContent, PermReadWriteDocument, false, 0},
		"unified/outlook-naa-identity-mailboxitem-readwrite.manifest.json": {KindMail, PermReadWriteItem, false, 0},
		"unified/outlook-set-signature-mailbox-readwrite.manifest.json":    {KindMail, PermReadWriteMailbox, false, 0},
		"unified/outlook-taskpane-mailboxitem-read.manifest.json":          {KindMail, PermReadItem, false, 0},
	}

	files, err := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		rel, _ := filepath.Rel(corpusDir, f)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			w, ok := wants[rel]
			if !ok {
				t.Fatalf("corpus file %s has no expectation: add one to this test", rel)
			}
			seen++
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Kind != w.kind || m.Permission != w.permission {
				t.Errorf("kind/permission = %s/%q, want %s/%q", m.Kind, m.Permission, w.kind, w.permission)
			}
			if got := m.HasRegexOrAttachmentRules(); got != w.regex {
				t.Errorf("HasRegexOrAttachmentRules = %v, want %v", got, w.regex)
			}
			if m.ID == "" {
				t.Error("ID is empty")
			}
			if w.kind == KindSharePoint {
				if m.SharePoint == nil || len(m.SharePoint.Requests) != w.requests {
					t.Errorf("SharePoint requests = %+v, want %d", m.SharePoint, w.requests)
				}
			}
		})
	}
	if seen != len(wants) {
		t.Errorf("corpus has %d of the %d expected manifests", seen, len(wants))
	}
}

// TestCorpusDetails checks specific facts read from individual corpus files.
func TestCorpusDetails(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared corpus not present at %s", corpusDir)
	}
	read := func(t *testing.T, rel string) *Manifest {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(corpusDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("list scope with BaseTemplateId", func(t *testing.T) {
		m := read(t, "sharepoint/employee-orientation-list-basetemplateid.AppManifest.xml")
		r := m.SharePoint.Requests[0]
		if r.Scope != "http://sharepoint/content/sitecollection/web/list" || r.Right != "Manage" || r.Properties["BaseTemplateId"] != "106" {
			t.Errorf("request = %+v", r)
		}
		if m.SharePointApp.Principal.Kind != "Internal" {
			t.Errorf("principal = %+v", m.SharePointApp.Principal)
		}
	})
	t.Run("app-only policy", func(t *testing.T) {
		if !read(t, "sharepoint/site-creator-tenant-apponly.AppManifest.xml").SharePoint.AllowAppOnlyPolicy {
			t.Error("AllowAppOnlyPolicy = false, want true")
		}
		if read(t, "sharepoint/chainstore-apponly-false.AppManifest.xml").SharePoint.AllowAppOnlyPolicy {
			t.Error("AllowAppOnlyPolicy = true, want false")
		}
	})
	t.Run("known entity with filter", func(t *testing.T) {
		m := read(t, "outlook/youtube-app-known-entity.xml")
		ent := m.Rules.Rules[1]
		if ent.EntityType != EntityURL || ent.FilterName != "YouTubeVideos" || !ent.IgnoreCase || ent.RegExFilter != `youtube\.com\/watch` {
			t.Errorf("entity rule = %+v", ent)
		}
	})
	t.Run("launch events", func(t *testing.T) {
		m := read(t, "outlook/set-signature-events.xml")
		got := m.VersionOverrides.LaunchEventTypes()
		if len(got) != 2 || got[0] != "OnNewAppointmentOrganizer" || got[1] != "OnNewMessageCompose" {
			t.Errorf("LaunchEventTypes = %v", got)
		}
	})
	t.Run("unified events and runtimes", func(t *testing.T) {
		m := read(t, "unified/outlook-set-signature-mailbox-readwrite.manifest.json")
		ext := m.Extensions[0]
		if len(ext.AutoRunEvents) != 2 || ext.AutoRunEvents[0].Type != "newMessageComposeCreated" || ext.Runtimes[0].Script != "https://localhost:3000/autorunshared.js" {
			t.Errorf("extension = %+v", ext)
		}
	})
	t.Run("plain http found in a real manifest", func(t *testing.T) {
		got := read(t, "taskpane/word-hello-world.xml").PlainHTTPURLs(true)
		if len(got) != 1 || got[0] != "http://go.microsoft.com/fwlink/?LinkId=276812" {
			t.Errorf("PlainHTTPURLs = %v", got)
		}
	})
}
