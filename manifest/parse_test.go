package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file       string
		format     Format
		kind       Kind
		id         string
		version    string
		name       string
		provider   string
		permission string
		hosts      []string
	}{
		{"mail-readwritemailbox.xml", FormatXML, KindMail, "6f1c7a52-3b0e-4c1d-9e55-0a6c1d2b7e10", "2.1.0.0", "Fabrikam Mail Helper", "Fabrikam", PermReadWriteMailbox, []string{"Mailbox"}},
		{"mail-restricted-regex.xml", FormatXML, KindMail, "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "1.0.0.0", "Contoso Tracker", "Contoso", PermRestricted, []string{"Mailbox"}},
		{"taskpane.xml", FormatXML, KindTaskPane, "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "1.4.0.0", "Northwind Pricing", "Northwind", PermReadDocument, []string{"Workbook", "Document"}},
		{"content.xml", FormatXML, KindContent, "c0ffee00-1234-4abc-9def-00112233aabb", "1.0.0.0", "Sales Chart", "Adventure Works", PermWriteDocument, []string{"Workbook"}},
		{"sharepoint-list.AppManifest.xml", FormatSharePoint, KindSharePoint, "{3f2a9c10-7b8d-4e6f-a1b2-c3d4e5f60718}", "1.2.0.0", "Contoso List Sync", "", "", []string{"SharePoint"}},
		{"unified-mail.manifest.json", FormatJSON, KindMail, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", "3.0.1", "Tailspin Mail", "Tailspin", PermReadWriteMailbox, []string{"Mailbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			m, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := []string{string(m.Format), string(m.Kind), m.ID, m.Version, m.Name, m.Provider, m.Permission}
			want := []string{string(tt.format), string(tt.kind), tt.id, tt.version, tt.name, tt.provider, tt.permission}
			if !slices.Equal(got, want) {
				t.Errorf("format/kind/id/version/name/provider/permission = %q, want %q", got, want)
			}
			if !slices.Equal(m.Hosts, tt.hosts) {
				t.Errorf("Hosts = %v, want %v", m.Hosts, tt.hosts)
			}
			sum := sha256.Sum256(data)
			if m.Size != len(data) || m.Digest != hex.EncodeToString(sum[:]) {
				t.Errorf("Size/Digest = %d/%s, want %d/%x", m.Size, m.Digest, len(data), sum)
			}
			// The format-specific entry point agrees with Parse.
			var direct *Manifest
			switch tt.format {
			case FormatXML:
				direct, err = ParseOfficeXML(data)
			case FormatSharePoint:
				direct, err = ParseSharePoint(data)
			case FormatJSON:
				direct, err = ParseJSON(data)
			}
			if err != nil {
				t.Fatalf("format-specific parser: %v", err)
			}
			a, _ := json.Marshal(m)
			b, _ := json.Marshal(direct)
			if string(a) != string(b) {
				t.Errorf("format-specific parser differs from Parse:\n%s\n%s", a, b)
			}
		})
	}
}

func TestParseWrongEntryPoint(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (*Manifest, error)
		file  string
		want  string
	}{
		{"office parser on SharePoint", ParseOfficeXML, "sharepoint-list.AppManifest.xml", "not <OfficeApp>"},
		{"SharePoint parser on Office", ParseSharePoint, "taskpane.xml", "not <App>"},
		{"JSON parser on XML", ParseJSON, "taskpane.xml", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.parse(readFixture(t, tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseMailDetails(t *testing.T) {
	m := mustParse(t, "mail-readwritemailbox.xml")

	if got := m.LocalizedNames["fr-FR"]; got != "Assistant de messagerie Fabrikam" {
		t.Errorf("LocalizedNames[fr-FR] = %q", got)
	}
	if got := m.LocalizedDescriptions["fr-FR"]; got != "Classe les messages dans le CRM Fabrikam." {
		t.Errorf("LocalizedDescriptions[fr-FR] = %q", got)
	}
	if m.Description != "Files messages into the Fabrikam CRM." || m.DefaultLocale != "en-US" {
		t.Errorf("Description/DefaultLocale = %q/%q", m.Description, m.DefaultLocale)
	}
	if m.IconURL != "https://addins.fabrikam.example/img/icon-64.png" ||
		m.HighResolutionIconURL != "https://addins.fabrikam.example/img/icon-128.png" ||
		m.SupportURL != "https://support.fabrikam.example/mail" {
		t.Errorf("icon/hi-res/support = %q %q %q", m.IconURL, m.HighResolutionIconURL, m.SupportURL)
	}
	if want := []string{"https://login.fabrikam.example", "https://crm.fabrikam.example"}; !slices.Equal(m.AppDomains, want) {
		t.Errorf("AppDomains = %v, want %v", m.AppDomains, want)
	}
	if want := (&Requirements{Sets: []RequirementSet{{Name: "Mailbox", MinVersion: "1.1"}}}); !reflect.DeepEqual(m.Requirements, want) {
		t.Errorf("Requirements = %+v, want %+v", m.Requirements, want)
	}
	wantSL := []SourceLocation{
		{Form: "ItemRead", Settings: "DesktopSettings", URL: "https://addins.fabrikam.example/read.html", Overrides: map[string]string{"fr-FR": "https://addins.fabrikam.example/fr/read.html"}},
		{Form: "ItemRead", Settings: "TabletSettings", URL: "https://addins.fabrikam.example/read-tablet.html"},
		{Form: "ItemEdit", Settings: "DesktopSettings", URL: "https://addins.fabrikam.example/compose.html"},
	}
	if !reflect.DeepEqual(m.SourceLocations, wantSL) {
		t.Errorf("SourceLocations = %+v\nwant %+v", m.SourceLocations, wantSL)
	}
	if !m.DisableEntityHighlighting {
		t.Error("DisableEntityHighlighting = false, want true")
	}

	r := m.Rules
	if r == nil || r.Type != RuleCollection || r.Mode != "Or" || len(r.Rules) != 3 {
		t.Fatalf("top rule = %+v, want an Or collection of 3", r)
	}
	itemIs := r.Rules[1]
	if itemIs.Type != RuleItemIs || itemIs.ItemType != "Appointment" || itemIs.FormType != "ReadOrEdit" || itemIs.ItemClass != "IPM.Appointment" || !itemIs.IncludeSubClasses {
		t.Errorf("ItemIs = %+v", itemIs)
	}
	and := r.Rules[2]
	if and.Mode != "And" || len(and.Rules) != 3 || and.Rules[0].Type != RuleItemHasAttachment {
		t.Fatalf("nested collection = %+v", and)
	}
	re := and.Rules[1]
	if re.Type != RuleItemHasRegularExpressionMatch || re.RegExName != "TicketId" || re.RegExValue != `FAB-\d{6}` || re.PropertyName != PropertySubject || !re.IgnoreCase || re.Highlight != "all" {
		t.Errorf("regex rule = %+v", re)
	}
	ent := and.Rules[2]
	if ent.Type != RuleItemHasKnownEntity || ent.EntityType != EntityPhoneNumber || ent.FilterName != "RedmondPhones" || ent.RegExFilter != `^\(?425` || ent.Highlight != "none" || ent.IgnoreCase {
		t.Errorf("entity rule = %+v", ent)
	}
}

func TestParseVersionOverrides(t *testing.T) {
	m := mustParse(t, "mail-readwritemailbox.xml")
	vo := m.VersionOverrides
	if vo == nil || vo.Type != "VersionOverridesV1_0" || vo.Nested == nil || vo.Nested.Type != "VersionOverridesV1_1" {
		t.Fatalf("VersionOverrides = %+v, want V1_0 containing V1_1", vo)
	}
	if vo.Requirements == nil || !reflect.DeepEqual(vo.Requirements.Sets, []RequirementSet{{Name: "Mailbox", MinVersion: "1.3"}}) {
		t.Errorf("V1_0 requirements = %+v", vo.Requirements)
	}
	if len(vo.Hosts) != 1 || vo.Hosts[0].Type != "MailHost" || len(vo.Hosts[0].ExtensionPoints) != 1 ||
		vo.Hosts[0].ExtensionPoints[0].Type != "MessageReadCommandSurface" || vo.Hosts[0].ExtensionPoints[0].FormFactor != "DesktopFormFactor" {
		t.Errorf("V1_0 hosts = %+v", vo.Hosts)
	}
	if vo.URLs["taskpaneUrl"] != "https://addins.fabrikam.example/taskpane.html" || vo.Images["icon16"] != "https://addins.fabrikam.example/img/icon-16.png" {
		t.Errorf("V1_0 resources: urls=%v images=%v", vo.URLs, vo.Images)
	}

	in := vo.Nested
	if in.Requirements.Sets[0].MinVersion != "1.10" {
		t.Errorf("V1_1 requirement = %+v", in.Requirements)
	}
	host := in.Hosts[0]
	if !reflect.DeepEqual(host.Runtimes, []VORuntime{{Resid: "autorunUrl", Lifetime: "short"}}) {
		t.Errorf("runtimes = %+v", host.Runtimes)
	}
	if len(host.ExtensionPoints) != 2 {
		t.Fatalf("V1_1 extension points = %+v", host.ExtensionPoints)
	}
	le := host.ExtensionPoints[0]
	wantLE := []LaunchEvent{{Type: "OnNewMessageCompose", FunctionName: "onCompose"}, {Type: "OnMessageSend", FunctionName: "onSend"}}
	if le.Type != "LaunchEvent" || le.SourceLocation != "autorunUrl" || !reflect.DeepEqual(le.LaunchEvents, wantLE) {
		t.Errorf("launch event point = %+v", le)
	}
	de := host.ExtensionPoints[1]
	if de.Type != "DetectedEntity" || de.Rules == nil || de.Rules.Rules[1].RegExName != "OrderNumber" {
		t.Errorf("detected entity point = %+v", de)
	}
	if got := vo.LaunchEventTypes(); !slices.Equal(got, []string{"OnMessageSend", "OnNewMessageCompose"}) {
		t.Errorf("LaunchEventTypes = %v", got)
	}
	want := &WebApplicationInfo{ID: "0b9e3c1a-7f45-4d1e-8a2b-55c0e1f2a3b4", Resource: "api://addins.fabrikam.example/0b9e3c1a-7f45-4d1e-8a2b-55c0e1f2a3b4", Scopes: []string{"openid", "Mail.Read"}}
	if !reflect.DeepEqual(in.WebAppInfo, want) {
		t.Errorf("WebApplicationInfo = %+v, want %+v", in.WebAppInfo, want)
	}
	if sets := m.RuleSets(); len(sets) != 2 || len(sets[1]) != 1 || sets[1][0] != de.Rules {
		t.Errorf("RuleSets = %v, want the manifest rule then the V1_1 DetectedEntity rule", sets)
	}
}

func TestParseURLs(t *testing.T) {
	m := mustParse(t, "mail-readwritemailbox.xml")
	want := []URLRef{
		{"IconUrl", "https://addins.fabrikam.example/img/icon-64.png"},
		{"HighResolutionIconUrl", "https://addins.fabrikam.example/img/icon-128.png"},
		{"SupportUrl", "https://support.fabrikam.example/mail"},
		{"AppDomain", "https://login.fabrikam.example"},
		{"AppDomain", "https://crm.fabrikam.example"},
		{"SourceLocation", "https://addins.fabrikam.example/read.html"},
		{"SourceLocation", "https://addins.fabrikam.example/fr/read.html"},
		{"SourceLocation", "https://addins.fabrikam.example/read-tablet.html"},
		{"SourceLocation", "https://addins.fabrikam.example/compose.html"},
		{"Resource", "https://addins.fabrikam.example/functions.html"},
		{"Resource", "https://addins.fabrikam.example/taskpane.html"},
		{"Image", "https://addins.fabrikam.example/img/icon-16.png"},
		{"Resource", "https://addins.fabrikam.example/autorun.js"}, // resources in id order
		{"Resource", "https://addins.fabrikam.example/autorun.html"},
		{"Resource", "https://addins.fabrikam.example/entity.html"},
		{"Resource", "https://addins.fabrikam.example/fr/entity.html"},
	}
	if !reflect.DeepEqual(m.URLs, want) {
		t.Errorf("URLs =\n%v\nwant\n%v", m.URLs, want)
	}
}

func TestParseTaskPaneAndContent(t *testing.T) {
	tp := mustParse(t, "taskpane.xml")
	wantReq := &Requirements{Sets: []RequirementSet{{Name: "ExcelApi", MinVersion: "1.7"}}, Methods: []string{"Document.getSelectedDataAsync"}}
	if !reflect.DeepEqual(tp.Requirements, wantReq) {
		t.Errorf("Requirements = %+v, want %+v", tp.Requirements, wantReq)
	}
	wantSL := []SourceLocation{{Form: "DefaultSettings", URL: "https://pricing.northwind.example/taskpane.html", Overrides: map[string]string{"de-DE": "http://127.0.0.1:8080/de/taskpane.html"}}}
	if !reflect.DeepEqual(tp.SourceLocations, wantSL) {
		t.Errorf("SourceLocations = %+v", tp.SourceLocations)
	}
	if tp.Rules != nil || tp.VersionOverrides != nil {
		t.Errorf("task pane has rules %v / overrides %v", tp.Rules, tp.VersionOverrides)
	}

	c := mustParse(t, "content.xml")
	if len(c.SourceLocations) != 1 || c.SourceLocations[0].URL != "https://chart.adventure-works.example/content.html" {
		t.Errorf("content SourceLocations = %+v", c.SourceLocations)
	}
}

func TestParseOfficeErrors(t *testing.T) {
	const head = `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id>`
	tests := []struct {
		name string
		xml  string
		want string
	}{
		{"no xsi:type", `<OfficeApp><Id>x</Id></OfficeApp>`, "has no xsi:type"},
		{"unknown app type", `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="DictionaryApp"><Id>x</Id></OfficeApp>`, `"DictionaryApp" is unknown`},
		{"no id", `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TaskPaneApp"></OfficeApp>`, "<Id> is missing"},
		{"document tier on mail", head + `<Permissions>ReadDocument</Permissions></OfficeApp>`, "not a mail add-in permission"},
		{"mail tier on task pane", `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TaskPaneApp"><Id>x</Id><Permissions>ReadItem</Permissions></OfficeApp>`, "not a taskpane add-in permission"},
		{"bad highlighting flag", head + `<DisableEntityHighlighting>maybe</DisableEntityHighlighting></OfficeApp>`, "not a boolean"},
		{"other root", `<Manifest/>`, "neither an Office add-in"},
		{"empty", "  \n", "manifest is empty"},
		{"not XML", `this is not a manifest`, "no root element"},
		{"unclosed", `<OfficeApp><Id>x</OfficeApp>`, "not well formed"},
		{"two roots", `<OfficeApp/><OfficeApp/>`, "more than one root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseDefaultsAndEncodings(t *testing.T) {
	const mail = `<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id><DisplayName DefaultValue="Ünïcode"/></OfficeApp>`
	t.Run("missing Permissions means Restricted and Mailbox host", func(t *testing.T) {
		m, err := Parse([]byte(mail))
		if err != nil {
			t.Fatal(err)
		}
		if m.Permission != PermRestricted || !slices.Equal(m.Hosts, []string{"Mailbox"}) {
			t.Errorf("Permission/Hosts = %q/%v", m.Permission, m.Hosts)
		}
	})
	t.Run("UTF-16LE with BOM", func(t *testing.T) {
		m, err := Parse(utf16LE(`<?xml version="1.0" encoding="utf-16"?>` + mail))
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != "Ünïcode" {
			t.Errorf("Name = %q", m.Name)
		}
	})
	t.Run("Windows-1252 declared", func(t *testing.T) {
		data := []byte(`<?xml version="1.0" encoding="windows-1252"?><OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id><DisplayName DefaultValue="caf` + "\xe9" + `"/></OfficeApp>`)
		m, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != "café" {
			t.Errorf("Name = %q", m.Name)
		}
	})
	t.Run("unsupported encoding", func(t *testing.T) {
		_, err := Parse([]byte(`<?xml version="1.0" encoding="ebcdic"?><OfficeApp/>`))
		if err == nil || !strings.Contains(err.Error(), "save the manifest as UTF-8") {
			t.Fatalf("err = %v", err)
		}
	})
}

// utf16LE encodes s as UTF-16LE with a byte-order mark (BMP only, enough for tests).
func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

func TestManifestJSONRoundTrip(t *testing.T) {
	// Other packages store the parsed manifest; what they read back must evaluate the
	// same even though compiled expressions are not stored.
	m := mustParse(t, "mail-readwritemailbox.xml")
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Manifest
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	item := Item{Type: "message", FormType: "Edit", Subject: "fab-123456 broken", Attachments: []string{"log.txt"}, BodyText: "Call (425) 555-0100"}
	a, b := Evaluate(m.Rules, item, EvalOptions{}), Evaluate(back.Rules, item, EvalOptions{})
	if !a.Activates || a.Activates != b.Activates || !reflect.DeepEqual(a.Matches, b.Matches) || !reflect.DeepEqual(a.Entities, b.Entities) {
		t.Errorf("evaluation differs after JSON round trip:\n%+v\n%+v", a, b)
	}
}
