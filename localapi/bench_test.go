//go:build !windows

package localapi

import (
	"context"
	"testing"
)

// BenchmarkStatusOverSocket is one API round trip over the real Unix socket, with
// peer-credential lookup, routing and JSON both ways.
func BenchmarkStatusOverSocket(b *testing.B) {
	c, _ := startServer(b, newFakeBackend())
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Status(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkActivationOverSocket is a host's activation report (POST with a body).
func BenchmarkActivationOverSocket(b *testing.B) {
	c, _ := startServer(b, newFakeBackend())
	ctx := context.Background()
	req := ActivationRequest{AddinID: "contoso-crm", PID: 1}
	for b.Loop() {
		if _, err := c.StartActivation(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
