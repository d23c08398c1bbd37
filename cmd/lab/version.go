package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are stamped by .ci/release:
//
//	go build -ldflags "-X main.version=v0.3.0 -X main.commit=<hash>" ./cmd/lab
//
// A plain `go build` or `go install` inside a clone leaves them unset, and
// the commit comes from the build information Go records (vcs.revision).
var (
	version = "dev"
	commit  = ""
)

// versionLine is what `lab version` prints:
//
//	lab v0.3.0 (commit 1a2b3c4d5e6f, go1.26.0 linux/amd64)
func versionLine() string {
	c, dirty := commit, false
	if bi, ok := debug.ReadBuildInfo(); ok && c == "" {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				c = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if dirty {
		c += "+changes"
	}
	return fmt.Sprintf("lab %s (commit %s, %s %s/%s)", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
