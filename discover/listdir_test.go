package discover

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// TestListDirUnderSignals: getdents(2) returns early, with room to spare,
// when a signal is pending (the kernel's filldir stops after the first entry
// then), so a short read is not the end of a listing. Found under QEMU, where
// Go's preemption signals hit slow getdents calls often: whole scans listed
// no process. The test lists a directory thousands of times while another
// thread signals the lister without pause; every listing must be complete.
func TestListDirUnderSignals(t *testing.T) {
	dir := t.TempDir()
	const files = 400
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("entry-%04d", i)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			unix.Tgkill(unix.Getpid(), tid, unix.SIGURG) // Go's own preemption signal: harmless
		}
	}()
	defer func() { stop.Store(true); <-done }()

	short := 0
	for range 1000 {
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		names, err := listDir(fd, nil)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != files { // ParseDirent drops "." and ".."
			short++
		}
	}
	if short > 0 {
		t.Errorf("%d of 1000 listings were incomplete", short)
	}
}
