// Command runner times namespaces_of against the floor (bench/floor) and
// util-linux lsns on the current state of the host (usually a landscape
// brought up with bench/landscape), and prints medians of wall time, CPU time
// and peak RSS with ratios to the floor and to lsns.
//
//	runner [--runs 7] [--warmup 1] [--tool PATH] [--floor PATH] [--lsns PATH]
//	       [--modes floor,lsns,default,deep-scan,search-tasks,json]
//	       [--baseline PATH] [--size-label 5000/500] [--markdown]
//
// With --baseline, every namespaces_of mode also runs with that binary (an
// earlier build), interleaved with the others, as a "before:MODE" row, and
// the report states each mode's after/before ratios.
//
// Without --tool/--floor it builds ./cmd/namespaces_of and ./bench/floor with
// `go build` into a temporary directory (removed at exit). Each run executes
// every mode once, round-robin, with the starting mode rotated per run so no
// mode always follows the same one. A mode whose command fails is reported
// and skipped from then on; the others continue.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type mode struct {
	name string
	bin  string // "floor", "lsns", "tool" or "baseline": which binary runs it
	args []string
}

// beforePrefix names the baseline's rows: "before:default" is the default
// mode run with the --baseline binary.
const beforePrefix = "before:"

var allModes = []mode{
	{"floor", "floor", nil},
	{"lsns", "lsns", nil},
	{"default", "tool", nil},
	{"deep-scan", "tool", []string{"--deep-scan"}},
	{"search-tasks", "tool", []string{"--search-tasks"}},
	{"json", "tool", []string{"--output=json"}},
	{"containers", "tool", []string{"--containers"}},
	// The list and what issue #11 added to it: none of these is in the
	// default mode set; name them with -modes.
	{"list", "tool", []string{"--output=list"}},
	{"list-filter", "tool", []string{"--output=list", "--filter", `TYPE == "net" && NPROCS == 0 || USER != "root"`}},
	{"list-command", "tool", []string{"--output=list", "-o", "NS,TYPE,NPROCS,PID,COMMAND"}},
	{"list-netnsid", "tool", []string{"--output=list", "-o", "+NETNSID"}},
	{"persistent", "tool", []string{"--persistent", "--output=list"}},
}

// sample is one timed execution.
type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
	rssExact  bool // false: VmHWM unavailable, rusage ru_maxrss used instead
}

type result struct {
	mode    mode
	argv    []string
	samples []sample
	skipped string   // why the mode was skipped, if it was
	retries []string // failures that a retry got past
}

func main() {
	runs := flag.Int("runs", 7, "timed runs per mode (medians are reported)")
	warmup := flag.Int("warmup", 1, "untimed runs first, to warm the dentry and inode caches")
	tool := flag.String("tool", "", "namespaces_of binary (default: go build ./cmd/namespaces_of into a temp dir)")
	floorBin := flag.String("floor", "", "floor binary (default: go build ./bench/floor into a temp dir)")
	lsnsBin := flag.String("lsns", "", "lsns binary (default: lsns from PATH)")
	modes := flag.String("modes", "floor,lsns,default,deep-scan,search-tasks,json", "comma-separated modes to run")
	label := flag.String("size-label", "", "label for this state, e.g. 5000/500")
	markdown := flag.Bool("markdown", false, "print a Markdown section for BENCHMARKS.md")
	timeout := flag.Duration("timeout", 5*time.Minute, "kill a command that runs longer than this")
	baseline := flag.String("baseline", "", "an earlier namespaces_of binary: run every tool mode with it too, interleaved, as before:MODE")
	flag.Parse()
	if flag.NArg() != 0 || *runs < 1 || *warmup < 0 {
		flag.Usage()
		os.Exit(2)
	}

	tmp, err := os.MkdirTemp("", "namespaces_of-runner-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	code := run(tmp, *runs, *warmup, *tool, *floorBin, *lsnsBin, *baseline, *modes, *label, *markdown, *timeout)
	os.RemoveAll(tmp)
	os.Exit(code)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "runner:", err)
	os.Exit(1)
}

func run(tmp string, runs, warmup int, tool, floorBin, lsnsBin, baseline, modeList, label string, markdown bool, timeout time.Duration) int {
	var results []*result
	for _, name := range strings.Split(modeList, ",") {
		i := slices.IndexFunc(allModes, func(m mode) bool { return m.name == strings.TrimSpace(name) })
		if i < 0 {
			fmt.Fprintf(os.Stderr, "runner: unknown mode %q\n", name)
			return 2
		}
		results = append(results, &result{mode: allModes[i]})
		if baseline != "" && allModes[i].bin == "tool" {
			before := allModes[i]
			before.name, before.bin = beforePrefix+before.name, "baseline"
			results = append(results, &result{mode: before})
		}
	}
	need := func(bin string) bool {
		return slices.ContainsFunc(results, func(r *result) bool { return r.mode.bin == bin })
	}

	// Resolve the three binaries; a missing one skips its modes, not the run.
	bins := map[string]string{}
	why := map[string]string{}
	if need("floor") {
		bins["floor"], why["floor"] = resolveBuilt(floorBin, tmp, "floor", "./bench/floor")
	}
	if need("tool") {
		bins["tool"], why["tool"] = resolveBuilt(tool, tmp, "namespaces_of", "./cmd/namespaces_of")
	}
	if need("baseline") {
		bins["baseline"], why["baseline"] = resolveBuilt(baseline, tmp, "", "")
	}
	if need("lsns") {
		if lsnsBin == "" {
			lsnsBin = "lsns"
		}
		p, err := exec.LookPath(lsnsBin)
		if err != nil {
			why["lsns"] = "lsns not found: install util-linux (apt-get install -y util-linux)"
		}
		bins["lsns"] = p
	}
	for _, r := range results {
		r.argv = append([]string{bins[r.mode.bin]}, r.mode.args...)
		r.skipped = why[r.mode.bin]
	}

	errf, err := os.Create(filepath.Join(tmp, "stderr"))
	if err != nil {
		fatal(err)
	}
	defer errf.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fatal(err)
	}
	defer devnull.Close()

	procs := countProcs()
	for i := -warmup; i < runs; i++ {
		// Rotate the start so that no mode always runs right after the same one.
		off := (i + warmup) % len(results)
		for k := range results {
			r := results[(off+k)%len(results)]
			if r.skipped != "" {
				continue
			}
			// A failure is retried twice before the mode is given up:
			// lsns, for one, exits 1 now and then when a process vanishes
			// under it. Retries are reported.
			var s sample
			var err error
			for try := 0; try < 3; try++ {
				if s, err = measure(r.argv, devnull, errf, timeout); err == nil {
					break
				}
				r.retries = append(r.retries, err.Error())
			}
			if err != nil {
				r.skipped = err.Error()
				continue
			}
			if i >= 0 {
				r.samples = append(r.samples, s)
			}
		}
	}

	rep := report{label: label, procs: procs, runs: runs, warmup: warmup, results: results}
	if markdown {
		rep.markdown(os.Stdout)
	} else {
		rep.text(os.Stdout)
	}
	return 0
}

// resolveBuilt returns the given binary, or builds pkg into dir when none was
// given. On failure it returns the reason, to be reported per mode.
func resolveBuilt(given, dir, name, pkg string) (path, why string) {
	if given != "" {
		if _, err := os.Stat(given); err != nil {
			return given, fmt.Sprintf("%s: %v", given, err)
		}
		return given, ""
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = moduleRoot()
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Sprintf("go build %s failed: %s", pkg, firstLines(msg, 3))
	}
	return out, ""
}

// moduleRoot is where `go build ./cmd/...` must run, wherever runner is
// started from inside the module.
func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod)
	}
	return "."
}

// measure runs argv once and returns its wall time, CPU time (user+sys from
// rusage) and peak RSS.
//
// Peak RSS is VmHWM from /proc/PID/status, read at the PTRACE_EVENT_EXIT
// stop, not ru_maxrss: Go starts children with CLONE_VM|CLONE_VFORK, and the
// kernel folds the parent's memory high-water mark into the child's
// ru_maxrss at execve, so ru_maxrss would report at least the runner's own
// RSS. Tracing stops the child only at execve and exit (and on signals sent
// to its main thread), which costs microseconds.
func measure(argv []string, devnull, errf *os.File, timeout time.Duration) (sample, error) {
	// ptrace requests must come from the thread that started the tracee.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := errf.Truncate(0); err != nil {
		return sample{}, err
	}
	if _, err := errf.Seek(0, io.SeekStart); err != nil {
		return sample{}, err
	}

	start := time.Now()
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Files: []*os.File{devnull, devnull, errf},
		Sys:   &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return sample{}, err
	}
	defer p.Release() // we reap with wait4 ourselves
	pid := p.Pid
	timer := time.AfterFunc(timeout, func() { unix.Kill(pid, unix.SIGKILL) })
	defer timer.Stop()

	s := sample{rssKiB: -1}
	execStop := true
	for {
		var ws unix.WaitStatus
		var ru unix.Rusage
		_, err := unix.Wait4(pid, &ws, 0, &ru)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return s, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			s.wall = time.Since(start)
			s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			if s.rssKiB < 0 {
				s.rssKiB = ru.Maxrss
			}
			if ws.Signaled() {
				return s, fmt.Errorf("killed by %v%s", ws.Signal(), stderrTail(errf))
			}
			if ws.ExitStatus() != 0 {
				return s, fmt.Errorf("exit status %d%s", ws.ExitStatus(), stderrTail(errf))
			}
			return s, nil
		case ws.Stopped():
			sig := ws.StopSignal()
			inject := 0
			switch {
			case execStop && sig == unix.SIGTRAP:
				// The SIGTRAP after the initial execve: from now on stop
				// only at exit (and report later execs as events).
				execStop = false
				err = unix.PtraceSetOptions(pid, unix.PTRACE_O_TRACEEXIT|unix.PTRACE_O_TRACEEXEC|unix.PTRACE_O_EXITKILL)
			case sig == unix.SIGTRAP && ws.TrapCause() == unix.PTRACE_EVENT_EXIT:
				s.rssKiB, s.rssExact = vmHWM(pid), true
				if s.rssKiB < 0 {
					s.rssExact = false
				}
			case sig == unix.SIGTRAP && ws.TrapCause() == unix.PTRACE_EVENT_EXEC:
			default:
				inject = int(sig) // a real signal: deliver it
			}
			if err == nil {
				err = unix.PtraceCont(pid, inject)
			}
			if err != nil && !errors.Is(err, unix.ESRCH) {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
}

// vmHWM is the peak resident set size of pid's memory, in KiB, or -1.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	_, rest, ok := bytes.Cut(b, []byte("\nVmHWM:"))
	if !ok {
		return -1
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	var kib int64
	if _, err := fmt.Sscanf(strings.TrimSpace(string(line)), "%d kB", &kib); err != nil {
		return -1
	}
	return kib
}

func stderrTail(f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	return ": " + firstLines(b, 2)
}

func firstLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	s := strings.Join(lines, " / ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// countProcs is the number of processes in /proc, to record the state measured.
func countProcs() int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if c := e.Name()[0]; c >= '1' && c <= '9' {
			n++
		}
	}
	return n
}
