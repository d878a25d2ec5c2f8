package list

import (
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
)

func TestWorkloadColumnsGolden(t *testing.T) {
	cols := append([]Column{NS, Type}, WorkloadColumns...)
	got := render(t, nstest.WorkloadModel(), model.View{}, Options{Columns: cols})
	got += render(t, nstest.WorkloadModel(), model.View{}, Options{Columns: cols, Raw: true})
	golden(t, "workloads", got)
}
