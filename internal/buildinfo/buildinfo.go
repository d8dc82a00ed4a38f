// Package buildinfo says which leakwatch this is: the version given at
// build time (-ldflags "-X leakwatch/internal/buildinfo.version=v1.2.3",
// as the Makefile does), else the module version or the VCS revision Go
// recorded in the binary, and the toolchain and platform it was built for.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set at build time; "" reads the binary's build info.
var version = ""

// Info is this binary's build.
type Info struct {
	Version   string `json:"version"`            // v1.2.3, or devel+<revision>[-dirty], or devel
	Revision  string `json:"revision,omitempty"` // the VCS commit it was built from
	Time      string `json:"time,omitempty"`     // that commit's time (RFC 3339)
	Modified  bool   `json:"modified,omitempty"` // built from a work tree with uncommitted changes
	GoVersion string `json:"go_version"`         // the toolchain
	Platform  string `json:"platform"`           // GOOS/GOARCH
}

// Get returns this binary's build.
func Get() Info {
	in := Info{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
			case "vcs.time":
				in.Time = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if in.Version != "" {
		return in
	}
	switch {
	case ok && bi.Main.Version != "" && bi.Main.Version != "(devel)":
		in.Version = bi.Main.Version // go install leakwatch/cmd/watcher@v1.2.3
	case in.Revision != "":
		in.Version = "devel+" + short(in.Revision)
		if in.Modified {
			in.Version += "-dirty"
		}
	default:
		in.Version = "devel"
	}
	return in
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
