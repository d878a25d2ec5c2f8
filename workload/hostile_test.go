package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

const rootlessID = "c0ffee0000000000000000000000000000000000000000000000000000000001"

// rootlessHost makes a host root with one rootless podman container of
// user alice (UID 1000) whose storage directory is returned, for the test
// to fill with what a hostile user might leave there.
func rootlessHost(t *testing.T) (root, storage string) {
	t.Helper()
	root = t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	write("proc/700/cgroup", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"+rootlessID+".scope\n")
	storage = filepath.Join(root, "home/alice", rootlessStorage)
	os.MkdirAll(storage, 0o755)
	return root, storage
}

// attributeWithin runs Attribute on a rootlessHost and returns the
// container's name; a scan that blocks fails the test instead of hanging.
func attributeWithin(t *testing.T, root string) string {
	t.Helper()
	procFD, err := unix.Open(filepath.Join(root, "proc"), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(procFD)
	p, ok := ReadProcess(procFD, 700)
	if !ok {
		t.Fatal("ReadProcess failed")
	}
	m := model.New()
	id := nsfs.ID{Dev: 4, Ino: 1}
	m.Namespaces[id] = &model.Namespace{ID: id, Type: nsfs.Net, PIDs: []int{700}}
	done := make(chan struct{})
	go func() { Attribute(m, []Process{p}, Options{ProcFD: procFD, Root: root}); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Attribute blocked on the user's state files")
	}
	w := m.Workload("podman:" + rootlessID)
	if w == nil || !w.Rootless || w.OwnerUser != "alice" {
		t.Fatalf("rootless container not attributed: %+v", w)
	}
	return w.Name
}

// TestHostileRootlessState runs with openat2, and with the walk that
// replaces it before Linux 5.6.
func TestHostileRootlessState(t *testing.T) {
	t.Run("openat2", testHostileRootlessState)
	t.Run("without openat2", func(t *testing.T) {
		withoutOpenat2(t)
		testHostileRootlessState(t)
	})
}

// withoutOpenat2 makes openat2 answer ENOSYS, as before Linux 5.6, until
// the test ends.
func withoutOpenat2(t *testing.T) {
	openat2 = func(int, string, *unix.OpenHow) (int, error) { return -1, unix.ENOSYS }
	t.Cleanup(func() { openat2 = unix.Openat2 })
}

func testHostileRootlessState(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow.json")
	// A file outside the engine's directory that would parse, so that
	// reading it would show.
	os.WriteFile(secret, []byte(`[{"id":"`+rootlessID+`","names":["LEAKED"]}]`), 0o600)

	t.Run("well-formed", func(t *testing.T) {
		root, storage := rootlessHost(t)
		os.WriteFile(filepath.Join(storage, "containers.json"), []byte(`[{"id":"`+rootlessID+`","names":["box"]}]`), 0o644)
		if got := attributeWithin(t, root); got != "box" {
			t.Errorf("name %q, want box", got)
		}
	})
	t.Run("symlink to a file elsewhere", func(t *testing.T) {
		root, storage := rootlessHost(t)
		os.Symlink(secret, filepath.Join(storage, "containers.json"))
		if got := attributeWithin(t, root); got != "" {
			t.Errorf("followed the symlink: name %q", got)
		}
	})
	t.Run("symlink to /etc/shadow", func(t *testing.T) {
		root, storage := rootlessHost(t)
		os.Symlink("/etc/shadow", filepath.Join(storage, "containers.json"))
		if got := attributeWithin(t, root); got != "" {
			t.Errorf("name %q", got)
		}
		if _, err := readFileBeneath(storage, "containers.json"); !errors.Is(err, unix.ELOOP) {
			t.Errorf("reading a symlink: %v, want ELOOP", err)
		}
	})
	t.Run("symlinked directory", func(t *testing.T) {
		root, _ := rootlessHost(t)
		home := filepath.Join(root, "home/alice")
		os.RemoveAll(filepath.Join(home, ".local"))
		evil := filepath.Join(outside, "share/containers/storage/overlay-containers")
		os.MkdirAll(evil, 0o755)
		os.Link(secret, filepath.Join(evil, "containers.json"))
		os.Symlink(outside, filepath.Join(home, ".local"))
		if got := attributeWithin(t, root); got != "" {
			t.Errorf("followed a symlinked directory: name %q", got)
		}
	})
	t.Run("FIFO", func(t *testing.T) {
		root, storage := rootlessHost(t)
		if err := unix.Mkfifo(filepath.Join(storage, "containers.json"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := attributeWithin(t, root); got != "" {
			t.Errorf("name %q from a FIFO", got)
		}
		if _, err := readFileBeneath(storage, "containers.json"); !errors.Is(err, errNotRegular) {
			t.Errorf("reading a FIFO: %v, want %v", err, errNotRegular)
		}
	})
	t.Run("1 GiB file", func(t *testing.T) {
		root, storage := rootlessHost(t)
		p := filepath.Join(storage, "containers.json")
		os.WriteFile(p, []byte(`[{"id":"`+rootlessID+`","names":["big"]}]`), 0o644)
		if err := os.Truncate(p, 1<<30); err != nil { // sparse
			t.Fatal(err)
		}
		if got := attributeWithin(t, root); got != "" {
			t.Errorf("name %q from a 1 GiB file", got)
		}
		if _, err := readFileBeneath(storage, "containers.json"); !errors.Is(err, errTooLarge) {
			t.Errorf("reading 1 GiB: %v, want %v", err, errTooLarge)
		}
	})
	t.Run("terminal escapes in the name", func(t *testing.T) {
		root, storage := rootlessHost(t)
		evil := "x\x1b]0;owned\x07\x1b[2J\nforged line"
		quoted, _ := json.Marshal(evil)
		data := `[{"id":"` + rootlessID + `","names":[` + string(quoted) + `]}]`
		os.WriteFile(filepath.Join(storage, "containers.json"), []byte(data), 0o644)
		got := attributeWithin(t, root)
		if got != evil {
			t.Fatalf("name %q, want it read as is (escaping is the renderers' job)", got)
		}
		w := &model.Workload{Engine: Podman, ID: rootlessID, Name: got, Rootless: true, OwnerUser: "alice"}
		label := w.Label(strconv.Quote)
		if strings.ContainsAny(label, "\x1b\x07\n") {
			t.Errorf("label %q carries control characters", label)
		}
		if !bytes.Contains([]byte(label), []byte(`\x1b`)) {
			t.Errorf("label %q does not show the escape escaped", label)
		}
	})
}

// TestWalkBeneath checks the walk that stands in for openat2 before Linux
// 5.6 against what openat2's RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH allows.
func TestWalkBeneath(t *testing.T) {
	base := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(base, "a/b"), 0o755)
	os.WriteFile(filepath.Join(base, "a/b/file"), []byte("inside"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o644)
	os.Symlink(outside, filepath.Join(base, "a/dirlink"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(base, "a/filelink"))
	os.Symlink("b", filepath.Join(base, "a/inner"))
	dirFD, err := openDir(base)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dirFD)
	for _, c := range []struct {
		rel  string
		want error // nil: opens and reads "inside"
	}{
		{"a/b/file", nil},
		{"./a//b/file", nil},
		{"a/dirlink/secret", unix.ENOTDIR},
		{"a/inner/file", unix.ENOTDIR}, // no symlink at all, not even one that stays inside
		{"a/filelink", unix.ELOOP},
		{"../" + filepath.Base(outside) + "/secret", unix.EXDEV},
		{"a/../a/b/file", unix.EXDEV},
		{filepath.Join(outside, "secret"), unix.EXDEV},
		{"a/b/", unix.EISDIR},
		{"a/b/missing", unix.ENOENT},
	} {
		fd, err := walkBeneath(dirFD, c.rel, unix.O_RDONLY|unix.O_CLOEXEC)
		if c.want != nil {
			if fd >= 0 {
				unix.Close(fd)
			}
			if !errors.Is(err, c.want) {
				t.Errorf("%s: got fd %d, error %v; want %v", c.rel, fd, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.rel, err)
			continue
		}
		buf := make([]byte, 16)
		n, _ := unix.Read(fd, buf)
		unix.Close(fd)
		if string(buf[:n]) != "inside" {
			t.Errorf("%s: read %q", c.rel, buf[:n])
		}
	}
}
