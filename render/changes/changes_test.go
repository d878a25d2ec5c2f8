package changes

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/diff"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func id(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }

// scans returns two synthetic scans with one change of every kind.
func scans() diff.Diff {
	build := func() *model.Model {
		m := model.New()
		m.SelfUser, m.SelfPID = id(1), id(5)
		m.ToolVersion, m.KernelRelease = "0.1.0", "6.18.0"
		m.Tasks[100] = &model.Task{ID: 100, TGID: 100, Comm: "sleep"}
		m.Tasks[200] = &model.Task{ID: 200, TGID: 200, Comm: "bad\nname"}
		m.Namespaces[id(1)] = &model.Namespace{ID: id(1), Type: nsfs.User, NSID: 1, CreatorUID: 0, PIDs: []int{1, 100},
			UIDMap: []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}, GIDMap: []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}}
		m.Namespaces[id(2)] = &model.Namespace{ID: id(2), Type: nsfs.User, NSID: 2, Parent: id(1), CreatorUID: 1000, PIDs: []int{200},
			UIDMap: []procfs.IDRange{}, GIDMap: []procfs.IDRange{}}
		m.Namespaces[id(10)] = &model.Namespace{ID: id(10), Type: nsfs.Net, NSID: 10, Owner: id(1), PIDs: []int{1, 100}}
		m.Namespaces[id(11)] = &model.Namespace{ID: id(11), Type: nsfs.UTS, NSID: 11, Owner: id(2), PIDs: []int{200}}
		m.Namespaces[id(12)] = &model.Namespace{ID: id(12), Type: nsfs.Net, NSID: 12, Owner: id(1),
			Holders: []model.Holder{{Kind: model.HolderFD, PID: 100, FD: 0}}}
		return m
	}
	old, cur := build(), build()
	cur.Tasks[300] = &model.Task{ID: 300, TGID: 300, Comm: "unshare"}
	// Added: a net namespace held by a bind mount, with a thread member.
	cur.Namespaces[id(20)] = &model.Namespace{ID: id(20), Type: nsfs.Net, NSID: 20, Owner: id(2),
		Threads: []model.Thread{{TID: 301, PID: 300}},
		Holders: []model.Holder{{Kind: model.HolderBindMount, Path: "/run/netns/blue", MountNS: id(3)}}}
	// Changed: members, holders, maps.
	cur.Namespaces[id(10)].PIDs = []int{1, 300}
	cur.Namespaces[id(2)].UIDMap = []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}
	cur.Namespaces[id(12)].Holders = []model.Holder{{Kind: model.HolderSocket, PID: 300, FD: 4}}
	// Removed: the uts namespace, and with it process 200.
	delete(cur.Namespaces, id(11))
	cur.Namespaces[id(2)].PIDs = nil
	delete(cur.Tasks, 200)
	// Replaced: inode 13 was a pid namespace, is now an ipc one.
	old.Namespaces[id(13)] = &model.Namespace{ID: id(13), Type: nsfs.PID, NSID: 13, Parent: id(5), Owner: id(1), PIDs: []int{100}}
	cur.Namespaces[id(13)] = &model.Namespace{ID: id(13), Type: nsfs.IPC, NSID: 31, Owner: id(1), PIDs: []int{300}}
	return diff.Diff{Old: old, New: cur, Changes: diff.Compare(old, cur, diff.Options{})}
}

var at = time.Date(2026, 11, 30, 15, 4, 5, 6e6, time.UTC)

func TestGolden(t *testing.T) {
	d := scans()
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text.golden":       func(b *bytes.Buffer) error { return Text(b, d, time.Time{}) },
		"watch_text.golden": func(b *bytes.Buffer) error { return Text(b, d, at) },
		"diff.json":         func(b *bytes.Buffer) error { return JSON(b, d, "old.json", "scan") },
		"watch.jsonl":       func(b *bytes.Buffer) error { return JSONLines(b, d, at) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			nstest.Golden(t, filepath.Join("testdata", name), b.Bytes(), *update)
			switch {
			case strings.HasSuffix(name, ".json"):
				if !json.Valid(b.Bytes()) {
					t.Error("not valid JSON")
				}
			case strings.HasSuffix(name, ".jsonl"):
				for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("line not valid JSON: %s", line)
					}
				}
			}
			if lines := strings.Count(b.String(), "\n"); name != "diff.json" && lines != len(d.Changes) {
				t.Errorf("%d lines for %d changes", lines, len(d.Changes))
			}
		})
	}
}

// No change, no output; the JSON document then has an empty list.
func TestNothing(t *testing.T) {
	d := scans()
	d.New, d.Changes = d.Old, nil
	var b bytes.Buffer
	if err := Text(&b, d, at); err != nil || b.Len() != 0 {
		t.Errorf("text: %q, %v", b.String(), err)
	}
	if err := JSONLines(&b, d, at); err != nil || b.Len() != 0 {
		t.Errorf("lines: %q, %v", b.String(), err)
	}
	if err := JSON(&b, d, "a", "b"); err != nil || !strings.Contains(b.String(), `"changes": []`) || !json.Valid(b.Bytes()) {
		t.Errorf("document: %s, %v", b.String(), err)
	}
}
