package nsjson

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsjson/schema"
)

// TestWorkloadsRoundTrip: the workloads and every reference to them
// survive Encode and Decode, and the document is valid against the schema.
func TestWorkloadsRoundTrip(t *testing.T) {
	m := nstest.WorkloadModel()
	var buf bytes.Buffer
	if err := Encode(&buf, m, model.View{}); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "workloads.golden.json"), buf.Bytes())
	if err := schema.Validate(buf.Bytes()); err != nil {
		t.Errorf("schema rejects the document: %v", err)
	}
	back, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !back.WorkloadsScanned || !reflect.DeepEqual(back.Workloads, m.Workloads) {
		t.Errorf("workloads differ after a round trip:\n got %+v\nwant %+v", back.Workloads, m.Workloads)
	}
	for id, ns := range m.Namespaces {
		if got := back.Namespaces[id]; !reflect.DeepEqual(got.Workloads, ns.Workloads) || !reflect.DeepEqual(got.Holders, ns.Holders) {
			t.Errorf("%v: refs %v holders %+v, want %v %+v", id, got.Workloads, got.Holders, ns.Workloads, ns.Holders)
		}
	}
	var again bytes.Buffer
	if err := Encode(&again, back, model.View{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("encoding the decoded model gives different bytes")
	}
}

// TestNoWorkloadKeysWithoutScan: a scan without workloads writes none of
// the workload keys, so documents stay as they were.
func TestNoWorkloadKeysWithoutScan(t *testing.T) {
	m := nstest.WorkloadModel()
	m.WorkloadsScanned = false
	var buf bytes.Buffer
	if err := Encode(&buf, m, model.View{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(`"workload`)) {
		t.Error("workload keys written for a scan without workloads")
	}
}
