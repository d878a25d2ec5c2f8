package discover_test

// Acceptance point 12: a scan done in-process leaves no fd open, no OS
// thread behind, and no thread of the caller in another namespace.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
)

// TestMain removes what nstest built (the helper and the tool) at the end.
// Started by TestScanKeepsMainThread with leakChildEnv set, the test binary
// instead plays a program that scans from its main goroutine.
func TestMain(m *testing.M) {
	if os.Getenv(leakChildEnv) != "" {
		os.Exit(leakChild())
	}
	code := m.Run()
	nstest.Cleanup()
	os.Exit(code)
}

// leakState is what a scan must give back: the open fds (number and
// target), the OS threads, the goroutines, and each thread's namespaces.
type leakState struct {
	fds        []string // "N -> target", sorted
	threads    int
	goroutines int
	// foreign lists threads in a namespace other than the process's.
	foreign []string
}

func readLeakState(t *testing.T) leakState {
	t.Helper()
	st := leakState{goroutines: runtime.NumGoroutine()}
	// ReadDir opens one fd of its own, in every state alike.
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // ReadDir's own fd, closed by now
		}
		st.fds = append(st.fds, e.Name()+" -> "+target)
	}
	slices.Sort(st.fds)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			if st.threads, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Our namespaces as we were started in them: the test's own
	// namespace links, read before any scan (see TestScanLeaksNothing).
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for typ, own := range leakOwnNS {
		for _, task := range tasks {
			link, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/" + typ)
			if err == nil && link != own {
				st.foreign = append(st.foreign, fmt.Sprintf("thread %s in %s, not %s", task.Name(), link, own))
			}
		}
	}
	slices.Sort(st.foreign)
	return st
}

// leakOwnNS maps each namespace type to the link of the namespace the test
// process started in.
var leakOwnNS map[string]string

var leakTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// leakLinks reads the namespace links of /proc/<task>/ns.
func leakLinks(task string) map[string]string {
	links := map[string]string{}
	for _, typ := range leakTypes {
		link, err := os.Readlink("/proc/" + task + "/ns/" + typ)
		if err != nil {
			panic(err)
		}
		links[typ] = link
	}
	return links
}

// threadSlack is how many OS threads more than the warm-up's high-water
// mark the process may have after a scan. The Go runtime keeps idle
// threads for good and starts new ones when more goroutines need one at
// once; a deep scan ends the threads it entered other mount namespaces on,
// so the pool shrinks and regrows from scan to scan (by one or two here).
// A leak grows with every scan: twenty scans leave it far above the slack.
const threadSlack = 2

// awaitLeakState waits until the state is back to base: the same fds, no
// more goroutines, no thread in a foreign namespace, and no more OS threads
// than base allows. A thread the scan discards ends asynchronously, after
// Scan returned, so the check is repeated until it holds; the deadline
// fails a leak.
func awaitLeakState(t *testing.T, base leakState, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := readLeakState(t)
		if slices.Equal(st.fds, base.fds) && st.threads <= base.threads+threadSlack &&
			st.goroutines <= base.goroutines && len(st.foreign) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s leaked:\nfds before %q\nfds after  %q\nthreads before %d (+%d allowed), after %d\ngoroutines before %d, after %d\nthreads in other namespaces: %q",
				what, base.fds, st.fds, base.threads, threadSlack, st.threads, base.goroutines, st.goroutines, st.foreign)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // poll interval, not a synchronisation
	}
}

// warmUp scans until the Go runtime's thread pool stops growing, and
// returns the state to come back to: the pool's high-water mark, and the
// fds and goroutines once no thread is left in another namespace.
func warmUp(t *testing.T, scan func()) leakState {
	t.Helper()
	high, calm := 0, 0
	for i := 0; i < 60 && calm < 10; i++ {
		scan()
		if n := readLeakState(t).threads; n > high {
			high, calm = n, 0
		} else {
			calm++
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		base := readLeakState(t)
		if len(base.foreign) == 0 {
			base.threads = max(base.threads, high)
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the warm-up scans, threads in other namespaces: %q", base.foreign)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // poll interval, not a synchronisation
	}
}

func TestScanLeaksNothing(t *testing.T) {
	nstest.RequireRoot(t)
	// nstest starts helpers with Pdeathsig, which the kernel sends when
	// the *thread* that forked them ends, and a deep scan ends the OS
	// threads it entered other mount namespaces on; one of them may be the
	// pooled thread a helper was started from. Starting every helper from
	// this goroutine, locked to its thread until the test is over, keeps
	// that thread out of the pool.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	leakOwnNS = leakLinks("thread-self")

	// Namespaces held only by fds, bind mounts (in our mount namespace
	// and in a private one), *_for_children links and a thread, and a
	// process-less mount namespace (scanned by entering it on a throwaway
	// thread).
	fdNet := nstest.StartHelper(t, nil, "fd", "net")
	fdNetIno := uint64(fdNet.ReadyInt(t, 1))
	pfc := nstest.StartHelper(t, nil, "pid-for-children")
	pfcIno := nstest.Inode(t, strconv.Itoa(pfc.PID)+"/ns/pid_for_children")
	tfc := nstest.StartHelper(t, nil, "time-for-children")
	tfcIno := nstest.Inode(t, strconv.Itoa(tfc.PID)+"/ns/time_for_children")
	thread := nstest.StartHelper(t, nil, "thread", "uts", "exit-main")
	threadIno := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/uts", thread.ReadyInt(t, 0), thread.ReadyInt(t, 1)))

	dir := nstest.TempDir(t)
	src := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC}, "sleep")
	bindNetIno, bindIPCIno := nstest.NS(t, src.PID, "net"), nstest.NS(t, src.PID, "ipc")
	bindPath := filepath.Join(dir, "netns")
	nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/net", src.PID), bindPath)
	privPath := filepath.Join(dir, "ipcns")
	if err := os.WriteFile(privPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	nstest.Start(t, nil, "unshare", "-m", "--propagation", "private", "sh", "-c",
		fmt.Sprintf("mount --bind /proc/%d/ns/ipc '%s' && exec '%s' sleep", src.PID, privPath, nstest.Helper(t)))
	src.Kill()
	// A copy of our mount table, bind mount included, held by an fd only.
	fdMnt := nstest.StartHelper(t, nil, "fd", "mnt")
	fdMntIno := uint64(fdMnt.ReadyInt(t, 1))

	want := map[uint64]model.HolderKind{
		fdNetIno:   model.HolderFD,
		fdMntIno:   model.HolderFD,
		pfcIno:     model.HolderPIDChildren,
		tfcIno:     model.HolderTimeChildren,
		bindNetIno: model.HolderBindMount,
		bindIPCIno: model.HolderBindMount,
	}

	for _, tasks := range []bool{false, true} {
		t.Run(fmt.Sprintf("tasks=%v", tasks), func(t *testing.T) {
			opts := discover.Options{Deep: true, Tasks: tasks, Comm: true, Maps: true}
			scan := func() *model.Model {
				t.Helper()
				m, err := discover.Scan(opts)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			// Warm-up: the Go runtime starts its threads and opens its
			// own fds (netpoller) the first time it needs them.
			base := warmUp(t, func() { scan() })

			m := scan()
			awaitLeakState(t, base, "a deep scan")

			// The scan did reach every kind of holder.
			byIno := map[uint64]*model.Namespace{}
			for id, ns := range m.Namespaces {
				byIno[id.Ino] = ns
			}
			for ino, kind := range want {
				ns := byIno[ino]
				if ns == nil {
					t.Fatalf("namespace %d (held by %s) not found", ino, kind)
				}
				if !slices.ContainsFunc(ns.Holders, func(h model.Holder) bool { return h.Kind == kind }) {
					t.Fatalf("namespace %d: holders %+v, want one of kind %s", ino, ns.Holders, kind)
				}
			}
			// Bind mounts found through a process (the private mount
			// namespace) and by entering a process-less one (the copy of
			// ours held by an fd).
			for _, h := range []struct {
				ino  uint64
				path string
				mnt  uint64
			}{{bindIPCIno, privPath, 0}, {bindNetIno, bindPath, fdMntIno}} {
				found := slices.ContainsFunc(byIno[h.ino].Holders, func(x model.Holder) bool {
					return x.Kind == model.HolderBindMount && x.Path == h.path && (h.mnt == 0 || x.MountNS.Ino == h.mnt)
				})
				if !found {
					t.Fatalf("namespace %d: holders %+v, want a bind mount at %s (mount ns %d)", h.ino, byIno[h.ino].Holders, h.path, h.mnt)
				}
			}
			if ns := byIno[threadIno]; ns == nil || len(ns.Threads) == 0 {
				t.Fatalf("namespace %d of a lone non-leader thread not found with its thread: %+v", threadIno, ns)
			}

			// And again, many times: nothing accumulates.
			for range 20 {
				scan()
			}
			awaitLeakState(t, base, "twenty more deep scans")
		})
	}
}

const leakChildEnv = "DISCOVER_LEAK_TEST_CHILD"

// leakChild scans from the main goroutine, as the namespaces_of command
// does, and reports on stdout any namespace the main thread (the thread
// group leader, whose links /proc/self/ns shows) is left in afterwards.
func leakChild() int {
	before := leakLinks("self")
	bad := 0
	for i := range 5 {
		if _, err := discover.Scan(discover.Options{Deep: true, Comm: true, Maps: true}); err != nil {
			fmt.Println("scan:", err)
			return 1
		}
		for typ, link := range leakLinks("self") {
			if link != before[typ] {
				fmt.Printf("after scan %d the main thread is in %s, not %s\n", i+1, link, before[typ])
				bad++
			}
		}
	}
	if bad > 0 {
		return 1
	}
	return 0
}

// TestScanKeepsMainThread: a deep scan enters process-less mount
// namespaces on throwaway threads. Go cannot end the main thread, so if a
// goroutine exits locked to it, the runtime parks it for good, in whatever
// namespace it was moved to. A program that scans from its main goroutine
// (like the command) must find its main thread where it was.
func TestScanKeepsMainThread(t *testing.T) {
	nstest.RequireRoot(t)
	runtime.LockOSThread() // see TestScanLeaksNothing
	defer runtime.UnlockOSThread()
	// Process-less mount namespaces, held by fds only.
	nstest.StartHelper(t, nil, "fd", "mnt")
	nstest.StartHelper(t, nil, "fd", "mnt")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leakChildEnv+"=1")
	res := nstest.RunCmd(t, cmd)
	if res.Code != 0 || res.Stdout != "" {
		t.Fatalf("scanning from the main goroutine (exit status %d):\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}
