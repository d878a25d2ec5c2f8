package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type upConfig struct {
	n, m      int
	threads   int
	bindMount bool
	cgroups   bool
	timeout   time.Duration
}

func parseUp(args []string) (upConfig, error) {
	var c upConfig
	set := flag.NewFlagSet("up", flag.ContinueOnError)
	set.IntVar(&c.threads, "threads", 0, "add one process with this many threads blocked (for --search-tasks)")
	set.BoolVar(&c.bindMount, "bind-mount", false, "bind-mount group 0's net namespace onto "+bindTarget()+" (for --deep-scan)")
	set.BoolVar(&c.cgroups, "cgroups", false, "put each group in a container-like cgroup /docker/<id64> (for --containers)")
	set.DurationVar(&c.timeout, "timeout", 10*time.Minute, "give up (and tear down) if the landscape is not ready by then")
	// Flags may come before, between or after N and M.
	var pos []string
	for {
		if err := set.Parse(args); err != nil {
			return c, err
		}
		if set.NArg() == 0 {
			break
		}
		pos = append(pos, set.Arg(0))
		args = set.Args()[1:]
	}
	if len(pos) != 2 {
		return c, errors.New("up needs N (sleepers) and M (groups)")
	}
	var err error
	if c.n, err = strconv.Atoi(pos[0]); err != nil || c.n < 0 {
		return c, fmt.Errorf("bad N %q", pos[0])
	}
	if c.m, err = strconv.Atoi(pos[1]); err != nil || c.m < 1 {
		return c, fmt.Errorf("bad M %q (need at least 1 group)", pos[1])
	}
	if c.threads < 0 {
		return c, errors.New("bad --threads")
	}
	return c, nil
}

func up(args []string) error {
	c, err := parseUp(args)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("up needs root (it creates net, mnt and user namespaces)")
	}
	if err := checkLimits(c); err != nil {
		return err
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return fmt.Errorf("need sleep(1) from coreutils: %w", err)
	}
	if err := os.Mkdir(stateDir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists: a landscape is up (or was not torn down); run `landscape down` first", stateDir)
		}
		return err
	}

	start := time.Now()
	log, err := os.Create(stateDir + "/supervisor.log")
	if err != nil {
		return cleanup(err)
	}
	defer log.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return cleanup(err)
	}
	defer devnull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return cleanup(err)
	}
	defer r.Close()

	// Handle ^C from here on: whatever has been started must be torn down.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)

	argv := []string{os.Args[0], modeSupervisor,
		strconv.Itoa(c.n), strconv.Itoa(c.m), strconv.Itoa(c.threads), strconv.FormatBool(c.bindMount), sleep, strconv.FormatBool(c.cgroups)}
	p, err := os.StartProcess("/proc/self/exe", argv, &os.ProcAttr{
		Dir:   "/", // do not pin the caller's working directory
		Files: []*os.File{devnull, log, log, w},
		// A new session detaches the supervisor from the terminal, and its
		// session id then names exactly the landscape's processes for down.
		Sys: &syscall.SysProcAttr{Setsid: true},
	})
	w.Close()
	if err != nil {
		return cleanup(fmt.Errorf("start supervisor: %w", err))
	}
	pid := p.Pid
	p.Release()
	ps, err := readProcStat(pid)
	if err != nil {
		return cleanup(fmt.Errorf("supervisor %d: %w", pid, err))
	}
	st := &state{Supervisor: pid, StartTime: ps.startTime, Sleepers: c.n, Groups: c.m, Threads: c.threads}
	if c.bindMount {
		st.BindMount = bindTarget()
	}
	if c.cgroups {
		// The leaders compute the same list: they are in our cgroups.
		st.CgroupParents = cgroupParents()
	}
	if err := writeState(st); err != nil {
		return cleanup(err)
	}

	// The supervisor answers one line on the pipe: "ok" once every process
	// exists, or the reason it gave up. EOF without a line means it died.
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s != "ok" {
			if s == "" {
				s = "supervisor exited before the landscape was ready; see " + stateDir + "/supervisor.log"
			}
			return cleanup(errors.New(s))
		}
	case <-time.After(c.timeout):
		return cleanup(fmt.Errorf("landscape not ready after %v", c.timeout))
	case s := <-sigs:
		return cleanup(fmt.Errorf("interrupted by %v", s))
	}
	elapsed := time.Since(start)

	// Cross-check the promise "N + M + 1 (+1) processes" against /proc.
	want := c.n + c.m + 1
	extra := ""
	members, err := sessionMembers(pid)
	if err != nil {
		return cleanup(err)
	}
	if c.threads > 0 {
		want++
		most, at := 0, 0
		for _, m := range members {
			if n := threadCount(m); n > most {
				most, at = n, m
			}
		}
		extra = fmt.Sprintf(" + 1 process with %d threads (pid %d)", most, at)
	}
	if len(members) != want {
		return cleanup(fmt.Errorf("expected %d processes in session %d, found %d", want, pid, len(members)))
	}
	fmt.Printf("up: %d sleepers + %d group leaders + 1 supervisor%s = %d processes, ready in %.1fs\n",
		c.n, c.m, extra, want, elapsed.Seconds())
	fmt.Printf("up: supervisor pid %d (session %d), state in %s\n", pid, pid, stateDir)
	if c.bindMount {
		fmt.Printf("up: nsfs bind mount at %s\n", bindTarget())
	}
	return nil
}

// cleanup tears down a half-built landscape and returns the original error.
func cleanup(err error) error {
	if derr := down(os.Stderr); derr != nil {
		return fmt.Errorf("%w (and cleanup failed: %v)", err, derr)
	}
	return err
}

// checkLimits makes sure the kernel can hold the landscape before starting:
// every thread needs a PID, and every group namespaces.
func checkLimits(c upConfig) error {
	// Go leaders run with GOMAXPROCS=1 and have about 4 threads; 6 is a
	// safe upper bound. The supervisor and threads process have a few more.
	tasks := c.n + 6*c.m + 16 + c.threads + 16
	cur := currentTasks()
	for _, l := range []struct {
		file string
		need int
	}{
		{"/proc/sys/kernel/pid_max", cur + tasks},
		{"/proc/sys/kernel/threads-max", cur + tasks},
		{"/proc/sys/user/max_net_namespaces", c.m},
		{"/proc/sys/user/max_uts_namespaces", c.m},
		{"/proc/sys/user/max_ipc_namespaces", c.m},
		{"/proc/sys/user/max_mnt_namespaces", c.m/2 + 1},
		{"/proc/sys/user/max_user_namespaces", c.m/2 + 1},
	} {
		have, err := readInt(l.file)
		if err != nil {
			continue // older kernels lack some of these; the clone would say so
		}
		if have < l.need {
			return fmt.Errorf("%s is %d, the landscape needs about %d: raise it with sysctl -w %s=%d",
				l.file, have, l.need, strings.ReplaceAll(strings.TrimPrefix(l.file, "/proc/sys/"), "/", "."), 2*l.need)
		}
	}
	return nil
}

// currentTasks is the number of threads on the host, from /proc/loadavg.
func currentTasks() int {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return 0
	}
	_, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(total)
	return n
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// unmountBind detaches the nsfs bind mount if it is there.
func unmountBind() error {
	err := unix.Unmount(bindTarget(), unix.MNT_DETACH)
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("unmount %s: %w", bindTarget(), err)
}

// threadCount is the Threads: line of /proc/PID/status, or 0.
func threadCount(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), "\nThreads:")
	if !ok {
		return 0
	}
	line, _, _ := strings.Cut(rest, "\n")
	n, _ := strconv.Atoi(strings.TrimSpace(line))
	return n
}
