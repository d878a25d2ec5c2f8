package list

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/filter"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scenario is the documented scenario (docs/scenario.md), read from the
// JSON the nsjson tests write.
func scenario(t *testing.T) *model.Model {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := nsjson.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func id(ino uint64) nsfs.ID { return nsfs.ID{Dev: 4, Ino: ino} }

// edge is a model with the values the table must cope with: members whose
// task was not read, unknown values, names that need escaping, namespaces
// kept alive only by holders.
func edge() *model.Model {
	m := model.New()
	add := func(ns *model.Namespace) {
		if ns.CreatorUID == 0 && ns.Type != nsfs.User {
			ns.CreatorUID = -1
		}
		m.Namespaces[ns.ID] = ns
	}
	add(&model.Namespace{ID: id(100), Type: nsfs.User, CreatorUID: 1000})                                  // no members: creator's UID
	add(&model.Namespace{ID: id(99), Type: nsfs.User, CreatorUID: -1, Parent: id(100)})                    // no members, creator unknown
	add(&model.Namespace{ID: id(101), Type: nsfs.Net, Owner: id(100), PIDs: []int{30, 7}, NSID: 12345678}) // task 7 not read
	add(&model.Namespace{ID: id(102), Type: nsfs.Mount, PIDs: []int{40}})                                  // owner invisible
	add(&model.Namespace{ID: id(103), Type: nsfs.PID, Owner: id(100),
		Holders: []model.Holder{{Kind: model.HolderPIDChildren, PID: 40}}})
	add(&model.Namespace{ID: id(104), Type: nsfs.Net, Owner: id(100), Holders: []model.Holder{
		{Kind: model.HolderBindMount, Path: `/run/netns/a b\c`, MountNS: id(1)},
		{Kind: model.HolderBindMount, Path: `/run/netns/a b\c`, MountNS: id(2)},
		{Kind: model.HolderBindMount, Path: "/var/run/x", MountNS: id(2)},
		{Kind: model.HolderFD, PID: 9, FD: 3},
		{Kind: model.HolderSocket, PID: 9, FD: 4},
	}})
	add(&model.Namespace{ID: id(105), Type: nsfs.UTS, Owner: id(100), PIDs: []int{50}})
	add(&model.Namespace{ID: id(106), Type: nsfs.Time, Owner: id(100), Holders: []model.Holder{{Kind: model.HolderFD, PID: 9, FD: 0}}})
	add(&model.Namespace{ID: id(107), Type: nsfs.PID, Parent: id(103), Owner: id(99), PIDs: []int{60}})
	add(&model.Namespace{ID: id(108), Type: nsfs.IPC, Owner: id(100), Threads: []model.Thread{{TID: 71, PID: 70}}}) // only a thread is in it
	zero, unassigned := int32(0), int32(-1)
	m.Namespaces[id(101)].NetNSID = &zero
	m.Namespaces[id(104)].NetNSID = &unassigned
	m.Tasks[30] = &model.Task{ID: 30, TGID: 30, PPID: 1, UID: 0, Comm: "sshd", Cmdline: "sshd: alice [priv]"}
	m.Tasks[40] = &model.Task{ID: 40, TGID: 40, UID: -1, Comm: "tmux: server\n"}
	m.Tasks[50] = &model.Task{ID: 50, TGID: 50, PPID: 40, UID: 100032, Comm: `bäd\näme`, Cmdline: "bash -l"}
	m.Tasks[60] = &model.Task{ID: 60, TGID: 60, PPID: 50, UID: 1000, Comm: "\xff\x01"}
	m.Normalize()
	return m
}

func userName(uid int) string {
	switch uid {
	case 0:
		return "root"
	case 1000:
		return "alice"
	}
	return strconv.Itoa(uid)
}

func render(t *testing.T, m *model.Model, v model.View, opts Options) string {
	t.Helper()
	opts.UserName = userName
	var buf bytes.Buffer
	if err := Render(&buf, m, v, opts); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	nstest.Golden(t, filepath.Join("testdata", name+".golden"), []byte(got), *update)
}

// Each column, on the scenario and on the edge cases, aligned and raw.
func TestColumns(t *testing.T) {
	for _, c := range AllColumns() {
		t.Run(c.String(), func(t *testing.T) {
			cols := []Column{NS, c}
			if c == NS {
				cols = []Column{NS}
			}
			var b strings.Builder
			for _, m := range []*model.Model{scenario(t), edge()} {
				b.WriteString(render(t, m, model.View{}, Options{Columns: cols}))
				b.WriteString("\n")
				b.WriteString(render(t, m, model.View{}, Options{Columns: cols, Raw: true}))
				b.WriteString("\n")
			}
			golden(t, "column_"+c.String(), b.String())
		})
	}
}

func TestFormats(t *testing.T) {
	all := AllColumns()
	for name, c := range map[string]struct {
		m    *model.Model
		v    model.View
		opts Options
	}{
		"default":            {scenario(t), model.View{}, Options{}},
		"no_headings":        {scenario(t), model.View{}, Options{NoHeadings: true}},
		"raw":                {scenario(t), model.View{}, Options{Raw: true}},
		"raw_no_headings":    {scenario(t), model.View{}, Options{Raw: true, NoHeadings: true}},
		"all":                {scenario(t), model.View{}, Options{Columns: all}},
		"all_raw":            {scenario(t), model.View{}, Options{Columns: all, Raw: true}},
		"edge_all":           {edge(), model.View{}, Options{Columns: all}},
		"edge_all_raw":       {edge(), model.View{}, Options{Columns: all, Raw: true}},
		"types_net":          {scenario(t), model.View{Types: nsfs.NewTypeSet(nsfs.Net)}, Options{}},
		"pidns":              {scenario(t), model.View{Hierarchy: model.PIDHierarchy}, Options{Columns: []Column{NS, Type, NProcs, PID, Parent, Owner}}},
		"subtree":            {scenario(t), model.View{Subtree: id(4026532400)}, Options{}},
		"subtree_missing":    {scenario(t), model.View{Subtree: id(1)}, Options{}},
		"empty_model":        {model.New(), model.View{}, Options{}},
		"duplicated_columns": {scenario(t), model.View{Types: nsfs.NewTypeSet(nsfs.User)}, Options{Columns: []Column{Type, NS, Type}}},
		"edge_nowrap":        {edge(), model.View{}, Options{Columns: []Column{NS, NSFS, Type}, NoWrap: true}},
		"edge_net_columns":   {edge(), model.View{}, Options{Columns: NetColumns}},
		// Context namespaces (kept by the view only for what lies below
		// them) are not rows.
		"match_no_procs": {scenario(t), model.View{Match: func(ns *model.Namespace) bool { return len(ns.PIDs) == 0 }}, Options{}},
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, name, render(t, c.m, c.v, c.opts))
		})
	}
}

// Raw lines always split into one field per column, however odd the values.
func TestRawFields(t *testing.T) {
	for _, m := range []*model.Model{scenario(t), edge()} {
		out := render(t, m, model.View{}, Options{Columns: AllColumns(), Raw: true})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(m.Namespaces)+1 {
			t.Errorf("%d lines for %d namespaces and a heading", len(lines), len(m.Namespaces))
		}
		for _, line := range lines {
			if n := len(strings.Split(line, " ")); n != len(AllColumns()) {
				t.Errorf("%d fields, want %d: %q", n, len(AllColumns()), line)
			}
		}
	}
}

// Aligned lines have no trailing blanks and every column starts at the
// same place (for left-aligned columns) on every line.
func TestAligned(t *testing.T) {
	out := render(t, scenario(t), model.View{}, Options{Columns: []Column{NS, Type, Command, NProcs}})
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.TrimRight(line, " ") != line {
			t.Errorf("trailing blanks: %q", line)
		}
		if len(line) != len(strings.SplitN(out, "\n", 2)[0]) {
			t.Errorf("line width differs from the heading's: %q", line)
		}
	}
}

func TestParseColumns(t *testing.T) {
	for spec, want := range map[string][]Column{
		"NS,TYPE,NPROCS,PID,USER,COMM":          {NS, Type, NProcs, PID, User, Comm},
		"ns, type ,Pid":                         {NS, Type, PID},
		"+PATH":                                 append(slices.Clone(DefaultColumns), Path),
		"pns,ONS,command,netnsid":               {PNS, ONS, Command, NetNSID},
		"ns,ns":                                 {NS, NS},
		"ID,PPID,UID,PARENT,OWNER,HOLDERS,NSFS": {ID, PPID, UID, Parent, Owner, Holders, NSFS},
	} {
		got, err := ParseColumns(spec)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseColumns(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	valid := "(valid: NS,ID,TYPE,NPROCS,PID,PPID,USER,UID,COMMAND,COMM,PARENT,OWNER,PNS,ONS,HOLDERS,PATH,NSFS,NETNSID,CONTAINER,ENGINE,POD,UNIT)"
	for spec, want := range map[string]string{
		"NS,FOO,BAR": `unknown column "FOO" ` + valid,
		"":           "empty column name " + valid,
		"NS,":        "empty column name " + valid,
		"+":          "empty column name " + valid,
	} {
		_, err := ParseColumns(spec)
		if err == nil || err.Error() != want {
			t.Errorf("ParseColumns(%q) error %v, want %q", spec, err, want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	if err := Render(&bytes.Buffer{}, nil, model.View{}, Options{}); err == nil {
		t.Error("nil model: no error")
	}
	if err := Render(&bytes.Buffer{}, edge(), model.View{}, Options{Columns: []Column{numColumns}}); err == nil {
		t.Error("bad column: no error")
	}
}

// Every column has a name that parses back to it, and help text.
func TestColumnNames(t *testing.T) {
	for _, c := range AllColumns() {
		back, err := ParseColumns(strings.ToLower(c.String()))
		if err != nil || len(back) != 1 || back[0] != c {
			t.Errorf("%v does not parse back: %v %v", c, back, err)
		}
		if c.Help() == "" {
			t.Errorf("%v has no help", c)
		}
	}
}

// The default user name lookup falls back to the number.
func TestSystemUserName(t *testing.T) {
	name := systemUserName()
	if got := name(0); got != "root" {
		t.Logf("UID 0 is %q here", got) // not every system calls it root
	}
	if got := name(2147483000); got != "2147483000" {
		t.Errorf("unnamed UID shown as %q", got)
	}
}

// The filter sees each column as the table shows it, typed as lsns types it.
func TestMatcher(t *testing.T) {
	m := edge()
	for expr, want := range map[string][]uint64{
		`NPROCS == 0`:                                      {99, 100, 103, 104, 106, 108},
		`HOLDERS =~ "^(descendant|thread):"`:               {99, 100, 108},
		`TYPE == "net" && NETNSID == "unassigned"`:         {104},
		`NETNSID == 0`:                                     {101},
		`HOLDERS =~ "bind"`:                                {104},
		`NSFS =~ "^/var/run/x$"`:                           {104},
		`COMMAND =~ "^bash -l$" || COMM == "tmux: server"`: {102, 105},
		`PNS == 103 or ONS == 99`:                          {107},
		`PPID == 40`:                                       {105},
		`!PID`:                                             {99, 100, 103, 104, 106, 108},
		`USER == "alice"`:                                  {100, 107},
		`NS > 104 and ns <= 106`:                           {105, 106},
	} {
		e, err := filter.Parse(expr)
		if err == nil {
			err = e.Bind(Lookup)
		}
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		match := Matcher(m, e, Options{UserName: userName})
		var got []uint64
		for _, ns := range m.Select(model.View{}).ByID() {
			if match(ns) {
				got = append(got, ns.ID.Ino)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: selected %v, want %v", expr, got, want)
		}
	}
}

func TestRenderColumns(t *testing.T) {
	for name, opts := range map[string]ColumnsOptions{"list_columns": {}, "list_columns_raw": {Raw: true}, "list_columns_json": {JSON: true}} {
		var buf bytes.Buffer
		if err := RenderColumns(&buf, opts); err != nil {
			t.Fatal(err)
		}
		golden(t, name, buf.String())
	}
}
