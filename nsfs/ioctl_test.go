package nsfs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// requireRoot skips tests that open namespace files: reading other
// processes' links and several ioctls need privilege, and the expected
// values below assume the test runs as root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: opens namespace files and checks ioctl_ns results that depend on privilege (run go test as root)")
	}
}

// requireInitialUserNS skips tests whose expectations hold only in the
// initial user namespace (the one whose uid_map is the identity over the
// whole range).
func requireInitialUserNS(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		t.Fatalf("reading uid_map: %v", err)
	}
	if f := bytes.Fields(data); len(f) != 3 || string(f[0]) != "0" || string(f[1]) != "0" || string(f[2]) != "4294967295" {
		t.Skipf("needs the initial user namespace; this process's uid_map is %q", data)
	}
}

// openFD opens path read-only and closes it when the test ends.
func openFD(t *testing.T, path string) int {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// closeLater closes fd when the test ends.
func closeLater(t *testing.T, fd int) {
	t.Cleanup(func() { unix.Close(fd) })
}

// wantFDError checks that a call that returns a descriptor, such as
// ParentFD, failed with target; a descriptor it returned instead is closed.
func wantFDError(t *testing.T, call string, fd int, err, target error) {
	t.Helper()
	if errors.Is(err, target) {
		return
	}
	if err == nil {
		unix.Close(fd)
	}
	t.Errorf("%s error = %v, want %v", call, err, target)
}

// statID is the identity of the namespace a /proc link names, by stat(2).
func statID(t *testing.T, path string) nsfs.ID {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}
}

func TestOwnNamespaces(t *testing.T) {
	requireRoot(t)
	for _, name := range linkNames {
		t.Run(name, func(t *testing.T) {
			path := "/proc/self/ns/" + name
			if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
				t.Skipf("this kernel has no %s namespaces (%s missing)", name, path)
			}
			dirfd := openFD(t, "/proc/self/ns")
			fd, err := nsfs.OpenAt(dirfd, name)
			if err != nil {
				t.Fatalf("OpenAt(/proc/self/ns, %q): %v", name, err)
			}
			closeLater(t, fd)
			want, _ := nsfs.ParseType(name)
			if got, err := nsfs.TypeOf(fd); err != nil || got != want {
				t.Errorf("TypeOf(%s) = %v, %v; want %v", path, got, err, want)
			}
			if got, err := nsfs.IDOf(fd); err != nil || got != statID(t, path) {
				t.Errorf("IDOf(%s) = %v, %v; want %v", path, got, err, statID(t, path))
			}
			if ok, err := nsfs.IsNSFS(fd); err != nil || !ok {
				t.Errorf("IsNSFS(%s) = %v, %v; want true", path, ok, err)
			}
		})
	}
}

func TestNetNamespace(t *testing.T) {
	requireRoot(t)
	fd := openFD(t, "/proc/self/ns/net")
	if got, err := nsfs.TypeOf(fd); err != nil || got != nsfs.Net {
		t.Errorf("TypeOf(net) = %v, %v; want net", got, err)
	}
	id, err := nsfs.IDOf(fd)
	if err != nil {
		t.Fatalf("IDOf(net): %v", err)
	}
	if want := statID(t, "/proc/self/ns/net"); id != want || id.IsZero() {
		t.Errorf("IDOf(net) = %v, want %v (stat of the link)", id, want)
	}
	if ok, err := nsfs.IsNSFS(fd); err != nil || !ok {
		t.Errorf("IsNSFS(net) = %v, %v; want true", ok, err)
	}
	// Not a user namespace, so it has no creator.
	if uid, err := nsfs.CreatorUID(fd); err == nil {
		t.Errorf("CreatorUID(net) = %d, want an error", uid)
	}
	// Net namespaces do not nest.
	pfd, err := nsfs.ParentFD(fd)
	wantFDError(t, "ParentFD(net)", pfd, err, nsfs.ErrNoParent)
}

func TestIsNSFSRegularFile(t *testing.T) {
	requireRoot(t)
	path := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fd := openFD(t, path)
	if ok, err := nsfs.IsNSFS(fd); err != nil || ok {
		t.Errorf("IsNSFS(regular file) = %v, %v; want false, nil", ok, err)
	}
	if _, err := nsfs.TypeOf(fd); err == nil {
		t.Error("TypeOf(regular file) succeeded, want an error")
	}
}

func TestOwnerOfInitialNet(t *testing.T) {
	requireRoot(t)
	requireInitialUserNS(t)
	netFD := openFD(t, "/proc/self/ns/net")
	ownerFD, err := nsfs.OwnerFD(netFD)
	if err != nil {
		t.Fatalf("OwnerFD(net): %v", err)
	}
	closeLater(t, ownerFD)
	if got, err := nsfs.TypeOf(ownerFD); err != nil || got != nsfs.User {
		t.Errorf("TypeOf(owner of net) = %v, %v; want user", got, err)
	}
	got, err := nsfs.IDOf(ownerFD)
	if want := statID(t, "/proc/self/ns/user"); err != nil || got != want {
		t.Errorf("IDOf(owner of net) = %v, %v; want %v (/proc/self/ns/user)", got, err, want)
	}
}

func TestInitialUserNamespace(t *testing.T) {
	requireRoot(t)
	requireInitialUserNS(t)
	fd := openFD(t, "/proc/self/ns/user")
	// The initial user namespace belongs to the global root.
	if uid, err := nsfs.CreatorUID(fd); err != nil || uid != 0 {
		t.Errorf("CreatorUID(initial user ns) = %d, %v; want 0, nil", uid, err)
	}
	// It is topmost: no parent, no owner.
	pfd, err := nsfs.ParentFD(fd)
	wantFDError(t, "ParentFD(initial user ns)", pfd, err, nsfs.ErrNotVisible)
	ofd, err := nsfs.OwnerFD(fd)
	wantFDError(t, "OwnerFD(initial user ns)", ofd, err, nsfs.ErrNotVisible)
}

func TestOpenVettedRefusesFIFO(t *testing.T) {
	requireRoot(t)
	path := filepath.Join(t.TempDir(), "nsfs-fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	// No writer is ever attached: opening the FIFO for reading would block
	// forever. If OpenVetted ever did, this watchdog attaches a writer just
	// before go test's -timeout, so the test fails with a message instead
	// of the whole binary being killed. It never fires when the code is
	// right, and its timing is not asserted.
	if deadline, ok := t.Deadline(); ok {
		watchdog := time.AfterFunc(time.Until(deadline)*9/10, func() {
			t.Errorf("OpenVetted blocked on a FIFO; unblocking it")
			if w, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
				unix.Close(w)
			}
		})
		defer watchdog.Stop()
	}
	fd, err := nsfs.OpenVetted(procFD(t), unix.AT_FDCWD, path, 0)
	if err == nil {
		unix.Close(fd)
	}
	if !errors.Is(err, nsfs.ErrNotNamespace) || fd != -1 {
		t.Errorf("OpenVetted(FIFO) = %d, %v; want -1, ErrNotNamespace", fd, err)
	}
	// Nothing may still hold the FIFO open for reading: a non-blocking
	// writer open fails with ENXIO when there is no reader.
	if w, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); !errors.Is(err, unix.ENXIO) {
		if err == nil {
			unix.Close(w)
		}
		t.Errorf("after OpenVetted, opening the FIFO for writing: %v; want ENXIO (no reader left behind)", err)
	}
}

func TestOpenVettedRefusesOtherFiles(t *testing.T) {
	requireRoot(t)
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, "/dev/null", "/proc/self/ns", "/proc/self/status"} {
		fd, err := nsfs.OpenVetted(procFD(t), unix.AT_FDCWD, path, 0)
		if err == nil {
			unix.Close(fd)
		}
		if !errors.Is(err, nsfs.ErrNotNamespace) || fd != -1 {
			t.Errorf("OpenVetted(%s) = %d, %v; want -1, ErrNotNamespace", path, fd, err)
		}
	}
	fd, err := nsfs.OpenVetted(procFD(t), unix.AT_FDCWD, filepath.Join(t.TempDir(), "missing"), 0)
	if err == nil {
		unix.Close(fd)
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("OpenVetted(missing file) = %d, %v; want ENOENT", fd, err)
	}
}

func TestOpenVettedAcceptsNamespace(t *testing.T) {
	requireRoot(t)
	const path = "/proc/self/ns/uts"
	fd, err := nsfs.OpenVetted(procFD(t), unix.AT_FDCWD, path, 0)
	if err != nil {
		t.Fatalf("OpenVetted(%s): %v", path, err)
	}
	closeLater(t, fd)
	if got, err := nsfs.TypeOf(fd); err != nil || got != nsfs.UTS {
		t.Errorf("TypeOf(vetted uts) = %v, %v; want uts", got, err)
	}
	if got, err := nsfs.IDOf(fd); err != nil || got != statID(t, path) {
		t.Errorf("IDOf(vetted uts) = %v, %v; want %v", got, err, statID(t, path))
	}
	// A real (not O_PATH) fd: ioctls work on it and its flags are
	// OpenFlags.
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL: %v", err)
	}
	if flags&unix.O_PATH != 0 || flags&unix.O_NONBLOCK == 0 || flags&unix.O_ACCMODE != unix.O_RDONLY {
		t.Errorf("vetted fd flags = %#x, want read-only, non-blocking, not O_PATH", flags)
	}
	fdflags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || fdflags&unix.FD_CLOEXEC == 0 {
		t.Errorf("vetted fd F_GETFD = %#x, %v; want FD_CLOEXEC", fdflags, err)
	}
}

// procFD returns an fd of /proc, closed when the test ends.
func procFD(t *testing.T) int {
	t.Helper()
	fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, fd)
	return fd
}
