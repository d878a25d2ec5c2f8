package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// The helpers the tests of this package share: running the tool and
// checking how it ended, and reading what the tests need from /proc.

// --- running the tool ---

// skippedRE is the one stderr line a successful run may print: PID 1 (and
// maybe others) cannot be inspected on some hosts, even by root.
var skippedRE = regexp.MustCompile(`^namespaces_of: could not inspect ([0-9]+) process(?:es)? \(([^()]+)\); their namespaces may be missing$`)

// stderrLines splits stderr into lines.
func stderrLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// checkOK requires a run with exit status 0 and no stderr line other than
// the count of processes it could not inspect.
func checkOK(t testing.TB, r nstest.Result, args []string) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("namespaces_of %q: exit status %d, want 0; stderr:\n%s", args, r.Code, r.Stderr)
	}
	lines := stderrLines(r.Stderr)
	if len(lines) > 1 || len(lines) == 1 && !skippedRE.MatchString(lines[0]) {
		t.Errorf("namespaces_of %q: unexpected stderr:\n%s", args, r.Stderr)
	}
}

// checkRun requires a successful run (see checkOK) of the tool with args
// and parses its tree strictly (see parseTree).
func checkRun(t testing.TB, r nstest.Result, args []string) *parsedTree {
	t.Helper()
	checkOK(t, r, args)
	return parseTree(t, r.Stdout, args...)
}

// runTree runs the tool with args, requires a successful run and parses
// its tree (see checkRun).
func runTree(t testing.TB, args ...string) *parsedTree {
	t.Helper()
	return checkRun(t, nstest.Run(t, args...), args)
}

// runTreeWithin is runTree with a time limit other than nstest.RunLimit.
func runTreeWithin(t testing.TB, limit time.Duration, args ...string) *parsedTree {
	t.Helper()
	return checkRun(t, nstest.RunWithin(t, limit, args...), args)
}

// runText runs the tool with args, requires a successful run (see checkOK)
// and returns its stdout.
func runText(t testing.TB, args ...string) string {
	t.Helper()
	r := nstest.Run(t, args...)
	checkOK(t, r, args)
	return r.Stdout
}

// wrapped runs the tool as the last command of a shell wrapper: the shell
// first writes its PID and the inodes of the given namespace types (one per
// line, "PID" then "type:[inode]") to a file, then execs the tool, so the
// tool runs as that PID in those namespaces. prefix is what runs the shell
// (e.g. unshare -Ur). It returns the command and a function that reads the
// report after the command ran.
func wrapped(t testing.TB, tool string, prefix []string, types []string, args ...string) (*exec.Cmd, func() (pid int, ns map[string]uint64)) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "report-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	script := `echo $$ >&3`
	for _, typ := range types {
		script += `; readlink /proc/$$/ns/` + typ + ` >&3`
	}
	script += `; exec 3>&-; exec "$0" "$@"`
	argv := append(append(slices.Clone(prefix), "/bin/sh", "-c", script, tool), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles = []*os.File{f}
	return cmd, func() (int, map[string]uint64) {
		t.Helper()
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Fields(string(data))
		if len(lines) != 1+len(types) {
			t.Fatalf("wrapper report %q: want a PID and %d namespaces", data, len(types))
		}
		pid, err := strconv.Atoi(lines[0])
		if err != nil {
			t.Fatalf("wrapper report %q: %v", data, err)
		}
		ns := map[string]uint64{}
		for i, typ := range types {
			s := strings.TrimSuffix(strings.TrimPrefix(lines[1+i], typ+":["), "]")
			ino, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("wrapper report line %q: %v", lines[1+i], err)
			}
			ns[typ] = ino
		}
		return pid, ns
	}
}

// nobody makes a process run as the unprivileged user nobody (65534),
// without supplementary groups.
func nobody() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
}

// execOutput runs a command (setup, or lsns) and returns its stdout,
// failing the test if it fails or does not finish within limit.
func execOutput(t testing.TB, limit time.Duration, name string, args ...string) string {
	t.Helper()
	r := nstest.RunCmdWithin(t, limit, exec.Command(name, args...))
	if r.Code != 0 {
		t.Fatalf("%s %q: exit status %d\n%s%s", name, args, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// shQuote quotes s for sh.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// --- namespaces and processes ---

var nsfsDevice uint64

// nsfsDev is the device of nsfs (the first number of "{4 4026531837}").
func nsfsDev(t testing.TB) uint64 {
	t.Helper()
	if nsfsDevice == 0 {
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/ns/user", &st); err != nil {
			t.Fatal(err)
		}
		nsfsDevice = st.Dev
	}
	return nsfsDevice
}

// selfNS is the inode of the test process's own namespace of type typ (the
// initial ones, on the machines these tests run on as root); the tool,
// started by the test, shares them all.
func selfNS(t testing.TB, typ string) uint64 { return nstest.NS(t, os.Getpid(), typ) }

// inodeOf stats a file (such as an nsfs bind mount) and returns its inode.
func inodeOf(t testing.TB, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return st.Ino
}

// ofPID formats " of PID <pid> (<comm>)", as holder lines name a process.
func ofPID(t testing.TB, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(" of PID %d (%s)", pid, strings.TrimSuffix(string(b), "\n"))
}

// children lists the child processes of pid.
func children(t testing.TB, pid int) []int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatalf("children of %d: %v", pid, err)
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		v, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("children of %d: %q: %v", pid, data, err)
		}
		out = append(out, v)
	}
	return out
}

// onlyChild returns the single child process of pid.
func onlyChild(t testing.TB, pid int) int {
	t.Helper()
	kids := children(t, pid)
	if len(kids) != 1 {
		t.Fatalf("process %d has children %v, want exactly one", pid, kids)
	}
	return kids[0]
}

// procStatus reads /proc/PID/status as a map of its fields.
func procStatus(t testing.TB, pid int) map[string]string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// nstgid returns the NStgid line of /proc/PID/status.
func nstgid(t testing.TB, pid int) []int {
	t.Helper()
	f, ok := procStatus(t, pid)["NStgid"]
	if !ok {
		t.Fatalf("/proc/%d/status has no NStgid line", pid)
	}
	var out []int
	for _, s := range strings.Fields(f) {
		v, _ := strconv.Atoi(s)
		out = append(out, v)
	}
	return out
}

// idMap returns /proc/PID/uid_map or gid_map as the tree prints it: the
// numbers of every line, single-spaced.
func idMap(t testing.TB, pid int, file string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(data)), " ")
}

// --- watching files ---

// watch is an inotify instance watching files a scan must leave alone.
type watch struct {
	fd    int
	names map[int]string // watch descriptor → what it watches
}

func newWatch(t testing.TB) *watch {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &watch{fd: fd, names: map[int]string{}}
}

func (w *watch) add(t testing.TB, path, name string, mask uint32) {
	t.Helper()
	wd, err := unix.InotifyAddWatch(w.fd, path, mask)
	if err != nil {
		t.Fatalf("inotify watch %s: %v", path, err)
	}
	w.names[wd] = name
}

// events returns what happened since the last call, as "name: MASK"
// strings. Events are queued during the syscall that causes them, so once
// the process that caused them has exited, they are all there.
func (w *watch) events(t testing.TB) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 64*1024)
	for {
		n, err := unix.Read(w.fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			out = append(out, fmt.Sprintf("%s: %s", w.names[int(ev.Wd)], inotifyMask(ev.Mask)))
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

func inotifyMask(m uint32) string {
	names := []struct {
		bit  uint32
		name string
	}{
		{unix.IN_ACCESS, "ACCESS"}, {unix.IN_MODIFY, "MODIFY"}, {unix.IN_ATTRIB, "ATTRIB"},
		{unix.IN_CLOSE_WRITE, "CLOSE_WRITE"}, {unix.IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
		{unix.IN_OPEN, "OPEN"}, {unix.IN_CREATE, "CREATE"}, {unix.IN_DELETE, "DELETE"},
		{unix.IN_IGNORED, "IGNORED"},
	}
	var parts []string
	for _, n := range names {
		if m&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%#x", m)
	}
	return strings.Join(parts, "|")
}
