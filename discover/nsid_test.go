package discover_test

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// nsGetIDWorks probes NS_GET_ID (Linux 6.18+) on the test's own network
// namespace: the kernel release says nothing under kernels/oldkernel's
// emulation, which answers ENOTTY.
func nsGetIDWorks(t *testing.T) bool {
	t.Helper()
	fd, err := unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var id uint64
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id)))
	return e == 0
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
// namespaces; and, on a kernel without NS_GET_ID, no ID at all.
func TestScanFillsNSID(t *testing.T) {
	have := nsGetIDWorks(t)
	if !have {
		t.Log("this kernel has no NS_GET_ID (Linux 6.18+): every NSID must be 0")
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
		if !have {
			if ns.NSID != 0 {
				t.Errorf("own %s namespace: NSID %d on a kernel without NS_GET_ID", typ, ns.NSID)
			}
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
