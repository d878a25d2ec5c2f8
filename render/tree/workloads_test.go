package tree

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// TestWorkloadsGolden renders the synthetic workload model with
// Options.Workloads: one label per workload, a count per engine where many
// share a namespace, the engine's bind mount named, untrusted names
// escaped.
func TestWorkloadsGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, nstest.WorkloadModel(), Options{Workloads: true, Holders: true, Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b") {
		t.Errorf("an untrusted name reached the terminal unescaped:\n%s", out)
	}
	nstest.Golden(t, filepath.Join("testdata", "workloads.golden"), buf.Bytes(), *update)

	// Without the option, nothing about workloads is printed.
	buf.Reset()
	if err := Render(&buf, nstest.WorkloadModel(), Options{Holders: true, Width: 80}); err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"docker web", "pod ", "systemd ", "made for", "workloads:"} {
		if strings.Contains(buf.String(), word) {
			t.Errorf("without Workloads the tree mentions %q:\n%s", word, buf.String())
		}
	}
}
