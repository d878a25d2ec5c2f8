package e2e

// Acceptance point 11: scans while processes and namespaces come and go.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// deepChurnMode is one kind of short-lived process the churn starts.
type deepChurnMode struct {
	flags uintptr // clone flags
	user  bool    // also a new user namespace with root mapped to root
	name  string  // program; "" is nshelper
	args  []string
}

// deepChurn starts and kills helper processes in new namespaces until
// stopped: workers goroutines, each keeping at most keep processes alive.
// Each start takes a token, so that the test bounds how many processes are
// started per scan (unbounded churn of net namespaces slows the whole
// machine down, not just the scans).
type deepChurn struct {
	modes  []deepChurnMode
	keep   int
	tokens chan struct{}

	mu      sync.Mutex
	stopped bool
	live    map[*exec.Cmd]bool
	started int
	err     error
	// warm is closed when warmAt processes have been started.
	warmAt int
	warm   chan struct{}

	stop chan struct{}
	wg   sync.WaitGroup
}

func (c *deepChurn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !c.stopped {
		c.err = err
	}
}

// start runs one process of mode m and, when wait is set, waits until it
// is ready (or gone). It returns nil once the churn is stopped.
func (c *deepChurn) start(helper string, m deepChurnMode, wait bool) *exec.Cmd {
	name := m.name
	if name == "" {
		name = helper
	}
	cmd := exec.Command(name, m.args...)
	attr := &syscall.SysProcAttr{Cloneflags: m.flags}
	if m.user {
		attr = nstest.NewUserNS(m.flags)
	}
	attr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr = attr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.fail(err)
		return nil
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		c.fail(fmt.Errorf("start %s %v: %v", name, m.args, err))
		return nil
	}
	c.live[cmd] = true
	c.started++
	if c.started == c.warmAt {
		close(c.warm)
	}
	c.mu.Unlock()
	if wait {
		sc := bufio.NewScanner(stdout)
		ready := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready") {
				ready = true
				break
			}
		}
		if !ready {
			c.fail(fmt.Errorf("%s %v (flags %#x) exited before ready", name, m.args, m.flags))
		}
	}
	return cmd
}

// kill kills and reaps a process the churn started.
func (c *deepChurn) kill(cmd *exec.Cmd) {
	cmd.Process.Kill()
	cmd.Wait()
	c.mu.Lock()
	delete(c.live, cmd)
	c.mu.Unlock()
}

// run is one worker: start a random process, kill the oldest once more than
// keep are alive.
func (c *deepChurn) run(helper string, seed uint64) {
	defer c.wg.Done()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var ring []*exec.Cmd
	defer func() {
		for _, cmd := range ring {
			c.kill(cmd)
		}
	}()
	for {
		select {
		case <-c.stop:
			return
		case <-c.tokens:
		}
		// Two thirds wait for ready; the others are killed while they
		// may still be setting their namespaces up.
		cmd := c.start(helper, c.modes[rng.IntN(len(c.modes))], rng.IntN(3) != 0)
		if cmd == nil {
			if c.stopped0() {
				return
			}
			continue
		}
		ring = append(ring, cmd)
		if len(ring) > c.keep {
			c.kill(ring[0])
			ring = ring[1:]
		}
	}
}

func (c *deepChurn) stopped0() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped || c.err != nil
}

// allow lets the workers start n more processes (fewer if they lag behind
// by more than the token buffer).
func (c *deepChurn) allow(n int) {
	for range n {
		select {
		case c.tokens <- struct{}{}:
		default:
			return
		}
	}
}

// halt stops the workers and kills whatever is left. Safe to call twice.
func (c *deepChurn) halt() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	close(c.stop)
	// Unblock workers waiting on a ready line.
	for cmd := range c.live {
		cmd.Process.Kill()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// startDeepChurn starts the churn and returns once every worker has started
// and killed a few processes. It is stopped when the test ends.
func startDeepChurn(t *testing.T, workers, keep int) *deepChurn {
	t.Helper()
	helper := nstest.Helper(t)
	dir := nstest.TempDir(t)
	target := filepath.Join(dir, "netns")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const (
		uts, ipc, net, pid, mnt, cgroup = syscall.CLONE_NEWUTS, syscall.CLONE_NEWIPC, syscall.CLONE_NEWNET,
			syscall.CLONE_NEWPID, syscall.CLONE_NEWNS, syscall.CLONE_NEWCGROUP
	)
	c := &deepChurn{
		modes: []deepChurnMode{
			{flags: uts | ipc | cgroup, args: []string{"sleep"}},
			{flags: net, args: []string{"sleep"}},
			{flags: net | uts, user: true, args: []string{"sleep"}},
			{flags: pid | mnt, args: []string{"sleep"}},
			{flags: pid, user: true, args: []string{"pid-for-children"}},
			{args: []string{"thread", "uts", "exit-main"}},
			{args: []string{"thread", "net,ipc"}},
			{flags: uts, args: []string{"thread", "uts"}},
			{args: []string{"fd", "net"}},
			{args: []string{"fd", "user"}},
			{args: []string{"fd", "pid"}},
			{args: []string{"fd", "mnt"}},
			{args: []string{"fd", "user,net"}},
			{args: []string{"pid-for-children"}},
			{args: []string{"time-for-children"}},
			// A private mount namespace holding its own net namespace
			// through a bind mount.
			{flags: net, name: "unshare", args: []string{"-m", "--propagation", "private", "sh", "-c",
				"mount --bind /proc/self/ns/net " + shQuote(target) + " && exec " + shQuote(helper) + " sleep"}},
		},
		keep:   keep,
		tokens: make(chan struct{}, 4*workers*(keep+1)),
		live:   map[*exec.Cmd]bool{},
		stop:   make(chan struct{}),
	}
	t.Cleanup(c.halt)
	// Warm-up: twice as many starts as processes kept alive, so that at
	// least as many have been killed as are alive.
	c.warmAt = 2 * workers * keep
	c.warm = make(chan struct{})
	c.allow(c.warmAt)
	for i := range workers {
		c.wg.Add(1)
		go c.run(helper, uint64(i)+1)
	}
	select {
	case <-c.warm:
	case <-time.After(30 * time.Second):
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("churn: %d of %d processes started within 30s: %v", c.started, c.warmAt, c.err)
	}
	return c
}

// TestDeepChurn: while processes and namespaces are created and destroyed
// continuously, consecutive scans in the default, --deep-scan and
// --search-tasks modes all succeed, print only tree lines, and always show
// the namespaces that live throughout, where they belong.
func TestDeepChurn(t *testing.T) {
	nstest.RequireRoot(t)
	scans := 50
	if testing.Short() {
		scans = 10
	}
	hostUser, hostMnt := selfNS(t, "user"), selfNS(t, "mnt")

	// The long-lived namespaces, created before the churn starts.
	a := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC}, "sleep")
	aUTS, aIPC := nstest.NS(t, a.PID, "uts"), nstest.NS(t, a.PID, "ipc")
	b := nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWNET), "sleep")
	bUser, bNet := nstest.NS(t, b.PID, "user"), nstest.NS(t, b.PID, "net")
	c := nstest.StartHelper(t, nil, "fd", "net")
	cFD, cNet := c.ReadyInt(t, 0), uint64(c.ReadyInt(t, 1))
	d := nstest.StartHelper(t, nil, "thread", "net")
	dPID, dTID := d.ReadyInt(t, 0), d.ReadyInt(t, 1)
	dNet := nstest.Inode(t, fmt.Sprintf("%d/task/%d/ns/net", dPID, dTID))
	e := nstest.StartHelper(t, nil, "pid-for-children")
	ePID := nstest.Inode(t, fmt.Sprintf("%d/ns/pid_for_children", e.PID))
	f := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}, "sleep")
	fUTS := nstest.NS(t, f.PID, "uts")
	fPath := filepath.Join(nstest.TempDir(t), "uts")
	nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/uts", f.PID), fPath)
	f.Kill()

	const workers = 3
	churn := startDeepChurn(t, workers, 3)

	check := func(args []string) {
		t.Helper()
		// A successful run that prints only tree lines, each namespace
		// once (the parser requires it).
		dt := runTree(t, args...)
		if t.Failed() {
			t.FailNow() // stderr was wrong: do not scan on
		}
		deep, tasks, holders := false, false, false
		for _, a := range args {
			deep = deep || a == "--deep-scan"
			tasks = tasks || a == "--search-tasks"
			holders = holders || a == "--holders"
		}

		dt.under(t, "uts", aUTS, "user", hostUser).members(t, a.PID)
		dt.under(t, "ipc", aIPC, "user", hostUser).members(t, a.PID)
		dt.under(t, "user", bUser, "user", hostUser).members(t, b.PID)
		dt.under(t, "net", bNet, "user", bUser).members(t, b.PID)
		switch {
		case deep:
			n := dt.under(t, "net", cNet, "user", hostUser)
			n.members(t)
			if holders {
				n.held(t, fmt.Sprintf("fd %d of PID %d (nshelper)", cFD, c.PID))
			}
			n = dt.under(t, "net", dNet, "user", hostUser)
			n.members(t) // members are PIDs; the thread is a holder
			if holders {
				n.held(t, fmt.Sprintf("thread %d of PID %d", dTID, dPID))
			}
			n = dt.under(t, "pid", ePID, "user", hostUser)
			n.members(t)
			if holders {
				n.held(t, fmt.Sprintf("pid_for_children of PID %d (nshelper)", e.PID))
			}
			n = dt.under(t, "uts", fUTS, "user", hostUser)
			n.members(t)
			if holders {
				n.heldByHostMount(t, fPath, hostMnt)
			}
		case tasks:
			dt.under(t, "net", dNet, "user", hostUser).members(t, dTID)
			dt.absent(t, "net", cNet)
			dt.absent(t, "pid", ePID)
			dt.absent(t, "uts", fUTS)
		default:
			dt.absent(t, "net", cNet)
			dt.absent(t, "net", dNet)
			dt.absent(t, "pid", ePID)
			dt.absent(t, "uts", fUTS)
		}
	}

	modes := [][]string{
		{},
		{"--deep-scan"},
		{"--search-tasks"},
	}
	for i := range scans {
		for _, m := range modes {
			// Each scan overlaps a few starts and kills: two per worker.
			churn.allow(2 * workers)
			args := m
			if i%2 == 1 {
				args = append(args[:len(args):len(args)], "--holders")
			}
			check(args)
		}
	}
	churn.halt()
	if churn.err != nil {
		t.Fatalf("churn: %v", churn.err)
	}
	t.Logf("%d scans in each of %d modes while %d processes were started and killed", scans, len(modes), churn.started)
}
