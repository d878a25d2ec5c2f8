package discover

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// The fixture tree testdata/proc stands for /proc on a host where
//   - 100 is an ordinary process (and the scanner's "self"),
//   - 200's leader thread exited, thread 201 lives on in a net namespace of
//     its own (4026532001),
//   - 300 is a zombie: only its user and PID links are left,
//   - 400 is in a child PID namespace (4026532002): its NStgid is "400 1",
//   - 500 vanished while it was being read (its ns directory is gone).
//
// These tests read it through the pipeline's steps 1-3 (listing, links,
// per-process sources, task descriptions); nothing asks the kernel.
const fixtureRoot = "testdata/proc"

// fixtureScan opens the fixture tree (opts.ProcRoot, by default
// fixtureRoot) as a scan, without the kernel probes.
func fixtureScan(t *testing.T, opts Options) *scan {
	t.Helper()
	if opts.ProcRoot == "" {
		opts.ProcRoot = fixtureRoot
	}
	s, err := openScan(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	s.nsfsDev = 4
	s.chooseSources()
	return s
}

// sightings lists what the scan of the fixture found, as sorted text.
func sightings(s *scan) (members []string, tasks []string, skipped []model.Skip) {
	for _, f := range s.scanProcesses(s.processes()) {
		for _, m := range f.members {
			members = append(members, fmt.Sprintf("%d/%d %s:%d thread=%v", m.pid, m.tid, m.typ, m.ino, m.viaTask))
		}
		for _, t := range f.tasks {
			tasks = append(tasks, fmt.Sprintf("%d tgid=%d ppid=%d comm=%q nstgid=%v", t.ID, t.TGID, t.PPID, t.Comm, t.NStgid))
		}
		skipped = append(skipped, f.skipped...)
	}
	slices.Sort(members)
	slices.Sort(tasks)
	return members, tasks, skipped
}

func hostMembers(pid, tid int, thread bool) []string {
	var out []string
	for _, l := range []string{"cgroup:4026531835", "ipc:4026531839", "mnt:4026531841", "net:4026531840", "pid:4026531836", "time:4026531834", "user:4026531837", "uts:4026531838"} {
		out = append(out, fmt.Sprintf("%d/%d %s thread=%v", pid, tid, l, thread))
	}
	return out
}

func TestFixtureProcessLinks(t *testing.T) {
	s := fixtureScan(t, Options{Status: true})
	if s.selfPIDNS != 4026531836 {
		t.Errorf("selfPIDNS = %d, want the fixture's self/ns/pid 4026531836", s.selfPIDNS)
	}
	members, tasks, skipped := sightings(s)
	var want []string
	want = append(want, hostMembers(100, 100, false)...)
	// 200: the leader keeps only user and pid; thread 201 shows the rest.
	want = append(want,
		"200/200 pid:4026531836 thread=false", "200/200 user:4026531837 thread=false",
		"200/201 cgroup:4026531835 thread=true", "200/201 ipc:4026531839 thread=true",
		"200/201 mnt:4026531841 thread=true", "200/201 net:4026532001 thread=true",
		"200/201 time:4026531834 thread=true", "200/201 uts:4026531838 thread=true",
		// 300, the zombie: user and pid only.
		"300/300 pid:4026531836 thread=false", "300/300 user:4026531837 thread=false",
	)
	for _, m := range hostMembers(400, 400, false) {
		if m == "400/400 pid:4026531836 thread=false" {
			m = "400/400 pid:4026532002 thread=false"
		}
		want = append(want, m)
	}
	slices.Sort(want)
	if !slices.Equal(members, want) {
		t.Errorf("members:\n%s\nwant:\n%s", join(members), join(want))
	}
	wantTasks := []string{
		`100 tgid=100 ppid=0 comm="init-ish" nstgid=[100]`,
		`200 tgid=200 ppid=100 comm="leaderless" nstgid=[200]`,
		`201 tgid=200 ppid=100 comm="leaderless" nstgid=[200]`,
		`300 tgid=300 ppid=100 comm="defunct one" nstgid=[300]`,
		`400 tgid=400 ppid=100 comm="child (pid 1)" nstgid=[400 1]`,
	}
	if !slices.Equal(tasks, wantTasks) {
		t.Errorf("tasks:\n%s\nwant:\n%s", join(tasks), join(wantTasks))
	}
	if len(skipped) != 0 {
		t.Errorf("skipped %v: a vanished process is skipped silently", skipped)
	}
}

func TestFixtureTaskLinks(t *testing.T) {
	s := fixtureScan(t, Options{Tasks: true, Types: nsfs.NewTypeSet(nsfs.Net, nsfs.PID), Comm: true})
	members, tasks, _ := sightings(s)
	want := []string{
		"100/100 net:4026531840 thread=true", "100/100 pid:4026531836 thread=true",
		"200/200 pid:4026531836 thread=true",
		"200/201 net:4026532001 thread=true", "200/201 pid:4026531836 thread=true",
		"300/300 pid:4026531836 thread=true",
		"400/400 net:4026531840 thread=true", "400/400 pid:4026532002 thread=true",
	}
	if !slices.Equal(members, want) {
		t.Errorf("members:\n%s\nwant:\n%s", join(members), join(want))
	}
	// Comm alone reads /proc/PID/comm and nothing else.
	wantTasks := []string{
		`100 tgid=100 ppid=0 comm="init-ish" nstgid=[]`,
		`200 tgid=200 ppid=0 comm="leaderless" nstgid=[]`,
		`201 tgid=200 ppid=0 comm="leaderless" nstgid=[]`,
		`300 tgid=300 ppid=0 comm="defunct one" nstgid=[]`,
		`400 tgid=400 ppid=0 comm="child (pid 1)" nstgid=[]`,
	}
	if !slices.Equal(tasks, wantTasks) {
		t.Errorf("tasks:\n%s\nwant:\n%s", join(tasks), join(wantTasks))
	}
}

// A PID that names no process is refused before anything else is read;
// the fixture has no nsfs, so getting that far would fail otherwise.
func TestFixtureMissingPID(t *testing.T) {
	_, err := Scan(Options{ProcRoot: fixtureRoot, PIDs: []int{100, 600}})
	var missing *NoSuchProcessError
	if !errors.As(err, &missing) || missing.PID != 600 {
		t.Fatalf("Scan(PIDs 100, 600) = %v, want NoSuchProcessError for 600", err)
	}
	if _, err := NamespaceOf(fixtureRoot, 600, nsfs.User); !errors.As(err, &missing) {
		t.Errorf("NamespaceOf(600) = %v, want NoSuchProcessError", err)
	}
}

// Listed PIDs that vanish, and entries that are not processes, are
// skipped silently.
func TestFixtureListing(t *testing.T) {
	s := fixtureScan(t, Options{})
	got := s.processes()
	slices.Sort(got)
	if !slices.Equal(got, []int{100, 200, 300, 400, 500}) {
		t.Errorf("processes = %v", got)
	}
	s.opts.PIDs = []int{500, 600}
	members, _, skipped := sightings(s)
	if len(members) != 0 || len(skipped) != 0 {
		t.Errorf("vanished processes gave members %v, skipped %v", members, skipped)
	}
}

func join(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}
