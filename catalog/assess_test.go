package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"addingov/governance"
	"addingov/manifest"
	"addingov/permissions"
)

func mustParse(t testing.TB, data []byte) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(data)
	if err != nil {
		t.Fatalf("parse test manifest: %v", err)
	}
	return m
}

func refusedPolicies(r Report) []string {
	var out []string
	for _, ref := range r.RefusedBy {
		out = append(out, ref.Policy)
	}
	return out
}

func problemRules(r Report) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Rule)
	}
	return out
}

func TestAssessCorpusUnderDefaults(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := Assess(mustParse(t, data), Policy{}, AssessOptions{ForInstall: true})
			if len(r.RefusedBy) != 0 || r.AllowedByPolicy != (len(r.Problems) == 0) {
				t.Errorf("default policy refuses it: %+v (problems %+v, allowed %v)", r.RefusedBy, r.Problems, r.AllowedByPolicy)
			}
			if r.Kind == "" || r.Model == "" {
				t.Fatalf("kind %q model %q: want both", r.Kind, r.Model)
			}
			if r.Model == permissions.KindSharePoint {
				if r.Tier != "" {
					t.Errorf("SharePoint add-in has tier %q", r.Tier)
				}
				if len(r.Rights) != len(slices.Compact(slices.Clone(r.Rights))) {
					t.Errorf("rights repeat: %v", r.Rights)
				}
			} else if r.Tier == "" {
				t.Error("mail or document add-in without a tier")
			}
			if len(r.Can) == 0 {
				t.Error("no plain words")
			}
		})
	}
}

func TestAssessReadWriteMailboxSaysSendAsYou(t *testing.T) {
	r := Assess(mustParse(t, mailManifest("rwm", "ReadWriteMailbox", "", "https://contoso.example/a.html")), Policy{}, AssessOptions{})
	joined := strings.Join(r.Can, "\n")
	if !strings.Contains(joined, "including sending mail as you") {
		t.Errorf("words for ReadWriteMailbox do not say it can send as you:\n%s", joined)
	}
	if r.Tier != "ReadWriteMailbox" || r.Model != permissions.KindMail || r.Kind != "mail" {
		t.Errorf("tier %q model %q kind %q", r.Tier, r.Model, r.Kind)
	}
}

func TestAssessRules(t *testing.T) {
	https := "https://contoso.example/a.html"
	tests := []struct {
		name         string
		manifest     []byte
		policy       Policy
		opts         AssessOptions
		wantRefused  []string
		wantProblems []string
	}{
		{"defaults allow a mail add-in", mailManifest("m1", "ReadItem", "", https), Policy{}, AssessOptions{ForInstall: true}, nil, nil},
		{"BlockUserInstalls refuses a user install", mailManifest("m1", "ReadItem", "", https),
			Policy{BlockUserInstalls: true}, AssessOptions{Scope: ScopeUser, ForInstall: true}, []string{PolicyBlockUserInstalls}, nil},
		{"BlockUserInstalls leaves machine installs alone", mailManifest("m1", "ReadItem", "", https),
			Policy{BlockUserInstalls: true}, AssessOptions{Scope: ScopeMachine, ForInstall: true}, nil, nil},
		{"BlockUserInstalls does not concern an installed add-in's report", mailManifest("m1", "ReadItem", "", https),
			Policy{BlockUserInstalls: true}, AssessOptions{Scope: ScopeUser}, nil, nil},
		{"managed list 0 blocks", mailManifest("m1", "ReadItem", "", https),
			Policy{Managed: map[string]governance.ManagedMode{"M1": governance.ManagedBlocked}}, AssessOptions{}, []string{PolicyManagedAddins}, nil},
		{"managed list 2 allows", mailManifest("m1", "ReadItem", "", https),
			Policy{Managed: map[string]governance.ManagedMode{"m1": governance.ManagedUserDecides}, BlockUnmanaged: true}, AssessOptions{}, nil, nil},
		{"BlockUnmanagedAddins refuses an unlisted add-in", mailManifest("m1", "ReadItem", "", https),
			Policy{Managed: map[string]governance.ManagedMode{"other": governance.ManagedAlwaysEnabled}, BlockUnmanaged: true}, AssessOptions{}, []string{PolicyBlockUnmanagedAddins}, nil},
		{"BlockUnmanagedAddins needs a list with entries", mailManifest("m1", "ReadItem", "", https),
			Policy{BlockUnmanaged: true}, AssessOptions{}, nil, nil},
		{"MaxMailPermission refuses a higher tier", mailManifest("m1", "ReadWriteMailbox", "", https),
			Policy{Caps: permissions.Caps{MaxMailPermission: "ReadItem"}}, AssessOptions{}, []string{permissions.PolicyMaxMailPermission}, nil},
		{"MaxMailPermission allows its own tier", mailManifest("m1", "ReadItem", "", https),
			Policy{Caps: permissions.Caps{MaxMailPermission: "ReadItem"}}, AssessOptions{}, nil, nil},
		{"MaxDocumentPermission is a lattice", docManifest("d1", "WriteDocument"),
			Policy{Caps: permissions.Caps{MaxDocumentPermission: "ReadAllDocument"}}, AssessOptions{}, []string{permissions.PolicyMaxDocumentPermission}, nil},
		{"BlockedSharePointRights covers child scopes", spManifest("{s1}", false, `<AppPermissionRequest Scope="`+spList+`" Right="Write"/>`),
			Policy{Caps: permissions.Caps{BlockedSharePointRights: []string{spWeb + ":Write"}}}, AssessOptions{}, []string{permissions.PolicyBlockedSharePointRights}, nil},
		{"Restricted with a regular expression rule", mailManifest("m1", "Restricted", regexRule, https),
			Policy{}, AssessOptions{}, nil, []string{ProblemRestrictedRules}},
		{"Restricted with an attachment rule", mailManifest("m1", "Restricted", attachRule, https),
			Policy{}, AssessOptions{}, nil, []string{ProblemRestrictedRules}},
		{"ReadItem may use regular expressions", mailManifest("m1", "ReadItem", regexRule, https),
			Policy{}, AssessOptions{}, nil, nil},
		{"plain http is a manifest problem", mailManifest("m1", "ReadItem", "", "http://contoso.example/a.html"),
			Policy{AllowLoopbackSideload: true}, AssessOptions{}, nil, []string{ProblemPlainHTTP}},
		{"loopback http needs AllowLoopbackSideload", mailManifest("m1", "ReadItem", "", "http://localhost:3000/a.html"),
			Policy{}, AssessOptions{}, []string{PolicyAllowLoopbackSideload}, nil},
		{"AllowLoopbackSideload allows loopback http", mailManifest("m1", "ReadItem", "", "http://127.0.0.1:3000/a.html"),
			Policy{AllowLoopbackSideload: true}, AssessOptions{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Assess(mustParse(t, tt.manifest), tt.policy, tt.opts)
			if got := refusedPolicies(r); !slices.Equal(got, tt.wantRefused) {
				t.Errorf("refused by %v, want %v (%+v)", got, tt.wantRefused, r.RefusedBy)
			}
			if got := problemRules(r); !slices.Equal(got, tt.wantProblems) {
				t.Errorf("problems %v, want %v (%+v)", got, tt.wantProblems, r.Problems)
			}
			if r.AllowedByPolicy != (len(tt.wantRefused) == 0 && len(tt.wantProblems) == 0) || r.AllowedByPolicy != r.Installable() {
				t.Errorf("allowed_by_policy = %v with refusals %v and problems %v", r.AllowedByPolicy, r.RefusedBy, r.Problems)
			}
			for _, ref := range r.RefusedBy {
				if ref.Value == "" || ref.Asked == "" || !strings.Contains(ref.Reason, ref.Policy) {
					t.Errorf("refusal does not name its policy, value and what was asked: %+v", ref)
				}
			}
		})
	}
}

func TestAssessSharePointScopesRightsAndIgnored(t *testing.T) {
	m := mustParse(t, spManifest("{s2}", true, `
		<AppPermissionRequest Scope="`+spWeb+`" Right="Read"/>
		<AppPermissionRequest Scope="`+spList+`" Right="Write"><Property Name="BaseTemplateId" Value="101"/></AppPermissionRequest>
		<AppPermissionRequest Scope="http://sharepoint/content/farm" Right="Read"/>`))
	r := Assess(m, Policy{}, AssessOptions{})
	if want := []string{spWeb, spList}; !slices.Equal(r.Scopes, want) {
		t.Errorf("scopes %v, want %v", r.Scopes, want)
	}
	if want := []string{spWeb + ":Read", spList + ":Write"}; !slices.Equal(r.Rights, want) {
		t.Errorf("rights %v, want %v", r.Rights, want)
	}
	if len(r.Ignored) != 1 || r.Ignored[0].Scope != "http://sharepoint/content/farm" || r.Ignored[0].Reason == "" {
		t.Errorf("ignored = %+v, want the farm request with a reason", r.Ignored)
	}
	if !r.AllowAppOnly || !strings.Contains(strings.Join(r.Can, "\n"), "app-only") {
		t.Errorf("app-only not reported: %v %q", r.AllowAppOnly, r.Can)
	}
}

func TestConsentNeeded(t *testing.T) {
	mail := func(tier string) permissions.PermissionRequest {
		return permissions.PermissionRequest{Kind: permissions.KindMail, Tier: tier}
	}
	sp := func(appOnly bool, entries ...string) permissions.PermissionRequest {
		r := permissions.PermissionRequest{Kind: permissions.KindSharePoint, AllowAppOnly: appOnly}
		for _, e := range entries {
			scope, right, _ := strings.Cut(e, "|")
			r.SharePoint = append(r.SharePoint, permissions.Request{Scope: scope, Right: right})
		}
		return r
	}
	tests := []struct {
		name string
		old  *permissions.PermissionRequest
		new  permissions.PermissionRequest
		want bool
	}{
		{"new add-in", nil, mail("Restricted"), true},
		{"same tier", ptr(mail("ReadItem")), mail("ReadItem"), false},
		{"lower tier", ptr(mail("ReadWriteItem")), mail("ReadItem"), false},
		{"higher tier", ptr(mail("ReadItem")), mail("ReadWriteMailbox"), true},
		{"kind change", ptr(mail("ReadItem")), permissions.PermissionRequest{Kind: permissions.KindDocument, Tier: "Restricted"}, true},
		{"SharePoint narrower", ptr(sp(false, spWeb+"|Write")), sp(false, spList+"|Read"), false},
		{"SharePoint wider", ptr(sp(false, spList+"|Read")), sp(false, spWeb+"|Read"), true},
		{"SharePoint newly app-only", ptr(sp(false, spWeb+"|Read")), sp(true, spWeb+"|Read"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := ConsentNeeded(tt.old, tt.new)
			if got != tt.want || why == "" {
				t.Errorf("ConsentNeeded = %v (%q), want %v with a reason", got, why, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseUserRights(t *testing.T) {
	tests := []struct {
		in      string
		want    []UserRight
		wantErr bool
	}{
		{"", nil, false},
		{spWeb + ":Manage", []UserRight{{Scope: spWeb, Right: "Manage"}}, false},
		{spList + ":write@list-1, " + spTenant + ":Read", []UserRight{{Scope: spList, Right: "Write", ObjectID: "list-1"}, {Scope: spTenant, Right: "Read"}}, false},
		{"http://sharepoint/content/farm:Read", nil, true},
		{"Manage", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseUserRights(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestActivationRulesFallsBackToVersionOverrides(t *testing.T) {
	data := []byte(`<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>vo</Id><Permissions>ReadItem</Permissions>` +
		`<VersionOverrides xsi:type="VersionOverridesV1_0"><Hosts><Host xsi:type="MailHost"><DesktopFormFactor>` +
		`<ExtensionPoint xsi:type="DetectedEntity"><Rule xsi:type="ItemHasKnownEntity" EntityType="Url"/></ExtensionPoint>` +
		`<ExtensionPoint xsi:type="DetectedEntity"><Rule xsi:type="ItemIs" ItemType="Appointment"/></ExtensionPoint>` +
		`</DesktopFormFactor></Host></Hosts></VersionOverrides></OfficeApp>`)
	m := mustParse(t, data)
	r := activationRules(m)
	if r == nil || r.Type != manifest.RuleCollection || r.Mode != "Or" || len(r.Rules) != 2 {
		t.Fatalf("rules = %+v, want an Or of the two extension points' rules", r)
	}
	res := manifest.Evaluate(r, manifest.Item{Type: "appointment"}, manifest.EvalOptions{})
	if !res.Activates {
		t.Errorf("an appointment should activate through the second extension point: %s", res.Reason)
	}
}
