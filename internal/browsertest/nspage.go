package browsertest

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/tree"
)

// What the tests read from a namespaces_of HTML page (render/html), through
// its DOM only: the elements and classes page.js documents.

// TreeNode is one node of a tree as the DOM shows it, in document order.
type TreeNode struct {
	Key    string `json:"key"`    // "DEV:INO", or "invisible" for the pseudo node
	Parent string `json:"parent"` // the enclosing node's key, "" for a root
	Type   string `json:"type"`
}

// Trees returns the nodes of the user ("user") and PID ("pid") trees.
func (p *Page) Trees(t testing.TB) map[string][]TreeNode {
	t.Helper()
	var out map[string][]TreeNode
	p.Eval(t, `(() => {
		const r = {};
		for (const h of ['user', 'pid']) {
			r[h] = Array.from(document.querySelectorAll('#tree-' + h + ' li.node')).map((li) => {
				const up = li.parentElement.closest('li.node');
				return {key: li.dataset.key, parent: up ? up.dataset.key : '', type: li.dataset.type};
			});
		}
		return r;
	})()`, &out)
	return out
}

// Details is what the details pane shows for a namespace.
type Details struct {
	Title   string      `json:"title"`
	Members [][2]string `json:"members"` // PID and command, as displayed
	Holders []string    `json:"holders"` // the "held by" lines, without the prefix
	Text    string      `json:"text"`    // the pane's whole text
}

// AllDetails selects every node of both trees, one after the other, by
// clicking its row (and "show all" where the member list is cut), and
// returns what the details pane then shows, by key.
func (p *Page) AllDetails(t testing.TB) map[string]Details {
	t.Helper()
	var out map[string]Details
	p.Eval(t, `(() => {
		const out = {};
		for (const h of ['user', 'pid']) {
			document.getElementById('tab-' + h).click();
			for (const li of document.querySelectorAll('#tree-' + h + ' li.node')) {
				if (out[li.dataset.key]) continue;
				li.querySelector(':scope > .row').click();
				const d = document.getElementById('details');
				const more = d.querySelector('button.more');
				if (more) more.click();
				out[li.dataset.key] = {
					title: d.querySelector('h2').textContent,
					members: Array.from(d.querySelectorAll('table.members tr[data-pid]')).map((tr) => [tr.dataset.pid, tr.querySelector('.comm').textContent]),
					holders: Array.from(d.querySelectorAll('li.holder')).map((x) => x.textContent),
					text: d.textContent,
				};
			}
		}
		document.getElementById('tab-user').click();
		return out;
	})()`, &out)
	return out
}

// SearchResult is what a search highlights.
type SearchResult struct {
	Hits       map[string][]string `json:"hits"`       // keys of highlighted nodes, per tree
	Unrevealed []string            `json:"unrevealed"` // highlighted nodes inside a collapsed node
	Counter    string              `json:"counter"`    // the text beside the search box
}

// Search types q into the search box (as an input event) and waits for the
// page to have applied it.
func (p *Page) Search(t testing.TB, q string) SearchResult {
	t.Helper()
	var out SearchResult
	p.Eval(t, `new Promise((resolve) => {
		const q = `+strconv.Quote(q)+`;
		const box = document.getElementById('search');
		box.value = q;
		box.dispatchEvent(new Event('input', {bubbles: true}));
		const done = () => {
			if (document.body.dataset.search !== q) { setTimeout(done, 5); return; }
			const hits = {}, unrevealed = [];
			for (const h of ['user', 'pid']) {
				hits[h] = Array.from(document.querySelectorAll('#tree-' + h + ' li.node.hit')).map((li) => li.dataset.key);
				for (const li of document.querySelectorAll('#tree-' + h + ' li.node.hit')) {
					if (li.parentElement.closest('li.node[aria-expanded="false"]')) unrevealed.push(li.dataset.key);
				}
			}
			resolve({hits, unrevealed, counter: document.getElementById('hits').textContent});
		};
		done();
	})`, &out)
	return out
}

// EmbeddedJSON returns the scan document embedded in a page file.
func EmbeddedJSON(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const open = `<script type="application/json" id="scan">`
	_, rest, ok := bytes.Cut(data, []byte(open))
	if !ok {
		t.Fatalf("%s: no embedded scan", path)
	}
	doc, _, ok := bytes.Cut(rest, []byte("</script>"))
	if !ok {
		t.Fatalf("%s: the embedded scan does not end", path)
	}
	if !json.Valid(doc) {
		t.Fatalf("%s: the embedded scan is not valid JSON", path)
	}
	return doc
}

// Key is the key the page gives a namespace.
func Key(dev, ino uint64) string {
	return strconv.FormatUint(dev, 10) + ":" + strconv.FormatUint(ino, 10)
}

// KeyOf is the key the page gives the namespace id.
func KeyOf(id nsfs.ID) string { return Key(id.Dev, id.Ino) }

// --- what a page of a model must show ---

// WantTrees is model.Forest of both hierarchies, in document order.
func WantTrees(m *model.Model) map[string][]TreeNode {
	out := map[string][]TreeNode{"user": {}, "pid": {}}
	for name, h := range map[string]model.Hierarchy{"user": model.UserHierarchy, "pid": model.PIDHierarchy} {
		var walk func(nodes []*model.Node, parent string)
		walk = func(nodes []*model.Node, parent string) {
			for _, n := range nodes {
				tn := TreeNode{Key: "invisible", Parent: parent, Type: "user"}
				if n.NS != nil {
					tn.Key, tn.Type = KeyOf(n.NS.ID), n.NS.Type.String()
				}
				out[name] = append(out[name], tn)
				walk(n.Children, tn.Key)
			}
		}
		walk(m.Forest(model.View{Hierarchy: h}), "")
	}
	return out
}

var (
	treeNSLine     = regexp.MustCompile(`^ *([a-z]+) \{([0-9]+) ([0-9]+)\}`)
	treeMemberLine = regexp.MustCompile(`^ *([0-9]+) {2,}(.*)$`)
)

// WantDetails reads the members and holders of every namespace from the
// text tree with --holders --show-comm (render/tree), in both hierarchies.
func WantDetails(t testing.TB, m *model.Model) map[string]Details {
	t.Helper()
	out := map[string]Details{}
	for _, h := range []model.Hierarchy{model.UserHierarchy, model.PIDHierarchy} {
		var buf bytes.Buffer
		if err := tree.Render(&buf, m, tree.Options{View: model.View{Hierarchy: h}, ShowComm: true, Holders: true, ShowMaps: true, Width: 80}); err != nil {
			t.Fatal(err)
		}
		var cur string
		seen := map[string]Details{}
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if line == "" { // an empty tree
				continue
			}
			text := strings.TrimLeft(line, " ")
			if sm := treeNSLine.FindStringSubmatch(line); sm != nil {
				cur = sm[2] + ":" + sm[3]
				seen[cur] = Details{Title: sm[1] + ":[" + sm[3] + "]", Members: [][2]string{}, Holders: []string{}}
				continue
			}
			d := seen[cur]
			if held, ok := strings.CutPrefix(text, "held by "); ok {
				d.Holders = append(d.Holders, held)
			} else if sm := treeMemberLine.FindStringSubmatch(line); sm != nil {
				d.Members = append(d.Members, [2]string{sm[1], sm[2]})
			} else if text != "[invisible ancestor user NS]" {
				t.Fatalf("unexpected tree line %q", line)
			}
			seen[cur] = d
		}
		for k, d := range seen {
			if prev, ok := out[k]; ok && (!slices.Equal(prev.Members, d.Members) || !slices.Equal(prev.Holders, d.Holders)) {
				t.Fatalf("%s: the two trees print it differently", k)
			}
			out[k] = d
		}
	}
	return out
}

// CheckPage compares the page's trees and details pane with the model's
// forests and the text tree.
func CheckPage(t testing.TB, p *Page, m *model.Model) {
	t.Helper()
	got, want := p.Trees(t), WantTrees(m)
	for _, h := range []string{"user", "pid"} {
		if !slices.Equal(got[h], want[h]) {
			t.Errorf("%s tree:\n got %v\nwant %v", h, got[h], want[h])
		}
	}
	details := p.AllDetails(t)
	for k, w := range WantDetails(t, m) {
		d, ok := details[k]
		if !ok {
			t.Errorf("%s: no details", k)
			continue
		}
		if d.Title != w.Title || !slices.Equal(d.Members, w.Members) || !slices.Equal(d.Holders, w.Holders) {
			t.Errorf("%s: details %q members %q holders %q\nwant %q members %q holders %q", k, d.Title, d.Members, d.Holders, w.Title, w.Members, w.Holders)
		}
	}
}

// WantHits applies the page's documented search rule to the model:
// "type:[inode]" is that namespace; a number is an inode, an NSID, or the
// PID of a member, thread or holder; text is part of a member's or holder's
// command or of a bind-mount path.
func WantHits(m *model.Model, q string) map[string][]string {
	if sm := typeInodeQuery.FindStringSubmatch(q); sm != nil {
		return hitsWhere(m, func(ns *model.Namespace) bool {
			return ns.Type.String() == sm[1] && strconv.FormatUint(ns.ID.Ino, 10) == sm[2]
		})
	}
	match := func(ns *model.Namespace) bool {
		if n, err := strconv.ParseUint(q, 10, 64); err == nil {
			if ns.ID.Ino == n || ns.NSID == n {
				return true
			}
			pid := int(n)
			if slices.Contains(ns.PIDs, pid) {
				return true
			}
			for _, th := range ns.Threads {
				if th.TID == pid {
					return true
				}
			}
			for _, h := range ns.Holders {
				if h.PID == pid && h.PID != 0 {
					return true
				}
			}
			return false
		}
		lq := strings.ToLower(q)
		has := func(pid int) bool {
			task := m.Tasks[pid]
			return task != nil && task.Comm != "" && strings.Contains(strings.ToLower(task.Comm), lq)
		}
		for _, pid := range ns.PIDs {
			if has(pid) {
				return true
			}
		}
		for _, h := range ns.Holders {
			if strings.Contains(strings.ToLower(h.Path), lq) && h.Path != "" || h.PID != 0 && has(h.PID) {
				return true
			}
		}
		return false
	}
	return hitsWhere(m, match)
}

var typeInodeQuery = regexp.MustCompile(`^([a-z]+):\[([0-9]+)\]$`)

// hitsWhere lists the keys of the namespaces that match, per tree, in
// document order.
func hitsWhere(m *model.Model, match func(*model.Namespace) bool) map[string][]string {
	out := map[string][]string{"user": {}, "pid": {}}
	for h, nodes := range WantTrees(m) {
		for _, n := range nodes {
			if ns := NamespaceByKey(m, n.Key); ns != nil && match(ns) {
				out[h] = append(out[h], n.Key)
			}
		}
	}
	return out
}

func NamespaceByKey(m *model.Model, k string) *model.Namespace {
	for id, ns := range m.Namespaces {
		if KeyOf(id) == k {
			return ns
		}
	}
	return nil
}

func CheckSearch(t testing.TB, p *Page, q string, want map[string][]string) {
	t.Helper()
	got := p.Search(t, q)
	for _, h := range []string{"user", "pid"} {
		if !slices.Equal(got.Hits[h], want[h]) {
			t.Errorf("search %q, %s tree: highlighted %v, want %v", q, h, got.Hits[h], want[h])
		}
	}
	if len(got.Unrevealed) > 0 {
		t.Errorf("search %q: matches inside collapsed nodes: %v", q, got.Unrevealed)
	}
}
