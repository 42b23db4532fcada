//go:build tools

// Keeps the pinned tool's main package in this wrapper module's build list so
// `go build github.com/distribution/distribution/v3/cmd/registry` resolves it from go.mod/go.sum (see scripts/install-go-tool.sh).
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
