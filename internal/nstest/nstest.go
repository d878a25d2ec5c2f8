// Package nstest creates real namespaces for the tests: it starts helper
// processes in new namespaces, waits for them to report ready on a pipe,
// reads their namespace identities, builds and runs the namespaces_of
// binary, and cleans every process and mount up with t.Cleanup. It also
// holds the few helpers that tests of several packages share (golden
// files, resolved temporary directories).
package nstest

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

//go:embed csrc/nshelper.c
var helperSource []byte

// RequireRoot skips the test unless it runs as root with the privileges to
// create every namespace type.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates namespaces, bind mounts and processes of other users")
	}
}

var (
	buildOnce  sync.Once
	buildDir   string
	helperPath string
	toolPath   string
	buildErr   error
)

// PrebuiltEnv names the environment variable that points the tests at a
// directory holding a namespaces_of and an nshelper built beforehand, instead
// of building them: kernels/matrix sets it, because compiling inside an
// emulated guest (kernels/debian-kernel) is slow.
const PrebuiltEnv = "NSTEST_PREBUILT"

// build compiles the C helper and the namespaces_of binary once per test
// binary. The directory is removed by Cleanup (call it from TestMain).
func build() {
	if dir := os.Getenv(PrebuiltEnv); dir != "" {
		helperPath, toolPath = filepath.Join(dir, "nshelper"), filepath.Join(dir, "namespaces_of")
		for _, p := range []string{helperPath, toolPath} {
			if _, err := os.Stat(p); err != nil {
				buildErr = fmt.Errorf("%s=%s: %v", PrebuiltEnv, dir, err)
			}
		}
		return
	}
	buildDir, buildErr = os.MkdirTemp("", "nstest-")
	if buildErr != nil {
		return
	}
	src := filepath.Join(buildDir, "nshelper.c")
	if buildErr = os.WriteFile(src, helperSource, 0o600); buildErr != nil {
		return
	}
	helperPath = filepath.Join(buildDir, "nshelper")
	if out, err := exec.Command("gcc", "-O2", "-pthread", "-o", helperPath, src).CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("gcc nshelper: %v\n%s", err, out)
		return
	}
	root, err := moduleRoot()
	if err != nil {
		buildErr = err
		return
	}
	toolPath = filepath.Join(buildDir, "namespaces_of")
	cmd := exec.Command("go", "build", "-o", toolPath, "./cmd/namespaces_of")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build: %v\n%s", err, out)
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// Cleanup removes what build made. Call it at the end of TestMain.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// built builds the helper and the tool, once, failing the test if that
// fails.
func built(t testing.TB) {
	t.Helper()
	buildOnce.Do(build)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// Helper returns the path of the compiled nshelper program.
func Helper(t testing.TB) string {
	t.Helper()
	built(t)
	return helperPath
}

// Tool returns the path of the built namespaces_of binary.
func Tool(t testing.TB) string {
	t.Helper()
	built(t)
	return toolPath
}

// Proc is a helper process the test started.
type Proc struct {
	Cmd   *exec.Cmd
	PID   int
	Ready []string // the fields after "ready" on the helper's ready line

	lines  chan string // the ready line; closed if stdout ends first
	stderr *bytes.Buffer
}

// Start runs a command (with optional clone flags and ID mappings in attr),
// waits until it prints a line starting with "ready", and kills and reaps it
// when the test ends. The wait is bounded so a broken helper fails the test
// instead of hanging it.
func Start(t testing.TB, attr *syscall.SysProcAttr, name string, args ...string) *Proc {
	t.Helper()
	p := start(t, attr, exec.Command(name, args...))
	p.AwaitReady(t)
	return p
}

// StartWithInput is Start for a command that prints its ready line only
// after it has read its standard input: it returns at once, with a pipe to
// that input. Write to it, then call AwaitReady.
func StartWithInput(t testing.TB, attr *syscall.SysProcAttr, name string, args ...string) (*Proc, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return start(t, attr, cmd), stdin
}

// start starts cmd, to be killed when the test ends (or when the test
// binary dies), and watches its stdout for the ready line.
func start(t testing.TB, attr *syscall.SysProcAttr, cmd *exec.Cmd) *Proc {
	t.Helper()
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	attr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr = attr
	p := &Proc{Cmd: cmd, lines: make(chan string, 1), stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p.PID = cmd.Process.Pid
	t.Cleanup(func() { p.Kill() })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready") {
				p.lines <- sc.Text()
				return
			}
		}
		close(p.lines)
	}()
	return p
}

// AwaitReady waits (at most 30 s) for the ready line of a process started
// with StartWithInput, and sets p.Ready. Start calls it.
func (p *Proc) AwaitReady(t testing.TB) {
	t.Helper()
	what := p.Cmd.Args
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("%v exited before ready: %s", what, p.stderr.String())
		}
		p.Ready = strings.Fields(line)[1:]
	case <-time.After(30 * time.Second):
		t.Fatalf("%v: no ready line within 30s: %s", what, p.stderr.String())
	}
}

// StartHelper runs nshelper with args; see nshelper.c for the modes.
func StartHelper(t testing.TB, attr *syscall.SysProcAttr, args ...string) *Proc {
	t.Helper()
	return Start(t, attr, Helper(t), args...)
}

// ReadyInt returns field i of the ready line as a number.
func (p *Proc) ReadyInt(t testing.TB, i int) int {
	t.Helper()
	if i >= len(p.Ready) {
		t.Fatalf("ready line %v has no field %d", p.Ready, i)
	}
	n, err := strconv.Atoi(p.Ready[i])
	if err != nil {
		t.Fatalf("ready field %d %q: %v", i, p.Ready[i], err)
	}
	return n
}

// Kill kills the process and reaps it. Safe to call twice.
func (p *Proc) Kill() {
	if p.Cmd.ProcessState != nil {
		return
	}
	p.Cmd.Process.Kill()
	p.Cmd.Wait()
}

// Inode returns the inode of /proc/<path>, a namespace link such as
// "123/ns/net" or "123/task/124/ns/uts".
func Inode(t testing.TB, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+path, &st); err != nil {
		t.Fatalf("stat /proc/%s: %v", path, err)
	}
	return st.Ino
}

// NS returns the inode of process pid's namespace of the given type.
func NS(t testing.TB, pid int, typ string) uint64 {
	t.Helper()
	return Inode(t, strconv.Itoa(pid)+"/ns/"+typ)
}

// Result is the outcome of one run of the tool.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// RunLimit is how long Run and RunCmd let a command run.
const RunLimit = 60 * time.Second

// Run runs the namespaces_of binary with args and returns what it printed.
// It fails the test if the tool does not finish within RunLimit.
func Run(t testing.TB, args ...string) Result {
	t.Helper()
	return RunCmd(t, exec.Command(Tool(t), args...))
}

// RunWithin is Run with another time limit.
func RunWithin(t testing.TB, limit time.Duration, args ...string) Result {
	t.Helper()
	return RunCmdWithin(t, limit, exec.Command(Tool(t), args...))
}

// RunCmd runs a prepared command (e.g. the tool under unshare or another
// user) with a RunLimit bound.
func RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	return RunCmdWithin(t, RunLimit, cmd)
}

// RunCmdWithin runs a prepared command; if it does not finish within limit,
// it is killed and the test fails.
func RunCmdWithin(t testing.TB, limit time.Duration, cmd *exec.Cmd) Result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not finish within %v (killed); stderr:\n%s", cmd.Args, limit, errOut.String())
	}
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: cmd.ProcessState.ExitCode()}
}

// BindMount bind-mounts src onto a new file at dst (created) and unmounts
// it when the test ends.
func BindMount(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.WriteFile(dst, nil, 0o600); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount %s on %s: %v", src, dst, err)
	}
	t.Cleanup(func() { unix.Unmount(dst, unix.MNT_DETACH) })
}

// PublicBinaries copies the tool and the helper into a new directory that
// every user can read and search, for processes that run as another user
// or with a UID that does not map to root: Tool and Helper are built in a
// 0700 directory. It skips the test if a directory above the copies is not
// searchable by other users. The copies are removed when the test ends.
func PublicBinaries(t testing.TB) (tool, helper string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "nstest-public-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := filepath.Dir(dir); p != "/"; p = filepath.Dir(p) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil || st.Mode&0o001 == 0 {
			t.Skipf("%s is not searchable by other users; cannot run binaries from it as another user", p)
		}
	}
	cp := func(src string) string {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
		// Whatever the umask.
		if err := os.Chmod(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	return cp(Tool(t)), cp(Helper(t))
}

// TempDir is t.TempDir with symbolic links resolved, so that its paths
// read as mountinfo (and so the tool) shows them.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Golden compares got with the file at path or, when update is set (a
// package's -update flag), rewrites the file with it.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update and review the diff):\n%s", path, got)
	}
}

// NewUserNS returns the attributes of a process in a new user namespace,
// with root inside mapped to root outside, and in new namespaces of the
// other CLONE_NEW* flags in flags.
func NewUserNS(flags uintptr) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | flags, UidMappings: IDMap(0), GidMappings: IDMap(0)}
}

// IDMap maps root inside a new user namespace to uid outside.
func IDMap(uid int) []syscall.SysProcIDMap {
	return []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
}

// Program returns the path of a program a test needs. Without it the test
// is skipped, except in CI (CI set), whose scripts install it: there its
// absence fails the test.
func Program(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; CI installs it (.ci/run, .ci/serve)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}
