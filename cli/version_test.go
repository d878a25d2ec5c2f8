package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "19369d1abcde0123456789abcdef0123456789ab"
	tests := []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"checkout", "v0.0.0-20261130152650-19369d1abcde", vcs(rev, "false"),
			"namespaces_of v0.0.0-20261130152650-19369d1abcde\nrevision " + rev + "\nbuilt with go1.26.8\n"},
		{"dirty checkout", "v0.0.0-20261130152650-19369d1abcde+dirty", vcs(rev, "true"),
			"namespaces_of v0.0.0-20261130152650-19369d1abcde+dirty\nrevision " + rev + " with uncommitted changes\nbuilt with go1.26.8\n"},
		{"go install of a pseudo-version", "v1.2.4-0.20261130152650-19369d1abcde", nil,
			"namespaces_of v1.2.4-0.20261130152650-19369d1abcde\nrevision 19369d1abcde\nbuilt with go1.26.8\n"},
		{"go install of a tag", "v1.2.3", nil,
			"namespaces_of v1.2.3\nrevision unknown (built without version control information)\nbuilt with go1.26.8\n"},
		{"no version control", "(devel)", nil,
			"namespaces_of (devel)\nrevision unknown (built without version control information)\nbuilt with go1.26.8\n"},
		{"no module version", "", nil,
			"namespaces_of (devel)\nrevision unknown (built without version control information)\nbuilt with go1.26.8\n"},
	}
	for _, tt := range tests {
		info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/namespaces-of/namespaces_of", Version: tt.version}, Settings: tt.settings}
		var b strings.Builder
		writeVersion(&b, versionOf(info))
		if b.String() != tt.want {
			t.Errorf("%s: --version printed\n%s\nwant\n%s", tt.name, b.String(), tt.want)
		}
	}
}
