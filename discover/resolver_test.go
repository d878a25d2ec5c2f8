package discover

import (
	"runtime"
	"syscall"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// TestDeepKeepsOnlyMemberlessMountNamespaces: a deep scan keeps an fd of a
// mount namespace that no process is in, for the source that looks inside
// such namespaces, and of no mount namespace a process is in: one fd per
// container grew the scanner's fd table again and again, and each growth
// waited for an RCU grace period (a third of a 10,000-process deep scan's
// resolve step).
func TestDeepKeepsOnlyMemberlessMountNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	// See TestScanLeaksNothing: a deep scan ends the OS threads it
	// entered mount namespaces on, which must not be the helpers' parent.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	held := nstest.StartHelper(t, nil, "fd", "mnt")
	heldIno := uint64(held.ReadyInt(t, 1))
	member := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}, "sleep")
	memberIno := nstest.NS(t, member.PID, "mnt")

	s, err := newScan(Options{Deep: true, Types: nsfs.NewTypeSet(nsfs.Mount)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	m := s.run()
	for _, ino := range []uint64{heldIno, memberIno} {
		if _, ok := m.Namespaces[s.res.id(ino)]; !ok {
			t.Fatalf("mount namespace %d not found", ino)
		}
	}
	if _, ok := s.res.mountNS[s.res.id(heldIno)]; !ok {
		t.Errorf("no fd kept of mount namespace %d, which only an fd holds", heldIno)
	}
	for id := range s.res.mountNS {
		if ns := m.Namespaces[id]; ns == nil || len(ns.PIDs) > 0 {
			t.Errorf("an fd kept of mount namespace %d, which processes are in", id.Ino)
		}
	}
}
