//go:build windows

package localapi

// descriptorLimit: Windows has no per-process descriptor limit like RLIMIT_NOFILE (a
// process may hold about 16 million handles; Microsoft, "Pushing the Limits of Windows:
// Handles"), so only the configured connection limits apply.
func descriptorLimit() int { return 0 }
