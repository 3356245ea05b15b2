package manifest

import (
	"slices"
	"testing"
)

func TestPlainHTTPURLs(t *testing.T) {
	m := &Manifest{URLs: []URLRef{
		{"SourceLocation", "https://secure.example/a.html"},
		{"SourceLocation", "http://plain.example/a.html"},
		{"Resource", "HTTP://SHOUTING.example/b.html"},
		{"SupportUrl", "http://localhost:3000/help"},
		{"SupportUrl", "http://LocalHost/help"},
		{"Resource", "http://127.0.0.1:8080/x"},
		{"Resource", "http://127.8.9.10/x"},
		{"Resource", "http://[::1]:8443/x"},
		{"AppDomain", "http://plain.example/a.html"}, // repeat under another kind
		{"Resource", "~remoteAppUrl/page.html"},
		{"Icon", "assets/icon.png"},
		{"Resource", "http://localhost.evil.example/x"},
		{"Resource", "http://[::1"},
		{"Resource", "httpx://odd.example"},
	}}
	tests := []struct {
		name          string
		allowLoopback bool
		want          []string
	}{
		{"everything plain", false, []string{
			"http://plain.example/a.html", "HTTP://SHOUTING.example/b.html", "http://localhost:3000/help", "http://LocalHost/help",
			"http://127.0.0.1:8080/x", "http://127.8.9.10/x", "http://[::1]:8443/x", "http://localhost.evil.example/x", "http://[::1",
		}},
		{"loopback allowed", true, []string{
			"http://plain.example/a.html", "HTTP://SHOUTING.example/b.html", "http://localhost.evil.example/x", "http://[::1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.PlainHTTPURLs(tt.allowLoopback); !slices.Equal(got, tt.want) {
				t.Errorf("PlainHTTPURLs(%v) =\n%q\nwant\n%q", tt.allowLoopback, got, tt.want)
			}
		})
	}
}

func TestPlainHTTPURLsFromFixtures(t *testing.T) {
	tests := []struct {
		file          string
		allowLoopback bool
		want          []string
	}{
		{"mail-readwritemailbox.xml", false, nil},
		{"mail-restricted-regex.xml", true, []string{"http://tracker.contoso.example/read.html"}},
		{"taskpane.xml", false, []string{"http://localhost:3000/support", "http://legacy.northwind.example", "http://127.0.0.1:8080/de/taskpane.html"}},
		{"taskpane.xml", true, []string{"http://legacy.northwind.example"}},
		{"unified-mail.manifest.json", true, []string{"http://cdn.tailspin.example"}},
		{"sharepoint-list.AppManifest.xml", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := mustParse(t, tt.file).PlainHTTPURLs(tt.allowLoopback); !slices.Equal(got, tt.want) {
				t.Errorf("PlainHTTPURLs(%v) = %q, want %q", tt.allowLoopback, got, tt.want)
			}
		})
	}
}
