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

func TestHostileRootlessState(t *testing.T) {
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
