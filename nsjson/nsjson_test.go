package nsjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson/schema"
	"github.com/namespaces-of/namespaces_of/procfs"
)

var update = flag.Bool("update", false, "rewrite docs/example.json and the golden files in testdata/")

func encode(t *testing.T, m *model.Model, v model.View) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, v); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if err := schema.Validate(buf.Bytes()); err != nil {
		t.Fatalf("output does not match the schema: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes()
}

func decode(t *testing.T, data []byte) *model.Model {
	t.Helper()
	m, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	nstest.Golden(t, path, got, *update)
}

// rich is a model that uses every field in every state it can be in, to
// check that nothing is lost on the way through JSON.
func rich() *model.Model {
	m := model.New()
	m.ToolVersion = "1.2.3-dev"
	m.KernelRelease = "6.18.44-fc-v657"
	m.SelfUser, m.SelfPID = id(100), id(200)
	m.ScannerPID = 9000
	m.Namespaces[id(100)] = &model.Namespace{
		ID: id(100), Type: nsfs.User, NSID: 1 << 62, CreatorUID: 0,
		UIDMap: []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}},
		GIDMap: []procfs.IDRange{}, // map not written yet
		PIDs:   []int{1, 7, 9},
	}
	m.Namespaces[id(101)] = &model.Namespace{
		ID: id(101), Type: nsfs.User, Parent: id(100), CreatorUID: -1, // unknown creator, maps not read
		Holders: []model.Holder{
			{Kind: model.HolderDescendant, Of: id(102)},
			{Kind: model.HolderKernelList},
		},
	}
	m.Namespaces[id(102)] = &model.Namespace{
		ID: id(102), Type: nsfs.Net, Owner: id(101), CreatorUID: -1,
		Threads: []model.Thread{{TID: 8, PID: 7}, {TID: 7, PID: 7}},
		Holders: []model.Holder{
			{Kind: model.HolderFD, PID: 7, FD: 0}, // fd 0 is a real fd
			{Kind: model.HolderSocket, PID: 9, FD: 4},
			{Kind: model.HolderBindMount, Path: "/run/netns/with space \"and\" [brackets], commas", MountNS: id(103)},
		},
	}
	m.Namespaces[id(103)] = &model.Namespace{ID: id(103), Type: nsfs.Mount, CreatorUID: -1, PIDs: []int{9}} // owner invisible
	otherDev := nsfs.ID{Dev: 5, Ino: 100}                                                                   // same inode, other device
	m.Namespaces[otherDev] = &model.Namespace{ID: otherDev, Type: nsfs.Time, Owner: id(100), CreatorUID: -1}
	m.Namespaces[id(200)] = &model.Namespace{ID: id(200), Type: nsfs.PID, Owner: id(100), CreatorUID: -1, PIDs: []int{1}}
	m.Namespaces[id(201)] = &model.Namespace{
		ID: id(201), Type: nsfs.PID, Parent: id(200), Owner: id(101), CreatorUID: -1,
		Holders: []model.Holder{{Kind: model.HolderPIDChildren, PID: 9}},
	}
	m.Namespaces[id(202)] = &model.Namespace{ID: id(202), Type: nsfs.Time, Owner: id(999), CreatorUID: -1, // owner not in the model
		Holders: []model.Holder{{Kind: model.HolderTimeChildren, PID: 9}, {Kind: model.HolderBindMount, FD: 3, Path: "/x"}}}
	for _, typ := range []nsfs.Type{nsfs.Cgroup, nsfs.IPC, nsfs.UTS} {
		ino := 300 + uint64(typ.Rank())
		m.Namespaces[id(ino)] = &model.Namespace{ID: id(ino), Type: typ, Owner: id(101), CreatorUID: -1, PIDs: []int{7}}
	}
	m.Tasks[1] = &model.Task{ID: 1, TGID: 1, PPID: 0, UID: 0, Comm: "init", NStgid: []int{1}}
	m.Tasks[7] = &model.Task{ID: 7, TGID: 7, PPID: 1, UID: 1000, Comm: "a \"weird\"\tcomm\n<&>", NStgid: []int{}}
	m.Tasks[8] = &model.Task{ID: 8, TGID: 7, PPID: 1, UID: -1}
	m.Tasks[9] = &model.Task{ID: 9, UID: 4294967294, Comm: "[x]"}
	m.Tasks[42] = &model.Task{ID: 42, TGID: 42, UID: -1} // named by nothing
	m.Skipped = []model.Skip{{PID: 5, Reason: "EPERM"}, {PID: 3, Reason: "EACCES"}}
	m.Sources = []model.SourceReport{{Name: "proc", Ran: true}, {Name: "listns", Reason: "ENOSYS"}}
	m.Normalize()
	return m
}

func TestRoundTrip(t *testing.T) {
	for name, m := range map[string]*model.Model{"rich": rich(), "scenario": scenario(), "empty": model.New()} {
		t.Run(name, func(t *testing.T) {
			first := encode(t, m, model.View{})
			back := decode(t, first)
			back.Normalize()
			if !reflect.DeepEqual(m, back) {
				t.Errorf("model -> JSON -> model changed the model:\nwant %s\ngot  %s", dump(m), dump(back))
			}
			if second := encode(t, back, model.View{}); !bytes.Equal(first, second) {
				t.Errorf("model -> JSON -> model -> JSON changed the bytes:\n%s\n---\n%s", first, second)
			}
		})
	}
}

// dump shows a model's contents for a failure message.
func dump(m *model.Model) string {
	var b strings.Builder
	ids := slices.SortedFunc(maps.Keys(m.Namespaces), func(a, b nsfs.ID) int {
		if a.Less(b) {
			return -1
		}
		if b.Less(a) {
			return 1
		}
		return 0
	})
	for _, id := range ids {
		b.WriteString(strings.ReplaceAll(strings.TrimSpace(jsonish(m.Namespaces[id])), "\n", " "))
		b.WriteString("\n")
	}
	for _, pid := range slices.Sorted(maps.Keys(m.Tasks)) {
		b.WriteString(jsonish(m.Tasks[pid]) + "\n")
	}
	b.WriteString(jsonish([]any{m.SelfUser, m.SelfPID, m.ScannerPID, m.Skipped, m.Sources, m.ToolVersion, m.KernelRelease}))
	return b.String()
}

func jsonish(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// Filtered views must round-trip too: the CLI may save a filtered scan.
func TestRoundTripFiltered(t *testing.T) {
	for name, v := range views() {
		t.Run(name, func(t *testing.T) {
			first := encode(t, scenario(), v)
			second := encode(t, decode(t, first), v)
			if !bytes.Equal(first, second) {
				t.Errorf("model -> JSON -> model -> JSON changed the bytes:\n%s\n---\n%s", first, second)
			}
		})
	}
}

func views() map[string]model.View {
	return map[string]model.View{
		"all":             {},
		"types_net":       {Types: nsfs.NewTypeSet(nsfs.Net)},
		"types_user":      {Types: nsfs.NewTypeSet(nsfs.User)},
		"pidns":           {Hierarchy: model.PIDHierarchy},
		"subtree_user":    {Subtree: ctrUser},
		"subtree_pid":     {Hierarchy: model.PIDHierarchy, Subtree: ctrPID},
		"subtree_missing": {Subtree: id(1)},
	}
}

// The scenario's document is docs/example.json; the views' documents are
// goldens. Read them by eye after -update.
func TestGolden(t *testing.T) {
	golden(t, filepath.Join("..", "docs", "example.json"), encode(t, scenario(), model.View{}))
	for name, v := range views() {
		if name == "all" {
			continue
		}
		golden(t, filepath.Join("testdata", name+".json"), encode(t, scenario(), v))
	}
	golden(t, filepath.Join("testdata", "rich.json"), encode(t, rich(), model.View{}))
}

// What each view keeps, checked directly rather than only through goldens.
func TestViewContents(t *testing.T) {
	type nsOut struct {
		Type        string `json:"type"`
		Inode       uint64 `json:"inode"`
		Parent      *ref   `json:"parent"`
		Owner       *ref   `json:"owner"`
		Descendants []ref  `json:"descendants"`
	}
	var doc struct {
		Roots      rootsDoc  `json:"roots"`
		Namespaces []nsOut   `json:"namespaces"`
		Tasks      []taskDoc `json:"tasks"`
	}
	load := func(v model.View) {
		doc.Roots, doc.Namespaces, doc.Tasks = rootsDoc{}, nil, nil
		if err := json.Unmarshal(encode(t, scenario(), v), &doc); err != nil {
			t.Fatal(err)
		}
	}
	inodes := func() []uint64 {
		var out []uint64
		for _, ns := range doc.Namespaces {
			out = append(out, ns.Inode)
		}
		return out
	}
	refs := func(ids ...nsfs.ID) []ref {
		out := []ref{}
		for _, id := range ids {
			out = append(out, refOf(id))
		}
		return out
	}

	load(model.View{Types: nsfs.NewTypeSet(nsfs.Net)})
	want := []uint64{hostNet.Ino, hostUser.Ino, blueNet.Ino, ctrUser.Ino, ctrNet.Ino, sandUser.Ino, sandNet.Ino}
	if got := inodes(); !slices.Equal(got, want) {
		t.Errorf("--namespaces=net: namespaces %v, want %v", got, want)
	}
	if !reflect.DeepEqual(doc.Roots, rootsDoc{User: refs(hostUser), PID: refs()}) {
		t.Errorf("--namespaces=net: roots %+v", doc.Roots)
	}
	for _, ns := range doc.Namespaces {
		if ns.Inode == ctrUser.Ino && !reflect.DeepEqual(ns.Descendants, refs(ctrNet, sandUser)) {
			t.Errorf("--namespaces=net: descendants of the container's user namespace: %v", ns.Descendants)
		}
	}

	load(model.View{Hierarchy: model.PIDHierarchy, Subtree: ctrPID})
	if got := inodes(); !slices.Equal(got, []uint64{ctrPID.Ino, sandPID.Ino}) {
		t.Errorf("--pidns --subtree: namespaces %v", got)
	}
	if !reflect.DeepEqual(doc.Roots, rootsDoc{User: refs(), PID: refs(ctrPID)}) {
		t.Errorf("--pidns --subtree: roots %+v", doc.Roots)
	}
	// References may leave the document: the parent of the subtree's root,
	// and owners (user namespaces are not in a PID view).
	if p := doc.Namespaces[0].Parent; p == nil || *p != refOf(hostPID) {
		t.Errorf("--pidns --subtree: parent of the root is %v, want the host's", p)
	}
	var tasks []int
	for _, task := range doc.Tasks {
		tasks = append(tasks, task.ID)
	}
	// Members of the two PID namespaces, plus 1500 which holds
	// pid_for_children of the sandbox.
	if want := []int{1400, 1410, 1500, 1510}; !slices.Equal(tasks, want) {
		t.Errorf("--pidns --subtree: tasks %v, want %v", tasks, want)
	}

	load(model.View{})
	if len(doc.Namespaces) != len(scenario().Namespaces) || len(doc.Tasks) != len(scenario().Tasks) {
		t.Errorf("full view: %d namespaces and %d tasks, want all", len(doc.Namespaces), len(doc.Tasks))
	}
	if !reflect.DeepEqual(doc.Roots, rootsDoc{User: refs(hostUser), PID: refs(hostPID)}) {
		t.Errorf("full view: roots %+v", doc.Roots)
	}
}

func TestNulls(t *testing.T) {
	var doc struct {
		Namespaces []map[string]json.RawMessage `json:"namespaces"`
		Tasks      []map[string]json.RawMessage `json:"tasks"`
	}
	if err := json.Unmarshal(encode(t, rich(), model.View{}), &doc); err != nil {
		t.Fatal(err)
	}
	find := func(list []map[string]json.RawMessage, key, value string) map[string]json.RawMessage {
		for _, obj := range list {
			if string(obj[key]) == value {
				return obj
			}
		}
		t.Fatalf("no object with %s=%s", key, value)
		return nil
	}
	checks := []struct {
		obj       map[string]json.RawMessage
		key, want string
	}{
		{find(doc.Namespaces, "inode", "100"), "nsid", "4611686018427387904"},
		{find(doc.Namespaces, "inode", "100"), "gid_map", "[]"},
		{find(doc.Namespaces, "inode", "100"), "owner_visible", "null"},
		{find(doc.Namespaces, "inode", "101"), "nsid", "null"},
		{find(doc.Namespaces, "inode", "101"), "creator_uid", "null"},
		{find(doc.Namespaces, "inode", "101"), "uid_map", "null"},
		{find(doc.Namespaces, "inode", "101"), "pids", "[]"},
		{find(doc.Namespaces, "inode", "102"), "owner_visible", "true"},
		{find(doc.Namespaces, "inode", "103"), "owner_visible", "false"},
		{find(doc.Namespaces, "inode", "103"), "owner", "null"},
		{find(doc.Tasks, "id", "7"), "nstgid", "[]"},
		{find(doc.Tasks, "id", "8"), "nstgid", "null"},
		{find(doc.Tasks, "id", "8"), "uid", "null"},
		{find(doc.Tasks, "id", "8"), "comm", "null"},
		{find(doc.Tasks, "id", "9"), "tgid", "null"},
		{find(doc.Tasks, "id", "9"), "ppid", "null"},
	}
	for _, c := range checks {
		if got := string(c.obj[c.key]); got != c.want {
			t.Errorf("%s of %s: %s, want %s", c.key, string(c.obj["inode"])+string(c.obj["id"]), got, c.want)
		}
	}
}

func TestEncodeLeavesModelAlone(t *testing.T) {
	m := rich()
	m.Namespaces[id(100)].PIDs = []int{9, 1, 7, 7}
	m.Skipped = []model.Skip{{PID: 5}, {PID: 3}}
	before := dump(m)
	encode(t, m, model.View{})
	if after := dump(m); after != before {
		t.Errorf("Encode modified the model:\n%s\n---\n%s", before, after)
	}
}

func TestEncodeErrors(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, nil, model.View{}); err == nil {
		t.Error("nil model: no error")
	}
	m := model.New()
	m.Namespaces[id(1)] = &model.Namespace{ID: id(1), Type: 0x4242}
	if err := Encode(&bytes.Buffer{}, m, model.View{}); err == nil || !strings.Contains(err.Error(), "unknown type") {
		t.Errorf("unknown type: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := string(encode(t, rich(), model.View{}))
	for name, c := range map[string]struct{ doc, want string }{
		"not json":       {`{`, "unexpected end"},
		"no version":     {`{"namespaces": []}`, "no schema_version"},
		"future version": {`{"schema_version": 2}`, "schema_version 2 not supported"},
		"trailing data":  {valid + "{}", "invalid character"},
		"unknown type":   {`{"schema_version": 1, "namespaces": [{"type": "foo", "inode": 1}]}`, `unknown type "foo"`},
		"inode 0":        {`{"schema_version": 1, "namespaces": [{"type": "net", "inode": 0}]}`, "inode 0"},
		"duplicate":      {`{"schema_version": 1, "namespaces": [{"type": "net", "inode": 1}, {"type": "net", "inode": 1}]}`, "listed twice"},
		"duplicate task": {`{"schema_version": 1, "namespaces": [], "tasks": [{"id": 1}, {"id": 1}]}`, "task 1 listed twice"},
		"no namespaces":  {`{"schema_version": 1, "changes": []}`, "no namespaces"},
		"short map line": {`{"schema_version": 1, "namespaces": [{"type": "user", "inode": 1, "uid_map": [[0, 0]]}]}`, "uid_map: id map entry 0"},
		"string inode":   {`{"schema_version": 1, "namespaces": [{"type": "net", "inode": "1"}]}`, "cannot unmarshal string"},
		"negative inode": {`{"schema_version": 1, "namespaces": [{"type": "net", "inode": -1}]}`, "cannot unmarshal number -1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// Decode reads what it documents, including a minimal hand-written document
// with keys left out and unknown keys added.
func TestDecodeMinimal(t *testing.T) {
	m, err := Decode(strings.NewReader(`{"schema_version": 1, "future_key": {"x": 1},
		"namespaces": [{"type": "user", "inode": 7, "device": 4, "uid_map": [[0, 1000, 1]], "pids": [3]}],
		"tasks": [{"id": 3, "comm": "sh"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := model.New()
	want.Namespaces[id(7)] = &model.Namespace{ID: id(7), Type: nsfs.User, CreatorUID: -1,
		UIDMap: []procfs.IDRange{{Inside: 0, Outside: 1000, Count: 1}}, PIDs: []int{3}}
	want.Tasks[3] = &model.Task{ID: 3, UID: -1, Comm: "sh"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %s\nwant %s", dump(m), dump(want))
	}
}

func TestSchemaRejects(t *testing.T) {
	valid := encode(t, rich(), model.View{})
	for name, edit := range map[string]func(doc map[string]any){
		"missing key":        func(doc map[string]any) { delete(doc, "roots") },
		"extra key":          func(doc map[string]any) { doc["extra"] = 1 },
		"version":            func(doc map[string]any) { doc["schema_version"] = 2 },
		"string number":      func(doc map[string]any) { ns(doc, 100)["inode"] = "100" },
		"unknown type":       func(doc map[string]any) { ns(doc, 100)["type"] = "foo" },
		"map line length":    func(doc map[string]any) { ns(doc, 100)["uid_map"] = []any{[]any{0, 0}} },
		"uid_map over 32bit": func(doc map[string]any) { ns(doc, 100)["uid_map"] = []any{[]any{0, 0, 1 << 32}} },
		"user with owner":    func(doc map[string]any) { ns(doc, 100)["owner"] = map[string]any{"device": 4, "inode": 1} },
		"net visible null":   func(doc map[string]any) { ns(doc, 102)["owner_visible"] = nil },
		"holder kind": func(doc map[string]any) {
			ns(doc, 102)["holders"] = []any{map[string]any{"kind": "x", "pid": nil, "fd": nil, "path": nil, "mount_ns": nil, "of": nil}}
		},
		"pid zero": func(doc map[string]any) { ns(doc, 100)["pids"] = []any{0} },
	} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(valid, &doc); err != nil {
				t.Fatal(err)
			}
			edit(doc)
			data, _ := json.Marshal(doc)
			if err := schema.Validate(data); err == nil {
				t.Errorf("schema accepted %s", data)
			}
		})
	}
	if err := schema.Validate(append(valid, "{}"...)); err == nil {
		t.Error("schema accepted trailing data")
	}
}

// ns finds a namespace of a decoded document by inode.
func ns(doc map[string]any, ino float64) map[string]any {
	for _, n := range doc["namespaces"].([]any) {
		if n := n.(map[string]any); n["inode"] == ino {
			return n
		}
	}
	panic("no such namespace")
}

// indent is indentTo into a new buffer.
func indent(src []byte) []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	indentTo(w, src, 0)
	w.Flush()
	return b.Bytes()
}

func TestIndent(t *testing.T) {
	for _, compact := range []string{
		`{}`, `[]`, `1`, `"s"`, `null`,
		`{"a":[],"b":{},"c":[1,2,3],"d":[[1,2],[]],"e":[{"x":null}]}`,
		`{"s":"a,b [c] {d} \"e\" \\","t":["x,y","]","\\\"",true,-1.5e3]}`,
	} {
		got := indent([]byte(compact))
		var back bytes.Buffer
		if err := json.Compact(&back, got); err != nil {
			t.Errorf("indent(%s) is not JSON: %v\n%s", compact, err, got)
			continue
		}
		if back.String() != compact {
			t.Errorf("indent(%s) changed the content: %s", compact, got)
		}
	}
	long := strings.Repeat("x", 100)
	got := string(indent([]byte(`{"a":[1,2],"b":[[0,0,1]],"c":{},"d":{"k":"` + long + `"},"e":{"x":{"y":[1]}},"f":["` + long + `"]}`)))
	want := `{
  "a": [1, 2],
  "b": [[0, 0, 1]],
  "c": {},
  "d": {
    "k": "` + long + `"
  },
  "e": {
    "x": {"y": [1]}
  },
  "f": ["` + long + `"]
}`
	if got != want {
		t.Errorf("layout:\n%s\nwant\n%s", got, want)
	}
}

// DecodeWithView gives back the view a document was written with.
func TestDecodeWithView(t *testing.T) {
	for _, v := range []model.View{
		{},
		{Types: nsfs.NewTypeSet(nsfs.Net)},
		{Hierarchy: model.PIDHierarchy},
		{Subtree: id(100)},
	} {
		var b bytes.Buffer
		if err := Encode(&b, rich(), v); err != nil {
			t.Fatal(err)
		}
		_, got, err := DecodeWithView(&b)
		if err != nil {
			t.Fatal(err)
		}
		want := v
		if want.Types != 0 {
			want.Types |= nsfs.NewTypeSet(nsfs.User)
		}
		if got.Hierarchy != want.Hierarchy || got.Types != want.Types || got.Subtree != want.Subtree || got.Match != nil {
			t.Errorf("view %+v read back as %+v", v, got)
		}
	}
}

// A namespace a display filter keeps only as context says so; the others
// carry no "context" key.
func TestContext(t *testing.T) {
	m := scenario()
	out := encode(t, m, model.View{Match: func(ns *model.Namespace) bool { return ns.Type == nsfs.Net && len(ns.PIDs) == 0 }})
	var doc struct {
		Namespaces []map[string]any `json:"namespaces"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var context, selected []string
	for _, ns := range doc.Namespaces {
		name := fmt.Sprintf("%v %v", ns["type"], ns["inode"])
		switch c, ok := ns["context"]; {
		case !ok:
			selected = append(selected, name)
		case c == true:
			context = append(context, name)
		default:
			t.Errorf("%s: context %v", name, c)
		}
	}
	if len(selected) == 0 || len(context) == 0 {
		t.Errorf("selected %v, context %v: want both", selected, context)
	}
	for _, name := range selected {
		if !strings.HasPrefix(name, "net ") {
			t.Errorf("%s selected", name)
		}
	}
	for _, name := range context {
		if !strings.HasPrefix(name, "user ") {
			t.Errorf("%s kept as context", name)
		}
	}
}

// Encode writes the document top-level value by value and the long lists
// element by element; that must be exactly the layout of the whole
// document's compact encoding.
func TestEncodeStreamsTheSameLayout(t *testing.T) {
	tricky := landscapeModel(40, 4)
	for i, comm := range []string{`<img src=x onerror="1">`, `back\\slash`, "tab\there", "ünï", "\u2028", "a&b", ""} {
		tricky.Tasks[9000+i] = &model.Task{ID: 9000 + i, TGID: 9000 + i, PPID: 1, UID: 0, Comm: comm}
	}
	small := model.New()
	small.Tasks[5] = &model.Task{ID: 5, TGID: 5, UID: -1}
	small.Skipped = []model.Skip{{PID: 1, Reason: "EACCES"}}
	for name, m := range map[string]*model.Model{
		"rich": rich(), "scenario": scenario(), "landscape": landscapeModel(40, 4), "tricky": tricky, "small": small, "empty": model.New(),
	} {
		for _, v := range []model.View{{}, {Hierarchy: model.PIDHierarchy}, {Types: nsfs.NewTypeSet(nsfs.Net)}} {
			var got bytes.Buffer
			if err := Encode(&got, m, v); err != nil {
				t.Fatal(err)
			}
			doc, err := build(m, v)
			if err != nil {
				t.Fatal(err)
			}
			compact, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			// json.Marshal escapes <, > and &; Encode does not.
			compact = bytes.ReplaceAll(compact, []byte(`\u003c`), []byte("<"))
			compact = bytes.ReplaceAll(compact, []byte(`\u003e`), []byte(">"))
			compact = bytes.ReplaceAll(compact, []byte(`\u0026`), []byte("&"))
			if want := string(indent(compact)) + "\n"; got.String() != want {
				t.Errorf("%s, view %+v: streamed layout differs from the whole document's:\n%s\nwant\n%s", name, v, got.String(), want)
			}
		}
	}
}
