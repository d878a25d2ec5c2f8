package nsfs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// linkNames are the /proc/PID/ns link names in their directory order, written
// out so that a wrong name or order in nsfs fails here.
var linkNames = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

func TestTypeNamesAndRank(t *testing.T) {
	if got := nsfs.TypeNames(); !reflect.DeepEqual(got, linkNames) {
		t.Fatalf("TypeNames() = %q, want %q", got, linkNames)
	}
	seen := map[nsfs.Type]bool{}
	for i, name := range linkNames {
		typ, ok := nsfs.ParseType(name)
		if !ok {
			t.Errorf("ParseType(%q) failed", name)
			continue
		}
		if seen[typ] {
			t.Errorf("ParseType(%q) = %v, a type another name already has", name, typ)
		}
		seen[typ] = true
		if got := typ.String(); got != name {
			t.Errorf("ParseType(%q).String() = %q", name, got)
		}
		if got := typ.Rank(); got != i {
			t.Errorf("%v.Rank() = %d, want %d", typ, got, i)
		}
		if nsfs.AllTypes[i] != typ {
			t.Errorf("AllTypes[%d] = %v, want %v", i, nsfs.AllTypes[i], typ)
		}
		if got, want := typ.Hierarchical(), name == "user" || name == "pid"; got != want {
			t.Errorf("%v.Hierarchical() = %v, want %v", typ, got, want)
		}
	}
}

func TestTypeValuesAreCloneFlags(t *testing.T) {
	// Values from <linux/sched.h>; NS_GET_NSTYPE returns these.
	want := map[nsfs.Type]uint32{
		nsfs.Cgroup: 0x02000000, nsfs.IPC: 0x08000000, nsfs.Mount: 0x00020000, nsfs.Net: 0x40000000,
		nsfs.PID: 0x20000000, nsfs.Time: 0x00000080, nsfs.User: 0x10000000, nsfs.UTS: 0x04000000,
	}
	for typ, flag := range want {
		if uint32(typ) != flag {
			t.Errorf("%v = %#x, want %#x", typ, uint32(typ), flag)
		}
	}
}

func TestParseTypeUnknown(t *testing.T) {
	for _, name := range []string{
		"", " ", "net ", " net", "NET", "Net", "network", "mount", "ns",
		"pid_for_children", "time_for_children", "type(0x40000000)", "net,uts",
	} {
		if typ, ok := nsfs.ParseType(name); ok || typ != 0 {
			t.Errorf("ParseType(%q) = %v, %v; want 0, false", name, typ, ok)
		}
	}
}

func TestTypeStringAndRankUnknown(t *testing.T) {
	for _, tt := range []struct {
		typ  nsfs.Type
		want string
	}{
		{0, "type(0x0)"},
		{1, "type(0x1)"},
		{nsfs.Net | nsfs.UTS, "type(0x44000000)"},
	} {
		if got := tt.typ.String(); got != tt.want {
			t.Errorf("Type(%#x).String() = %q, want %q", uint32(tt.typ), got, tt.want)
		}
		if got := tt.typ.Rank(); got != len(nsfs.AllTypes) {
			t.Errorf("Type(%#x).Rank() = %d, want %d (after every known type)", uint32(tt.typ), got, len(nsfs.AllTypes))
		}
		if tt.typ.Hierarchical() {
			t.Errorf("Type(%#x).Hierarchical() = true", uint32(tt.typ))
		}
	}
}

func TestParseTypeSet(t *testing.T) {
	tests := []struct {
		list string
		want nsfs.TypeSet
	}{
		{"net", nsfs.NewTypeSet(nsfs.Net)},
		{"net,uts", nsfs.NewTypeSet(nsfs.Net, nsfs.UTS)},
		{"uts,net", nsfs.NewTypeSet(nsfs.Net, nsfs.UTS)},
		{" net , uts ", nsfs.NewTypeSet(nsfs.Net, nsfs.UTS)},
		{"net,net", nsfs.NewTypeSet(nsfs.Net)},
		{"user", nsfs.NewTypeSet(nsfs.User)},
		{"cgroup,ipc,mnt,net,pid,time,user,uts", nsfs.AllTypeSet},
	}
	for _, tt := range tests {
		got, err := nsfs.ParseTypeSet(tt.list)
		if err != nil || got != tt.want {
			t.Errorf("ParseTypeSet(%q) = %v, %v; want %v, nil", tt.list, got, err, tt.want)
		}
	}
}

func TestParseTypeSetErrors(t *testing.T) {
	tests := []struct {
		list    string
		mention string // the error must name the offending entry
	}{
		{"", `""`},
		{" ", `" "`},
		{"net,", `""`},
		{",net", `""`},
		{"net,,uts", `""`},
		{"bogus", `"bogus"`},
		{"net,bogus,uts", `"bogus"`},
		{"net uts", `"net uts"`},
		{"NET", `"NET"`},
		{"pid_for_children", `"pid_for_children"`},
	}
	for _, tt := range tests {
		got, err := nsfs.ParseTypeSet(tt.list)
		if err == nil {
			t.Errorf("ParseTypeSet(%q) = %v, want an error", tt.list, got)
			continue
		}
		if got != 0 {
			t.Errorf("ParseTypeSet(%q) failed but returned %v", tt.list, got)
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseTypeSet(%q) error %q does not mention %s", tt.list, err, tt.mention)
		}
	}
}

func TestTypeSet(t *testing.T) {
	tests := []struct {
		set   nsfs.TypeSet
		str   string
		types []nsfs.Type
	}{
		{0, "", nil},
		{nsfs.NewTypeSet(nsfs.UTS, nsfs.Net), "net,uts", []nsfs.Type{nsfs.Net, nsfs.UTS}},
		{nsfs.NewTypeSet(nsfs.User), "user", []nsfs.Type{nsfs.User}},
		{nsfs.NewTypeSet(nsfs.Time, nsfs.Cgroup, nsfs.Mount), "cgroup,mnt,time", []nsfs.Type{nsfs.Cgroup, nsfs.Mount, nsfs.Time}},
		{nsfs.AllTypeSet, "cgroup,ipc,mnt,net,pid,time,user,uts", nsfs.AllTypes},
	}
	for _, tt := range tests {
		if got := tt.set.String(); got != tt.str {
			t.Errorf("TypeSet(%#x).String() = %q, want %q", uint32(tt.set), got, tt.str)
		}
		if got := tt.set.Types(); !reflect.DeepEqual(got, tt.types) {
			t.Errorf("TypeSet(%#x).Types() = %v, want %v", uint32(tt.set), got, tt.types)
		}
		for _, typ := range nsfs.AllTypes {
			want := false
			for _, member := range tt.types {
				want = want || member == typ
			}
			if got := tt.set.Has(typ); got != want {
				t.Errorf("TypeSet(%q).Has(%v) = %v, want %v", tt.str, typ, got, want)
			}
		}
		if tt.set != 0 {
			if back, err := nsfs.ParseTypeSet(tt.set.String()); err != nil || back != tt.set {
				t.Errorf("ParseTypeSet(%q) = %v, %v; want %v", tt.set.String(), back, err, tt.set)
			}
		}
	}
}

func TestID(t *testing.T) {
	if !(nsfs.ID{}).IsZero() {
		t.Error("zero ID: IsZero() = false")
	}
	for _, id := range []nsfs.ID{{Dev: 4}, {Ino: 1}} {
		if id.IsZero() {
			t.Errorf("%v.IsZero() = true", id)
		}
	}
	if got := (nsfs.ID{Dev: 4, Ino: 4026531837}).String(); got != "{4 4026531837}" {
		t.Errorf("ID.String() = %q, want %q", got, "{4 4026531837}")
	}
	// Ordered by inode first, then device.
	ordered := []nsfs.ID{{Dev: 9, Ino: 1}, {Dev: 1, Ino: 2}, {Dev: 2, Ino: 2}, {Dev: 0, Ino: 3}}
	for i, a := range ordered {
		for j, b := range ordered {
			if got := a.Less(b); got != (i < j) {
				t.Errorf("%v.Less(%v) = %v, want %v", a, b, got, i < j)
			}
		}
	}
}
