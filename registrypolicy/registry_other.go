//go:build !windows

package registrypolicy

import "github.com/rs/zerolog"

// NewRegistryProvider fails outside Windows with ErrNoRegistry.
func NewRegistryProvider(zerolog.Logger, ...Option) (*Provider, error) { return nil, ErrNoRegistry }
