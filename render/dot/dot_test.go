package dot

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/, and docs/example.dot and docs/example.svg")

var docs = filepath.Join("..", "..", "docs")

// scenario is the documented scenario (docs/scenario.md), read from the
// JSON the nsjson tests write.
func scenario(t *testing.T) *model.Model {
	t.Helper()
	f, err := os.Open(filepath.Join(docs, "example.json"))
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

// inside is what a scan run inside a container sees: the container's user
// namespace is topmost, and namespaces still owned by the host's user
// namespace have an invisible owner. It also has threads, holders, a name
// that needs escaping, and a namespace whose owner the scan did not find.
func inside() *model.Model {
	m := model.New()
	m.SelfUser, m.SelfPID = id(10), id(20)
	add := func(ns *model.Namespace) { ns.CreatorUID = -1; m.Namespaces[ns.ID] = ns }
	add(&model.Namespace{ID: id(10), Type: nsfs.User, PIDs: []int{1, 2}})
	m.Namespaces[id(10)].CreatorUID = 1000
	add(&model.Namespace{ID: id(11), Type: nsfs.User, Parent: id(10), PIDs: []int{3}})
	add(&model.Namespace{ID: id(20), Type: nsfs.PID, Owner: id(10), PIDs: []int{1, 2}})
	add(&model.Namespace{ID: id(21), Type: nsfs.PID, Parent: id(20), Owner: id(11), PIDs: []int{3}})
	add(&model.Namespace{ID: id(30), Type: nsfs.Net, Owner: id(11), Threads: []model.Thread{{TID: 4, PID: 3}},
		Holders: []model.Holder{
			{Kind: model.HolderBindMount, Path: `/run/"quoted"\path`},
			{Kind: model.HolderFD, PID: 1, FD: 3}, {Kind: model.HolderFD, PID: 2, FD: 3},
		}})
	add(&model.Namespace{ID: id(40), Type: nsfs.Time, PIDs: []int{1, 2, 3}})   // owned by the host: invisible
	add(&model.Namespace{ID: id(41), Type: nsfs.Cgroup, PIDs: []int{1, 2, 3}}) // likewise
	add(&model.Namespace{ID: id(50), Type: nsfs.UTS, Owner: id(99)})           // owner not in the model
	m.Normalize()
	return m
}

func render(t *testing.T, m *model.Model, v model.View) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, m, v); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	nstest.Golden(t, path, []byte(got), *update)
}

type testCase struct {
	m *model.Model
	v model.View
}

func cases(t *testing.T) map[string]testCase {
	return map[string]testCase{
		"scenario":         {scenario(t), model.View{}},
		"scenario_pidns":   {scenario(t), model.View{Hierarchy: model.PIDHierarchy}},
		"scenario_net":     {scenario(t), model.View{Types: nsfs.NewTypeSet(nsfs.Net)}},
		"scenario_subtree": {scenario(t), model.View{Subtree: id(4026532400)}},
		"scenario_missing": {scenario(t), model.View{Subtree: id(1)}},
		"inside":           {inside(), model.View{}},
		"inside_pidns":     {inside(), model.View{Hierarchy: model.PIDHierarchy}},
		"empty":            {model.New(), model.View{}},
		"scenario_match":   {scenario(t), model.View{Match: func(ns *model.Namespace) bool { return ns.Type == nsfs.Net && len(ns.PIDs) == 0 }}},
	}
}

func TestGolden(t *testing.T) {
	for name, c := range cases(t) {
		t.Run(name, func(t *testing.T) {
			golden(t, filepath.Join("testdata", name+".dot"), render(t, c.m, c.v))
		})
	}
}

var (
	nodeRE = regexp.MustCompile(`^\s*"ns_(\d+)_(\d+)" \[label=`)
	edgeRE = regexp.MustCompile(`^\s*"(\w+)" -> "(\w+)" \[class="([a-z ]+)"`)
)

// Every namespace of the view is a node, once; every parent and owner link
// between two namespaces of the view is an edge; there are no other edges
// but those from the invisible-owner pseudo node.
func TestNodesAndEdges(t *testing.T) {
	for name, c := range cases(t) {
		t.Run(name, func(t *testing.T) {
			wantNodes := map[string]int{}
			wantEdges := map[string]bool{}
			var walk func([]*model.Node)
			walk = func(nodes []*model.Node) {
				for _, n := range nodes {
					if n.NS != nil {
						wantNodes[key(n.NS.ID)] = 1
					}
					walk(n.Children)
				}
			}
			walk(c.m.Forest(c.v))
			for _, ns := range c.m.Namespaces {
				if wantNodes[key(ns.ID)] == 0 {
					continue
				}
				if !ns.Parent.IsZero() && wantNodes[key(ns.Parent)] == 1 {
					wantEdges[key(ns.Parent)+" parent "+key(ns.ID)] = true
				}
				if !ns.Owner.IsZero() && wantNodes[key(ns.Owner)] == 1 {
					wantEdges[key(ns.Owner)+" owner "+key(ns.ID)] = true
				}
				if ns.Type != nsfs.User && ns.Owner.IsZero() && c.v.Hierarchy == model.UserHierarchy {
					wantEdges["invisible owner invisible "+key(ns.ID)] = true
				}
			}

			gotNodes := map[string]int{}
			gotEdges := map[string]bool{}
			for _, line := range strings.Split(render(t, c.m, c.v), "\n") {
				if m := nodeRE.FindStringSubmatch(line); m != nil {
					gotNodes["ns_"+m[1]+"_"+m[2]]++
				}
				if m := edgeRE.FindStringSubmatch(line); m != nil {
					e := m[1] + " " + m[3] + " " + m[2]
					if gotEdges[e] {
						t.Errorf("edge twice: %s", line)
					}
					gotEdges[e] = true
				}
			}
			if !maps.Equal(gotNodes, wantNodes) {
				t.Errorf("nodes (name: count)\n got  %v\n want %v", gotNodes, wantNodes)
			}
			if !maps.Equal(gotEdges, wantEdges) {
				t.Errorf("edges\n got  %v\n want %v", slices.Sorted(maps.Keys(gotEdges)), slices.Sorted(maps.Keys(wantEdges)))
			}
		})
	}
}

func key(id nsfs.ID) string { return fmt.Sprintf("ns_%d_%d", id.Dev, id.Ino) }

// Graphviz itself must accept every output, without warnings.
func TestGraphvizAccepts(t *testing.T) {
	dot := lookDot(t)
	for name, c := range cases(t) {
		t.Run(name, func(t *testing.T) {
			runDot(t, dot, render(t, c.m, c.v))
		})
	}
}

// The picture in docs/ is the scenario's graph. With -update, it is redrawn;
// otherwise the DOT text must match and the SVG must exist.
func TestDocsExample(t *testing.T) {
	text := render(t, scenario(t), model.View{})
	golden(t, filepath.Join(docs, "example.dot"), text)
	svgPath := filepath.Join(docs, "example.svg")
	if *update {
		svg := runDot(t, lookDot(t), text)
		if err := os.WriteFile(svgPath, svg, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("docs/example.svg is missing or not SVG (run go test -update with Graphviz installed): %v", err)
	}
}

func lookDot(t *testing.T) string {
	t.Helper()
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz); cannot check that it accepts the output")
	}
	return dot
}

// runDot renders text to SVG and fails on any error or warning.
func runDot(t *testing.T, dot, text string) []byte {
	t.Helper()
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v\n%s\ninput:\n%s", err, stderr.Bytes(), text)
	}
	return stdout.Bytes()
}

func TestRenderNil(t *testing.T) {
	if err := Render(&bytes.Buffer{}, nil, model.View{}); err == nil {
		t.Error("nil model: no error")
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:         `plain`,
		`a"b`:           `a\"b`,
		`a\nb`:          `a\\nb`,
		"tab\there\x7f": `tab\\x09here\\x7f`,
		"ünïcode":       "ünïcode",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
