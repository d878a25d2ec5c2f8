package cli

import (
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
)

// buildVersion says which build of namespaces_of this is, from the Go build
// information: `go install ...@v1.2.3` stamps the module version, a build in
// a git checkout also the revision (with -buildvcs, the default outside this
// repository's go env), a pseudo-version names its revision itself.
type buildVersion struct {
	Module   string // module version, "(devel)" when unknown
	Revision string // VCS revision, "" when unknown
	Modified bool   // built from a checkout with uncommitted changes
	Go       string // toolchain
}

// A pseudo-version ends in a timestamp and a 12-digit revision prefix:
// v0.0.0-20261130152650-19369d1abcde, v1.2.4-0.20261130152650-19369d1abcde.
var pseudoVersionRevision = regexp.MustCompile(`[-.][0-9]{14}-([0-9a-f]{12})(?:\+.*)?$`)

func readBuildVersion() buildVersion {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return buildVersion{Module: "(devel)", Go: runtime.Version()}
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) buildVersion {
	v := buildVersion{Module: "(devel)", Go: info.GoVersion}
	if info.Main.Version != "" {
		v.Module = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	if m := pseudoVersionRevision.FindStringSubmatch(v.Module); m != nil && v.Revision == "" {
		v.Revision = m[1]
	}
	return v
}

// writeVersion prints the answer to --version.
func writeVersion(w io.Writer, v buildVersion) {
	fmt.Fprintf(w, "namespaces_of %s\n", v.Module)
	switch {
	case v.Revision == "":
		fmt.Fprintln(w, "revision unknown (built without version control information)")
	case v.Modified:
		fmt.Fprintf(w, "revision %s with uncommitted changes\n", v.Revision)
	default:
		fmt.Fprintf(w, "revision %s\n", v.Revision)
	}
	fmt.Fprintf(w, "built with %s\n", v.Go)
}

// toolVersion is the version written into JSON documents and metrics.
func toolVersion() string { return readBuildVersion().Module }
