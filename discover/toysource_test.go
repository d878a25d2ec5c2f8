package discover

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// toySource is a source added the way the package documentation says: one
// type with about, outcome and scanHost, and one line in the sources table.
// It reports a network namespace that only it knows of (held by an fd of
// the test, which a default scan does not look at).
type toySource struct {
	outcome
	fd int
}

func (*toySource) about() about { return about{name: "toy"} }

func (s *toySource) scanHost(_ *known, f *found) bool {
	fd, err := unix.Dup(s.fd)
	if err != nil {
		s.unavailable = err
		return false
	}
	f.holder(byFD(fd, 0, 0), model.Holder{Kind: "toy"})
	return false
}

// netnsHeldByFD makes a network namespace that nothing but the returned fd
// keeps alive: a throwaway thread unshares it, opens it and is discarded
// (onThrowawayThread: a goroutine may start on the main thread).
func netnsHeldByFD(t *testing.T) (int, nsfs.ID) {
	t.Helper()
	var fd int
	var err error
	onThrowawayThread(func() {
		if err = unix.Unshare(unix.CLONE_NEWNET); err == nil {
			fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		}
	})
	if err != nil {
		t.Fatalf("making a network namespace: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	id, err := nsfs.IDOf(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fd, id
}

func TestToySourceThroughTheTable(t *testing.T) {
	nstest.RequireRoot(t)
	fd, id := netnsHeldByFD(t)
	saved := sources
	t.Cleanup(func() { sources = saved })
	sources = append(sources[:len(sources):len(sources)],
		registration{func(*Options) bool { return true }, func(*scan) source { return &toySource{fd: fd} }})

	m, err := Scan(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := m.Namespaces[id]
	if ns == nil {
		t.Fatalf("the toy source's namespace %v is not in the model", id)
	}
	if ns.Type != nsfs.Net || len(ns.PIDs) != 0 || len(ns.Holders) != 1 || ns.Holders[0].Kind != "toy" {
		t.Errorf("toy namespace = %+v, want a net namespace held by the toy source alone", ns)
	}
	if ns.Owner != m.SelfUser {
		t.Errorf("toy namespace owner = %v, want our user namespace %v (resolved like any other)", ns.Owner, m.SelfUser)
	}
	last := m.Sources[len(m.Sources)-1]
	if last != (model.SourceReport{Name: "toy", Ran: true}) {
		t.Errorf("last source report = %+v, want the toy source, ran", last)
	}
	// Without the table line, a default scan does not find it.
	sources = saved
	m, err = Scan(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Namespaces[id] != nil {
		t.Errorf("a default scan found the fd-held namespace %v without the toy source", id)
	}
}
