package html

// Tests in a real headless Chromium (internal/browsertest): the page built
// from the documented scenario (docs/example.json) shows the same trees,
// members and holders as the text tree, searches, moves by keyboard, and
// shows hostile text as text. With -update, TestScreenshots redraws the
// pictures in docs/.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"github.com/namespaces-of/namespaces_of/internal/browsertest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

// openPage writes page to a file and opens it.
func openPage(t *testing.T, b *browsertest.Browser, page []byte, o browsertest.Options) *browsertest.Page {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	return b.Open(t, path, o)
}

func TestBrowserExample(t *testing.T) {
	b := browsertest.Start(t)
	m := exampleModel(t)
	p := openPage(t, b, render(t, m, model.View{}), browsertest.Options{})
	browsertest.CheckPage(t, p, m)

	// Collapse everything first: the search must reveal what it finds.
	p.Eval(t, `document.getElementById('collapse').click()`, nil)
	for _, q := range []string{"1410", "nginx", "CATATONIT", "4026532290", "2", "/run/netns/blue"} {
		want := browsertest.WantHits(m, q)
		if len(want["user"]) == 0 {
			t.Fatalf("search %q: the example has no match, the check proves nothing", q)
		}
		browsertest.CheckSearch(t, p, q, want)
	}
	// Qualified forms narrow a number to one meaning.
	browsertest.CheckSearch(t, p, "nsid:2", map[string][]string{"user": {"4:4026531832"}, "pid": {}})
	browsertest.CheckSearch(t, p, "net:[4026532290]", map[string][]string{"user": {"4:4026532290"}, "pid": {}})
	browsertest.CheckSearch(t, p, "pid:1500", browsertest.WantHits(m, "1500"))
	browsertest.CheckSearch(t, p, "no such thing", map[string][]string{"user": {}, "pid": {}})
	if got := p.Search(t, "").Hits; len(got["user"])+len(got["pid"]) != 0 {
		t.Errorf("an empty search highlights %v", got)
	}
	p.CheckQuiet(t)
}

// The same page opened on the PID hierarchy (--pidns --output=html) shows
// the PID tree and no user tree tab.
func TestBrowserPIDView(t *testing.T) {
	b := browsertest.Start(t)
	m := exampleModel(t)
	p := openPage(t, b, render(t, m, model.View{Hierarchy: model.PIDHierarchy}), browsertest.Options{})
	var state struct {
		UserHidden, PIDHidden bool
		PIDNodes              int
	}
	p.Eval(t, `({UserHidden: document.getElementById('tree-user').hidden, PIDHidden: document.getElementById('tree-pid').hidden,
		PIDNodes: document.querySelectorAll('#tree-pid li.node').length})`, &state)
	if !state.UserHidden || state.PIDHidden || state.PIDNodes != len(browsertest.WantTrees(m)["pid"]) {
		t.Fatalf("PID view: %+v, want the PID tree (%d nodes) shown and the user tree hidden", state, len(browsertest.WantTrees(m)["pid"]))
	}
	p.CheckQuiet(t)
}

func TestBrowserKeyboard(t *testing.T) {
	b := browsertest.Start(t)
	m := exampleModel(t)
	p := openPage(t, b, render(t, m, model.View{}), browsertest.Options{})
	focus := func() (k struct {
		Key, Active, Details, Expanded string
	}) {
		p.Eval(t, `(() => { const a = document.activeElement; const li = a.closest ? a.closest('li.node') : null;
			return {Key: li ? li.dataset.key : '', Active: a.id || a.tagName, Details: document.getElementById('details').dataset.key || '',
			Expanded: li ? (li.getAttribute('aria-expanded') || '') : ''}; })()`, &k)
		return k
	}
	// "/" focuses the search box; typing searches; ArrowDown goes to the
	// first match and selects it.
	p.Keys(t, "/")
	if f := focus(); f.Active != "search" {
		t.Fatalf("after /, focus is on %q, want the search box", f.Active)
	}
	p.Keys(t, "nginx")
	p.Keys(t, kb.ArrowDown)
	hits := browsertest.WantHits(m, "nginx")["user"]
	f := focus()
	if f.Key != hits[0] || f.Details != hits[0] {
		t.Fatalf("ArrowDown from the search: focus %q, details %q, want the first match %q", f.Key, f.Details, hits[0])
	}
	// Down, up, left to the parent, left to collapse, right to expand,
	// right to the first child.
	forest := browsertest.WantTrees(m)["user"]
	idx := slices.IndexFunc(forest, func(n browsertest.TreeNode) bool { return n.Key == hits[0] })
	p.Keys(t, kb.ArrowDown)
	if f := focus(); f.Key != forest[idx+1].Key {
		t.Fatalf("ArrowDown: focus %q, want %q", f.Key, forest[idx+1].Key)
	}
	p.Keys(t, kb.ArrowUp)
	p.Keys(t, kb.ArrowLeft)
	parent := forest[idx].Parent
	if f := focus(); f.Key != parent || f.Expanded != "true" {
		t.Fatalf("ArrowLeft on a leaf: focus %+v, want its parent %q, expanded", f, parent)
	}
	p.Keys(t, kb.ArrowLeft)
	if f := focus(); f.Key != parent || f.Expanded != "false" {
		t.Fatalf("ArrowLeft on an expanded node: %+v, want %q collapsed", f, parent)
	}
	p.Keys(t, kb.ArrowRight)
	p.Keys(t, kb.ArrowRight)
	first := forest[slices.IndexFunc(forest, func(n browsertest.TreeNode) bool { return n.Parent == parent })].Key
	if f := focus(); f.Key != first {
		t.Fatalf("ArrowRight twice: focus %q, want the first child %q", f.Key, first)
	}
	p.Keys(t, kb.Escape) // not in the search box: nothing happens
	p.CheckQuiet(t)
}

// The leak view shows exactly the namespaces no process is in, and their
// ancestors (dimmed) so that each stays under its parent.
func TestBrowserLeakView(t *testing.T) {
	b := browsertest.Start(t)
	m := exampleModel(t)
	p := openPage(t, b, render(t, m, model.View{}), browsertest.Options{})
	p.Eval(t, `document.querySelector('#counts button.leak').click()`, nil)
	var visible []string
	p.Eval(t, `Array.from(document.querySelectorAll('#tree-user li.node')).filter((li) => li.firstChild.offsetParent !== null).map((li) => li.dataset.key)`, &visible)
	var want []string
	nodes := browsertest.WantTrees(m)["user"]
	keep := map[string]bool{}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if ns := browsertest.NamespaceByKey(m, n.Key); (ns != nil && len(ns.PIDs) == 0) || keep[n.Key] {
			keep[n.Key], keep[n.Parent] = true, true
		}
	}
	for _, n := range nodes {
		if keep[n.Key] {
			want = append(want, n.Key)
		}
	}
	if len(want) == 0 || !slices.Equal(visible, want) {
		t.Fatalf("leak view shows %v, want %v", visible, want)
	}
	// A type button hides that type in the user tree.
	p.Eval(t, `document.querySelector('#counts button.leak').click(); document.querySelector('#counts button[data-type="net"]').click()`, nil)
	var nets int
	p.Eval(t, `Array.from(document.querySelectorAll('#tree-user li.node[data-type="net"]')).filter((li) => li.firstChild.offsetParent !== null).length`, &nets)
	if nets != 0 {
		t.Fatalf("%d net namespaces still shown after hiding the type", nets)
	}
	p.CheckQuiet(t)
}

// Acceptance 3 on a synthetic scan: a command that is an <img> element with
// an onerror handler and a bind-mount path with quotes, angle brackets and
// "</script>" are shown as text; no dialog, no console message, no request.
func TestBrowserHostileText(t *testing.T) {
	b := browsertest.Start(t)
	m := hostileModel()
	p := openPage(t, b, render(t, m, model.View{}), browsertest.Options{})
	browsertest.CheckPage(t, p, m)
	var got struct {
		Elements          int
		UserRow, NetRow   string
		UserPane, NetPane string
	}
	p.Eval(t, `(() => {
		const row = (k) => document.querySelector('#tree-user li.node[data-key="' + k + '"] > .row').textContent;
		const pane = (k) => { document.querySelector('#tree-user li.node[data-key="' + k + '"] > .row').click(); return document.getElementById('details').textContent; };
		return {Elements: document.querySelectorAll('img, iframe, object, embed, script').length,
			UserRow: row('4:4026531837'), NetRow: row('4:4026532100'), UserPane: pane('4:4026531837'), NetPane: pane('4:4026532100')};
	})()`, &got)
	if got.Elements != 2 {
		t.Errorf("the page has %d img/iframe/object/embed/script elements, want its own 2 scripts", got.Elements)
	}
	for what, s := range map[string]string{"user row": got.UserRow, "user details": got.UserPane} {
		if !strings.Contains(s, hostileComm) {
			t.Errorf("%s %q does not show the command %q as text", what, s, hostileComm)
		}
	}
	for what, s := range map[string]string{"net row": got.NetRow, "net details": got.NetPane} {
		if !strings.Contains(s, hostilePath) {
			t.Errorf("%s %q does not show the path %q as text", what, s, hostilePath)
		}
	}
	p.CheckQuiet(t)
}

// The checks of CheckQuiet see what they look for: markup inserted as HTML
// into the page is blocked by its policy, and the violations are reported.
func TestBrowserCheckQuietSeesViolations(t *testing.T) {
	b := browsertest.Start(t)
	p := openPage(t, b, render(t, hostileModel(), model.View{}), browsertest.Options{})
	p.Eval(t, `document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="alert(1)"><img src="https://example.invalid/x.png">')`, nil)
	p.Eval(t, `new Promise((resolve) => setTimeout(() => resolve(true), 0))`, nil)
	if d := p.Dialogs(); len(d) != 0 {
		t.Fatalf("the policy let an inline handler open a dialog: %q", d)
	}
	var csp int
	for _, c := range p.Console() {
		if strings.Contains(c, "Content Security Policy") {
			csp++
		}
	}
	if csp == 0 {
		t.Fatalf("no CSP violation reported for blocked markup; console: %q", p.Console())
	}
	// The attempts to load the images are seen too (the policy blocks
	// them in the browser; CheckQuiet fails on any attempt).
	if r := p.Requests(); len(r) < 2 {
		t.Fatalf("requests seen: %q, want the page and the image attempts", r)
	}
}

// Workloads (containers, pods, units) are shown and searched when the
// document has them: a top-level "workloads" list, and per namespace
// references to it by index or by ID.
func TestBrowserWorkloads(t *testing.T) {
	b := browsertest.Start(t)
	m := exampleModel(t)
	var doc map[string]any
	var buf bytes.Buffer
	if err := nsjson.Encode(&buf, m, model.View{}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["workloads"] = []any{
		map[string]any{"engine": "podman", "id": "3f2a9c1b0d4e5f60718293a4b5c6d7e8", "name": "web-frontend", "pod": nil, "unit": nil, "pids": []int{1400, 1410}},
		map[string]any{"engine": "cri-containerd", "id": "77aa", "name": "coredns", "pod": map[string]any{"namespace": "kube-system", "name": "coredns-7db6d8ff4d-x2x9q"}},
	}
	want := map[string][]string{"user": {}, "pid": {}}
	for _, n := range doc["namespaces"].([]any) {
		ns := n.(map[string]any)
		k := fmt.Sprintf("%.0f:%.0f", ns["device"], ns["inode"])
		switch ns["inode"].(float64) {
		case 4026532402, 4026532400: // by index
			ns["workloads"] = []any{0}
			want["user"] = append(want["user"], k)
		case 4026532403: // by ID
			ns["workloads"] = []any{"3f2a9c1b0d4e5f60718293a4b5c6d7e8", "77aa"}
			want["pid"] = append(want["pid"], k)
		default:
			ns["workloads"] = []any{}
		}
	}
	sort.Strings(want["user"])
	page := bytes.Buffer{}
	if err := writePage(&page, func(w io.Writer) error { return json.NewEncoder(w).Encode(doc) }); err != nil {
		t.Fatal(err)
	}
	p := openPage(t, b, page.Bytes(), browsertest.Options{})
	got := p.Search(t, "web-front")
	// The PID namespace is in the user tree too.
	wantUser := append(append([]string{}, want["user"]...), want["pid"]...)
	sort.Strings(wantUser)
	sortedUser := append([]string{}, got.Hits["user"]...)
	sort.Strings(sortedUser)
	if !slices.Equal(sortedUser, wantUser) || !slices.Equal(got.Hits["pid"], want["pid"]) {
		t.Errorf("search for a container name: %v, want user %v pid %v", got.Hits, wantUser, want["pid"])
	}
	if got := p.Search(t, "kube-system/coredns"); !slices.Equal(got.Hits["pid"], want["pid"]) {
		t.Errorf("search for a pod: %v, want pid %v", got.Hits, want["pid"])
	}
	var pane string
	p.Eval(t, `document.querySelector('#tree-pid li.node[data-key="4:4026532403"] > .row').click(); document.getElementById('details').textContent`, &pane)
	for _, s := range []string{"podman web-frontend (3f2a9c1b0d4e)", "cri-containerd pod kube-system/coredns-7db6d8ff4d-x2x9q coredns (77aa)"} {
		if !strings.Contains(pane, s) {
			t.Errorf("details %q lack the workload %q", pane, s)
		}
	}
	p.CheckQuiet(t)
}

// TestScreenshots redraws the screenshots of docs/ (README) from the
// documented scenario with -update.
func TestScreenshots(t *testing.T) {
	if !*update {
		t.Skip("only with -update: go test ./render/html -run TestScreenshots -update")
	}
	b := browsertest.Start(t)
	page := render(t, exampleModel(t), model.View{})
	shots := []struct {
		file   string
		dark   bool
		script string
	}{
		{"html-light.png", false, `document.querySelector('#tree-user li.node[data-key="4:4026532400"] > .row').click()`},
		{"html-dark.png", true, `(() => { const s = document.getElementById('search'); s.value = 'nginx'; s.dispatchEvent(new Event('input'));
			document.querySelector('#tree-user li.node[data-key="4:4026532290"] > .row').click(); })()`},
		{"html-pid-dark.png", true, `document.getElementById('tab-pid').click(); document.querySelector('#tree-pid li.node[data-key="4:4026532403"] > .row').click()`},
	}
	for _, s := range shots {
		p := openPage(t, b, page, browsertest.Options{Dark: s.dark, Width: 1200, Height: 720})
		p.Eval(t, s.script, nil)
		p.Eval(t, `new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(true), 0)))`, nil)
		png := p.Screenshot(t)
		if err := os.WriteFile(filepath.Join("../../docs", s.file), png, 0o644); err != nil {
			t.Fatal(err)
		}
		p.CheckQuiet(t)
	}
}
