package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	modeSupervisor = "__supervisor"
	modeGroup      = "__group"
	modeThreads    = "__threads"
)

// readyFD is the pipe each hidden mode reports on: "ok\n" when its processes
// exist, or an error line. Closing it without a line means failure.
const readyFD = 3

func readyPipe() *os.File {
	// Keep the pipe out of everything this process starts: only we may hold
	// the write end, or the reader would never see EOF.
	unix.CloseOnExec(readyFD)
	return os.NewFile(readyFD, "ready")
}

// Pdeathsig is delivered when the *thread* that started a child exits. The
// supervisor and the group leaders start their children from the main
// goroutine, locked to its thread, and never return from it, so the signal
// fires only when the process itself dies.
func lockMain() { runtime.LockOSThread() }

type child struct {
	pid   int
	ready *os.File
}

// start runs this binary again in a hidden mode, with the read end of a new
// ready pipe returned in the child.
func start(argv []string, env []string, files []*os.File, sys *syscall.SysProcAttr) (child, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return child{}, err
	}
	sys.Pdeathsig = syscall.SIGKILL
	p, err := os.StartProcess("/proc/self/exe", argv, &os.ProcAttr{Dir: "/", Env: env, Files: append(files, w), Sys: sys})
	w.Close()
	if err != nil {
		r.Close()
		return child{}, err
	}
	pid := p.Pid
	p.Release() // we reap with wait4(-1) at teardown, not through os.Process
	return child{pid, r}, nil
}

func (c child) wait() error {
	defer c.ready.Close()
	s, _ := bufio.NewReader(c.ready).ReadString('\n')
	s = strings.TrimSpace(s)
	switch s {
	case "ok":
		return nil
	case "":
		return fmt.Errorf("pid %d exited before it was ready", c.pid)
	}
	return fmt.Errorf("pid %d: %s", c.pid, s)
}

// supervise is the daemon: it starts the groups (and the threads process),
// waits until every process exists, adds the bind mount, reports "ok" to up,
// then waits for SIGTERM from down to kill and reap everything.
func supervise(args []string) {
	lockMain()
	ready := readyPipe()
	fail := func(err error) {
		fmt.Fprintf(ready, "error: %v\n", err)
		fmt.Fprintln(os.Stderr, "supervisor:", err)
		os.Exit(1) // the groups follow through Pdeathsig
	}
	if len(args) != 6 {
		fail(errors.New("bad supervisor arguments"))
	}
	cgroups := args[5]
	n, _ := strconv.Atoi(args[0])
	m, _ := strconv.Atoi(args[1])
	nthreads, _ := strconv.Atoi(args[2])
	bind := args[3] == "true"
	sleep := args[4]

	// As subreaper we inherit the sleepers when their leader dies, so the
	// teardown can reap every process of the landscape itself.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fail(fmt.Errorf("PR_SET_CHILD_SUBREAPER: %w", err))
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fail(err)
	}
	// One Go P per leader is plenty and keeps each leader at a few threads,
	// which matters with 1,000 of them (and for --search-tasks).
	leaderEnv := append(os.Environ(), "GOMAXPROCS=1")

	leaders := make([]child, m)
	for g := range m {
		count := n / m
		if g < n%m {
			count++
		}
		sys := &syscall.SysProcAttr{}
		mnt := "nomnt"
		if g%2 == 0 {
			sys.Cloneflags = syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS
			mnt = "mnt"
		} else {
			// The new user namespace owns the net, uts and ipc namespaces
			// created in the same clone.
			sys.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC
			sys.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
			sys.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
			sys.GidMappingsEnableSetgroups = true
		}
		argv := []string{os.Args[0], modeGroup, strconv.Itoa(g), strconv.Itoa(count), mnt, sleep, cgroups}
		leaders[g], err = start(argv, leaderEnv, []*os.File{devnull, devnull, os.Stderr}, sys)
		if err != nil {
			fail(fmt.Errorf("start group %d: %w", g, err))
		}
	}
	var th child
	if nthreads > 0 {
		// No GC and one P: fewer reasons for the runtime to add threads
		// behind our count.
		env := append(os.Environ(), "GOMAXPROCS=1", "GOGC=off")
		th, err = start([]string{os.Args[0], modeThreads, strconv.Itoa(nthreads)}, env,
			[]*os.File{devnull, devnull, os.Stderr}, &syscall.SysProcAttr{})
		if err != nil {
			fail(fmt.Errorf("start threads process: %w", err))
		}
	}
	// The leaders work concurrently; waiting on them in order costs nothing.
	for g, l := range leaders {
		if err := l.wait(); err != nil {
			fail(fmt.Errorf("group %d: %w", g, err))
		}
	}
	if nthreads > 0 {
		if err := th.wait(); err != nil {
			fail(fmt.Errorf("threads process: %w", err))
		}
	}

	if bind {
		// Like `ip netns add`: an empty file with the namespace bind-mounted
		// on it, in the host mount namespace.
		f, err := os.OpenFile(bindTarget(), os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
		if err != nil {
			fail(err)
		}
		f.Close()
		src := "/proc/" + strconv.Itoa(leaders[0].pid) + "/ns/net"
		if err := unix.Mount(src, bindTarget(), "", unix.MS_BIND, ""); err != nil {
			fail(fmt.Errorf("bind-mount %s: %w", src, err))
		}
	}

	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	fmt.Fprintln(ready, "ok")
	ready.Close()
	<-term

	// Killing a leader kills its sleepers (Pdeathsig), which are then
	// reparented to us; wait4 until ECHILD therefore reaps everything.
	for _, l := range leaders {
		unix.Kill(l.pid, unix.SIGKILL)
	}
	if th.pid > 0 {
		unix.Kill(th.pid, unix.SIGKILL)
	}
	for {
		_, err := unix.Wait4(-1, nil, 0, nil)
		if errors.Is(err, unix.ECHILD) {
			break
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			fmt.Fprintln(os.Stderr, "supervisor: wait4:", err)
			break
		}
	}
	os.Exit(0)
}

// group is a group leader, already inside its new namespaces: it starts its
// sleepers there, reports, and then becomes a sleeper itself (exec), so the
// 1,000 leaders cost one thread and a sleep(1)'s memory each instead of a Go
// runtime's. The exec runs on the main thread, the one that started the
// sleepers (lockMain), which survives the exec: their Pdeathsig stays armed
// and fires when the leader is killed.
func group(args []string) {
	lockMain()
	ready := readyPipe()
	fail := func(err error) {
		fmt.Fprintf(ready, "%v\n", err)
		os.Exit(1)
	}
	if len(args) != 5 {
		fail(errors.New("bad group arguments"))
	}
	g, _ := strconv.Atoi(args[0])
	count, _ := strconv.Atoi(args[1])
	sleep := args[3]
	if args[4] == "true" {
		// Before the sleepers start, so that they inherit it.
		if err := joinGroupCgroup(cgroupParents(), g); err != nil {
			fail(err)
		}
	}
	if args[2] == "mnt" {
		// Like unshare(1): make the copied mount tree private so host mounts
		// made later (the --bind-mount) do not propagate into this namespace.
		if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			fail(fmt.Errorf("make / private: %w", err))
		}
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fail(err)
	}
	attr := &os.ProcAttr{
		Dir:   "/",
		Files: []*os.File{devnull, devnull, devnull},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	argv := []string{"sleep", "infinity"}
	for range count {
		p, err := os.StartProcess(sleep, argv, attr)
		if err != nil {
			fail(err)
		}
		p.Release()
	}
	fmt.Fprintln(ready, "ok")
	ready.Close()
	err = unix.Exec(sleep, argv, os.Environ())
	fmt.Fprintln(os.Stderr, "group: exec sleep:", err)
	block() // exec failed: stay a Go process, still holding the sleepers
}

// threads is the extra process of --threads T: T OS threads in all, each
// blocked, so that scanning /proc/PID/task has T entries for one process.
// The Go runtime starts a few threads of its own, so locked goroutines are
// added one at a time until the process has T threads. main is not locked
// here (it starts no children): a locked main makes the runtime create
// threads through its template thread, asynchronously, past our count.
func threads(args []string) {
	ready := readyPipe()
	n := 0
	if len(args) == 1 {
		n, _ = strconv.Atoi(args[0])
	}
	// Start the signal watcher first: it may bring a runtime thread along,
	// which must be counted before filling up.
	end := notifyEnd()
	never := make(chan struct{})
	locked := make(chan struct{})
	for taskCount() < n {
		go func() {
			runtime.LockOSThread() // a goroutine locked to its own thread, forever
			locked <- struct{}{}
			<-never
		}()
		<-locked
	}
	fmt.Fprintln(ready, "ok")
	ready.Close()
	<-end
	os.Exit(0)
}

func taskCount() int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 1 << 30 // cannot count: stop adding threads
	}
	return len(ents)
}

// block waits for the end; SIGKILL (from the supervisor, or Pdeathsig) is
// the normal way out, SIGTERM exits too.
func block() {
	<-notifyEnd()
	os.Exit(0)
}

func notifyEnd() <-chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	return c
}
