package dot

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
)

func TestWorkloadLabelsGolden(t *testing.T) {
	got := render(t, nstest.WorkloadModel(), model.View{})
	if strings.Contains(got, "\x1b") {
		t.Error("an untrusted name reached the DOT text unescaped")
	}
	golden(t, filepath.Join("testdata", "workloads.golden"), got)
}
