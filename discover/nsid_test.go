package discover_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// nsidKernelAtLeast reports whether the running kernel is at least
// major.minor.
func nsidKernelAtLeast(t *testing.T, major, minor int) bool {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		t.Fatalf("kernel release %q", rel)
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1][:nsidDigits(parts[1])])
	if err1 != nil || err2 != nil {
		t.Fatalf("kernel release %q", rel)
	}
	return ma > major || ma == major && mi >= minor
}

// nsidDigits is the length of the leading run of digits of s.
func nsidDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// nsidOf asks the kernel for the 64-bit ID of the namespace at path
// (NS_GET_ID), independently of the package under test.
func nsidOf(t *testing.T, path string) uint64 {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var id uint64
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id))); e != 0 {
		t.Fatalf("NS_GET_ID %s: %v", path, e)
	}
	return id
}

// TestScanFillsNSID checks that a deep scan records the kernel's 64-bit
// namespace ID (NS_GET_ID, Linux 6.18+) of the scanner's own namespaces,
// the value the kernel gives for each, and never the same ID for two
// namespaces.
func TestScanFillsNSID(t *testing.T) {
	if !nsidKernelAtLeast(t, 6, 18) {
		t.Skip("NS_GET_ID needs Linux 6.18")
	}
	m, err := discover.Scan(discover.Options{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	self := 0
	for _, typ := range nsfs.TypeNames() {
		path := "/proc/self/ns/" + typ
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			if os.IsNotExist(err) {
				continue // a type this kernel lacks
			}
			t.Fatal(err)
		}
		self++
		ns := m.Namespaces[nsfs.ID{Dev: st.Dev, Ino: st.Ino}]
		if ns == nil {
			t.Errorf("own %s namespace {%d %d} not in the model", typ, st.Dev, st.Ino)
			continue
		}
		if ns.NSID == 0 {
			t.Errorf("own %s namespace {%d %d}: NSID is 0", typ, st.Dev, st.Ino)
			continue
		}
		if want := nsidOf(t, path); ns.NSID != want {
			t.Errorf("own %s namespace: NSID %d, the kernel says %d", typ, ns.NSID, want)
		}
	}
	if self == 0 {
		t.Fatal("no namespace links in /proc/self/ns")
	}
	seen := map[uint64]nsfs.ID{}
	for id, ns := range m.Namespaces {
		if ns.NSID == 0 {
			continue
		}
		if other, dup := seen[ns.NSID]; dup {
			t.Errorf("NSID %d given to both %v and %v", ns.NSID, other, id)
		}
		seen[ns.NSID] = id
	}
}
