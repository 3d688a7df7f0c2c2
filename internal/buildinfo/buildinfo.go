// Package buildinfo reports the version of the running binary.
package buildinfo

import "runtime/debug"

// Version is set at link time: -ldflags "-X github.com/grimbots/grimbots/internal/buildinfo.Version=v1.2.3".
var Version = "dev"

// Commit returns the VCS revision recorded by the Go toolchain, if any.
func Commit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
