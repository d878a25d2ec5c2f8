package browsertest

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
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
// clicking its row, and returns what the details pane then shows, by key.
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

// Lines splits text into lines without the final newline.
func Lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
