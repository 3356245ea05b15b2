//go:build !windows

package cli

import "addingov/office"

// officeRegistry is nil off Windows: Office's registrations live in its registry.
func officeRegistry() office.Registry { return nil }
