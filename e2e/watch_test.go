package e2e

// --watch over churn (issue 14, acceptance 3): every namespace that lived
// at least two intervals is reported once when it appears and once when it
// goes.

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

func TestWatchChurn(t *testing.T) {
	nstest.RequireRoot(t)
	// A namespace that lives two intervals is seen by a scan only if a
	// scan takes less than an interval: take twice what one takes here
	// (busy CI machines have thousands of processes).
	start := time.Now()
	if r := nstest.Run(t, "--no-pids"); r.Code != 0 {
		t.Fatalf("scan: exit %d: %s", r.Code, r.Stderr)
	}
	interval := max(100*time.Millisecond, 2*time.Since(start)).Round(time.Millisecond)
	t.Logf("interval %v", interval)
	cmd := exec.Command(nstest.Tool(t), "--watch="+interval.String(), "--output=json", "-v")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// stderr: the watcher says after each rescan that it made one.
	rescans := make(chan struct{}, 1)
	var errLines []string
	var errDone sync.WaitGroup
	errDone.Add(1)
	go func() {
		defer errDone.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "namespaces_of: watch: scan ") {
				select {
				case rescans <- struct{}{}:
				default:
				}
				continue
			}
			errLines = append(errLines, sc.Text())
		}
	}()
	changes := make(chan diffChange, 1024)
	go func() {
		defer close(changes)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var c diffChange
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.Time == "" {
				c = diffChange{Change: "bad line: " + sc.Text()}
			}
			changes <- c
		}
	}()
	select {
	case <-rescans:
	case <-time.After(30 * time.Second):
		t.Fatal("the watcher made no rescan within 30s")
	}

	// The churn, the workload itself: each step starts a helper in a new
	// namespace that lives for 2.5 intervals (two steps), and one that is
	// killed as soon as it is ready, cycling through four types.
	type lived struct {
		pid int
		typ string
		ino uint64
		p   *nstest.Proc
	}
	flags := map[string]uintptr{"uts": syscall.CLONE_NEWUTS, "ipc": syscall.CLONE_NEWIPC,
		"net": syscall.CLONE_NEWNET, "cgroup": syscall.CLONE_NEWCGROUP}
	types := []string{"uts", "ipc", "net", "cgroup"}
	var long []lived
	for i := 0; i < 8; i++ {
		typ := types[i%len(types)]
		p := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: flags[typ]}, "sleep")
		long = append(long, lived{p.PID, typ, nstest.NS(t, p.PID, typ), p})
		nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: flags[types[(i+1)%len(types)]]}, "sleep").Kill()
		time.Sleep(interval * 5 / 4)
		if i >= 1 {
			long[i-1].p.Kill()
		}
	}
	time.Sleep(interval * 5 / 4)
	long[len(long)-1].p.Kill()

	// Read until every long-lived namespace was reported gone.
	appeared, gone := map[int]int{}, map[int]int{}
	waitFor := func(l lived) bool { return gone[l.pid] > 0 }
	deadline := time.After(60 * time.Second)
	for !allOf(long, waitFor) {
		select {
		case c, ok := <-changes:
			if !ok {
				t.Fatalf("the watcher ended early: %v", errLines)
			}
			if strings.HasPrefix(c.Change, "bad line") {
				t.Fatal(c.Change)
			}
			for _, l := range long {
				if c.Inode != l.ino {
					continue
				}
				if (c.Change == "added" || c.Change == "replaced") && c.Type == l.typ && slices.Contains(c.PIDs.Joined, l.pid) {
					appeared[l.pid]++
				}
				if (c.Change == "removed" || c.Change == "replaced") && slices.Contains(c.PIDs.Left, l.pid) {
					gone[l.pid]++
				}
			}
		case <-deadline:
			t.Fatalf("not every long-lived namespace was reported gone within 60s: appeared %v, gone %v, want %v", appeared, gone, long)
		}
	}
	for _, l := range long {
		if appeared[l.pid] != 1 || gone[l.pid] != 1 {
			t.Errorf("%s namespace %d of PID %d: reported appearing %d times and going %d times, want once each",
				l.typ, l.ino, l.pid, appeared[l.pid], gone[l.pid])
		}
	}

	// SIGINT ends the watcher with status 0.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for range changes {
	}
	errDone.Wait()
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v; stderr %v", err, errLines)
	}
	for _, l := range errLines {
		if !strings.Contains(l, "could not inspect") && !strings.HasPrefix(l, "namespaces_of: skipped PID") {
			t.Errorf("unexpected stderr line %q", l)
		}
	}
}

func allOf[T any](list []T, f func(T) bool) bool {
	for _, x := range list {
		if !f(x) {
			return false
		}
	}
	return true
}
