//go:build tools

// Keeps the pinned tool's main package in this wrapper module's build list so
// `go build oras.land/oras/cmd/oras` resolves it from go.mod/go.sum (see scripts/install-go-tool.sh).
package tools

import _ "oras.land/oras/cmd/oras"
