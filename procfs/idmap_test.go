package procfs_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/procfs"
)

func TestParseIDMap(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []procfs.IDRange
	}{
		// The kernel pads each column to 10 characters.
		{"initial namespace", "         0          0 4294967295\n",
			[]procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}},
		{"rootless container", "         0       1000          1\n         1     100000      65536\n",
			[]procfs.IDRange{{0, 1000, 1}, {1, 100000, 65536}}},
		{"no trailing newline", "0 1000 1", []procfs.IDRange{{0, 1000, 1}}},
		{"tabs and blank lines", "\n0\t1000\t1\n\n  1 2 3  \n", []procfs.IDRange{{0, 1000, 1}, {1, 2, 3}}},
		{"max values", "4294967295 4294967295 4294967295\n", []procfs.IDRange{{4294967295, 4294967295, 4294967295}}},
		{"leading zeros", "007 010 1\n", []procfs.IDRange{{7, 10, 1}}},
		{"empty (map not written yet)", "", []procfs.IDRange{}},
		{"only whitespace", "\n \n\t\n", []procfs.IDRange{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procfs.ParseIDMap([]byte(tt.data))
			if err != nil {
				t.Fatalf("ParseIDMap(%q): %v", tt.data, err)
			}
			if got == nil {
				t.Fatalf("ParseIDMap(%q) = nil, want a non-nil slice", tt.data)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseIDMap(%q) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

func TestParseIDMapErrors(t *testing.T) {
	for _, data := range []string{
		"0 0\n",                      // too few fields
		"0 0 1 2\n",                  // too many fields
		"0\n",                        // one field
		"0 0 1\n1 2\n",               // a bad second line spoils the map
		"0 0 4294967296\n",           // count out of range
		"4294967296 0 1\n",           // inside out of range
		"0 99999999999999999999 1\n", // outside far out of range
		"-1 0 1\n",                   // negative
		"+1 0 1\n",                   // explicit sign
		"0x0 0 1\n",                  // hex
		"a b c\n",                    // not numbers
		"0 0 1_0\n",                  // digit separators
	} {
		got, err := procfs.ParseIDMap([]byte(data))
		if err == nil {
			t.Errorf("ParseIDMap(%q) = %v, want an error", data, got)
		} else if got != nil {
			t.Errorf("ParseIDMap(%q) failed (%v) but returned %v", data, err, got)
		}
	}
}

func FuzzParseIDMap(f *testing.F) {
	for _, seed := range []string{
		"         0          0 4294967295\n",
		"         0       1000          1\n         1     100000      65536\n",
		"",
		"0 0\n",
		"0 0 4294967296\n",
		"\n0\t1\t2\n\n",
		"1 2 3",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ranges, err := procfs.ParseIDMap(data)
		if err != nil {
			if ranges != nil {
				t.Fatalf("ParseIDMap(%q) failed (%v) but returned %v", data, err, ranges)
			}
			return
		}
		if ranges == nil {
			t.Fatalf("ParseIDMap(%q) succeeded with a nil slice", data)
		}
		var canonical strings.Builder
		for _, r := range ranges {
			fmt.Fprintf(&canonical, "%d %d %d\n", r.Inside, r.Outside, r.Count)
		}
		again, err := procfs.ParseIDMap([]byte(canonical.String()))
		if err != nil {
			t.Fatalf("ParseIDMap(%q) = %v; canonical form %q fails: %v", data, ranges, canonical.String(), err)
		}
		if !reflect.DeepEqual(again, ranges) {
			t.Fatalf("ParseIDMap(%q) = %v; canonical form %q parses to %v", data, ranges, canonical.String(), again)
		}
	})
}
