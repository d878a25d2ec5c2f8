package release

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

const module = "github.com/namespaces-of/namespaces_of"

// repoRoot is the checkout's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func command(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, &stderr)
	}
	return string(out)
}

// gitHead is the checkout's HEAD commit; tests that need git skip without it.
func gitHead(t *testing.T) string {
	t.Helper()
	nstest.Program(t, "git")
	out, err := exec.Command("git", "-C", repoRoot(t), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	return strings.TrimSpace(string(out))
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binary builds ./cmd/namespaces_of once, stamped with its revision, and
// returns the directory holding it. Go stamps version control information
// only where .git is a directory, so in a git worktree it builds a clone of
// HEAD instead.
func binary(t *testing.T) string {
	t.Helper()
	head := gitHead(t)
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "release-test-")
		if buildErr != nil {
			return
		}
		src := repoRoot(t)
		if fi, err := os.Stat(filepath.Join(src, ".git")); err != nil || !fi.IsDir() {
			clone := filepath.Join(binDir, "src")
			if out, err := exec.Command("git", "clone", "--quiet", src, clone).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("git clone: %v\n%s", err, out)
				return
			}
			if out, err := exec.Command("git", "-C", clone, "checkout", "--quiet", "--detach", head).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("git checkout: %v\n%s", err, out)
				return
			}
			src = clone
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "namespaces_of"), "./cmd/namespaces_of")
		cmd.Dir = src
		// The environment wins over a go env file's GOFLAGS=-buildvcs=false.
		cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// TestVersionNamesRevision builds the binary and checks that --version
// names the commit it was built from.
func TestVersionNamesRevision(t *testing.T) {
	head := gitHead(t)
	out := command(t, "", nil, filepath.Join(binary(t), "namespaces_of"), "--version")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("--version printed %q, want three lines", out)
	}
	// A checkout without a tag on HEAD gets a pseudo-version naming HEAD.
	if !strings.HasPrefix(lines[0], "namespaces_of v") {
		t.Errorf("--version line 1 %q, want namespaces_of and a module version", lines[0])
	}
	if rev := strings.TrimSuffix(lines[1], " with uncommitted changes"); rev != "revision "+head {
		t.Errorf("--version line 2 %q, want %q (git rev-parse HEAD)", lines[1], "revision "+head)
	}
	if !strings.HasPrefix(lines[2], "built with go") {
		t.Errorf("--version line 3 %q, want the Go version", lines[2])
	}
}

// TestCompletionFromBinary runs the issue's own commands against the built
// binary on PATH.
func TestCompletionFromBinary(t *testing.T) {
	bash := nstest.Program(t, "bash")
	env := append(os.Environ(), "PATH="+binary(t)+":"+os.Getenv("PATH"))
	got := command(t, "", env, bash, "-c", "source <(namespaces_of --completion=bash); complete -p namespaces_of")
	if got != "complete -F _namespaces_of namespaces_of\n" {
		t.Errorf("complete -p namespaces_of: %q", got)
	}
	got = command(t, "", env, bash, "-c", `source <(namespaces_of --completion=bash)
		COMP_LINE="namespaces_of --out"; COMP_POINT=${#COMP_LINE}; _namespaces_of; printf '%s\n' "${COMPREPLY[@]}"`)
	if !slices.Contains(strings.Split(got, "\n"), "--output=") {
		t.Errorf("completing %q offered %q, want --output= among them", "namespaces_of --out", got)
	}
	for _, shell := range []string{"zsh", "fish"} {
		path := nstest.Program(t, shell)
		command(t, "", env, path, "-n", "-c", "x") // the shell works
		script := filepath.Join(t.TempDir(), "script")
		text := command(t, "", nil, filepath.Join(binary(t), "namespaces_of"), "--completion="+shell)
		if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		command(t, "", env, path, "-n", script)
	}
}

// TestGoInstallLatest installs namespaces_of with `go install ...@latest`
// into an empty GOPATH, the way the README says, from a Go module proxy that
// serves this checkout's HEAD as the newest pseudo-version. The module's
// dependencies come from this machine's module cache, then the usual proxy.
// It compiles everything anew, so it is one of the slow release checks that
// .ci/release runs (with RELEASE_TESTS=1).
func TestGoInstallLatest(t *testing.T) {
	if os.Getenv("RELEASE_TESTS") == "" {
		t.Skip("slow (compiles everything in a clean GOPATH): .ci/release runs it with RELEASE_TESTS=1")
	}
	head := gitHead(t)
	root := repoRoot(t)
	tmp := t.TempDir()

	// The pseudo-version Go itself would give HEAD: its commit time, in
	// UTC, and a 12-digit revision prefix.
	unix := strings.TrimSpace(command(t, root, nil, "git", "log", "-1", "--format=%ct", head))
	var secs int64
	fmt.Sscan(unix, &secs)
	when := time.Unix(secs, 0).UTC()
	version := "v0.0.0-" + when.Format("20060102150405") + "-" + head[:12]

	proxy := filepath.Join(tmp, "proxy")
	dir := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, version, when.Format(time.RFC3339))
	src := filepath.Join(tmp, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, head, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive: %v\n%s", err, out)
	}
	goMod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":            nil,
		version + ".info": []byte(info),
		version + ".mod":  goMod,
		version + ".zip":  moduleZip(t, src, module+"@"+version),
		"../@latest":      []byte(info),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	hostCache := strings.TrimSpace(command(t, root, nil, "go", "env", "GOMODCACHE"))
	hostProxy := strings.TrimSpace(command(t, root, nil, "go", "env", "GOPROXY"))
	hostBuildCache := strings.TrimSpace(command(t, root, nil, "go", "env", "GOCACHE"))
	gopath := filepath.Join(tmp, "gopath")
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + tmp, // no go env file of the user's
		"GOPATH=" + gopath,
		"GOMODCACHE=" + filepath.Join(gopath, "pkg", "mod"),
		"GOCACHE=" + hostBuildCache, // compiled packages only: saves CPU, not downloads
		"GOPROXY=file://" + proxy + ",file://" + filepath.Join(hostCache, "cache", "download") + "," + hostProxy,
		"GONOSUMDB=" + module, // not published, so not in the checksum database
		"GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local",
	}
	// The module cache is read-only; only go clean removes it. Its env
	// names the temporary GOPATH, never this machine's module cache.
	t.Cleanup(func() { command(t, tmp, env, "go", "clean", "-modcache") })
	command(t, tmp, env, "go", "install", module+"/cmd/namespaces_of@latest")

	out := command(t, "", nil, filepath.Join(gopath, "bin", "namespaces_of"), "--version")
	want := fmt.Sprintf("namespaces_of %s\nrevision %s\n", version, head[:12])
	if !strings.HasPrefix(out, want) {
		t.Errorf("the installed namespaces_of --version printed %q, want it to start %q", out, want)
	}
}

// moduleZip packs the module in dir as a Go module proxy serves it: every
// regular file, under "module@version/".
func moduleZip(t *testing.T, dir, prefix string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
