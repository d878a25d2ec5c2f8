package procfs_test

import (
	"strconv"
	"testing"

	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

func TestParseNSLinkEveryType(t *testing.T) {
	// The link names as /proc/PID/ns shows them; written out rather than
	// taken from nsfs so that a wrong name in nsfs fails here.
	want := map[string]nsfs.Type{
		"cgroup": nsfs.Cgroup, "ipc": nsfs.IPC, "mnt": nsfs.Mount, "net": nsfs.Net,
		"pid": nsfs.PID, "time": nsfs.Time, "user": nsfs.User, "uts": nsfs.UTS,
	}
	if len(want) != len(nsfs.AllTypes) {
		t.Fatalf("test knows %d types, nsfs.AllTypes has %d", len(want), len(nsfs.AllTypes))
	}
	for name, wantType := range want {
		target := name + ":[4026531833]"
		typ, ino, ok := procfs.ParseNSLink([]byte(target))
		if !ok || typ != wantType || ino != 4026531833 {
			t.Errorf("ParseNSLink(%q) = %v, %d, %v; want %v, 4026531833, true", target, typ, ino, ok, wantType)
		}
	}
}

func TestParseNSLink(t *testing.T) {
	tests := []struct {
		target string
		typ    nsfs.Type
		ino    uint64
		ok     bool
	}{
		{"net:[4026531833]", nsfs.Net, 4026531833, true},
		{"mnt:[4026531832]", nsfs.Mount, 4026531832, true},
		{"user:[1]", nsfs.User, 1, true},
		{"net:[18446744073709551615]", nsfs.Net, 18446744073709551615, true}, // max uint64

		// Things an fd or link can point at that are not namespaces.
		{"socket:[12]", 0, 0, false},
		{"pipe:[3]", 0, 0, false},
		{"anon_inode:[eventfd]", 0, 0, false},
		{"anon_inode:[pidfd]", 0, 0, false},
		{"/dev/null", 0, 0, false},
		{"/proc/1/ns/net", 0, 0, false},
		{"bogus:[1]", 0, 0, false},
		{"pid_for_children:[1]", 0, 0, false}, // a link name, never a target

		// Malformed namespace targets.
		{"", 0, 0, false},
		{":[1]", 0, 0, false},
		{"net", 0, 0, false},
		{"net:", 0, 0, false},
		{"net:[", 0, 0, false},
		{"net:[]", 0, 0, false},
		{"net:[-1]", 0, 0, false},
		{"net:[+1]", 0, 0, false},
		{"net:[18446744073709551616]", 0, 0, false}, // max uint64 + 1
		{"net:[12", 0, 0, false},
		{"net:12]", 0, 0, false},
		{"net[12]", 0, 0, false},
		{"net:[12]x", 0, 0, false},
		{"net:[12]\n", 0, 0, false},
		{"net:[12]]", 0, 0, false},
		{"net:[[12]", 0, 0, false},
		{"net:[ 12]", 0, 0, false},
		{"net:[12 ]", 0, 0, false},
		{"net:[0x10]", 0, 0, false},
		{"net:[1_000]", 0, 0, false},
		{"net:[eventfd]", 0, 0, false},
		{"NET:[12]", 0, 0, false},
		{" net:[12]", 0, 0, false},
		{"net :[12]", 0, 0, false},
	}
	for _, tt := range tests {
		typ, ino, ok := procfs.ParseNSLink([]byte(tt.target))
		if typ != tt.typ || ino != tt.ino || ok != tt.ok {
			t.Errorf("ParseNSLink(%q) = %v, %d, %v; want %v, %d, %v", tt.target, typ, ino, ok, tt.typ, tt.ino, tt.ok)
		}
	}
}

func FuzzParseNSLink(f *testing.F) {
	for _, seed := range []string{
		"net:[4026531833]", "user:[4026531837]", "time:[4026531834]",
		"socket:[12]", "pipe:[3]", "anon_inode:[eventfd]", "/dev/null",
		"net:[]", "net:[-1]", "net:[+1]", "net:[18446744073709551616]", "net:[12", "bogus:[1]",
		"net:[007]", ":[1]", "net:[0]", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, target []byte) {
		typ, ino, ok := procfs.ParseNSLink(target)
		if !ok {
			if typ != 0 || ino != 0 {
				t.Fatalf("ParseNSLink(%q) failed but returned %v, %d", target, typ, ino)
			}
			return
		}
		if typ.Rank() >= len(nsfs.AllTypes) {
			t.Fatalf("ParseNSLink(%q) returned unknown type %v", target, typ)
		}
		canonical := typ.String() + ":[" + strconv.FormatUint(ino, 10) + "]"
		typ2, ino2, ok2 := procfs.ParseNSLink([]byte(canonical))
		if !ok2 || typ2 != typ || ino2 != ino {
			t.Fatalf("ParseNSLink(%q) = %v, %d; its canonical form %q parses to %v, %d, %v",
				target, typ, ino, canonical, typ2, ino2, ok2)
		}
	})
}
