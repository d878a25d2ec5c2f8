package html

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

var update = flag.Bool("update", false, "rewrite the golden page and the screenshots in docs/")

// exampleModel is the documented scenario (docs/scenario.md), read back
// from docs/example.json.
func exampleModel(t testing.TB) *model.Model {
	t.Helper()
	f, err := os.Open("../../docs/example.json")
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

func render(t testing.TB, m *model.Model, v model.View) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, m, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The page of the documented scenario, with the style sheet and the script
// (checked by the browser tests) written as their markers, so the golden
// file shows the page's markup and its embedded document.
func TestGolden(t *testing.T) {
	page := render(t, exampleModel(t), model.View{})
	page = bytes.Replace(page, []byte(pageCSS), []byte("{{STYLE}}"), 1)
	page = bytes.Replace(page, []byte(pageJS), []byte("{{SCRIPT}}"), 1)
	nstest.Golden(t, "testdata/example.html", page, *update)
}

// The embedded document is nsjson.Encode's, byte for byte once the JSON
// escapes of < > & are read back.
func TestEmbedsTheJSONDocument(t *testing.T) {
	m := hostileModel()
	page := render(t, m, model.View{})
	var want bytes.Buffer
	if err := nsjson.Encode(&want, m, model.View{}); err != nil {
		t.Fatal(err)
	}
	doc := embedded(t, page)
	var escaped bytes.Buffer
	json.HTMLEscape(&escaped, want.Bytes())
	if !bytes.Equal(doc, escaped.Bytes()) {
		t.Fatalf("embedded document differs from nsjson.Encode's (HTML-escaped):\n%s", doc)
	}
	if bytes.ContainsAny(doc, "<>&") {
		t.Fatalf("embedded document contains < > or &:\n%s", doc)
	}
}

func embedded(t testing.TB, page []byte) []byte {
	t.Helper()
	_, rest, ok := bytes.Cut(page, []byte(`<script type="application/json" id="scan">`))
	if !ok {
		t.Fatal("no embedded document")
	}
	doc, _, ok := bytes.Cut(rest, []byte("</script>"))
	if !ok {
		t.Fatal("embedded document does not end")
	}
	return doc
}

// The policy names exactly the hashes of the one inline script and the one
// style sheet, and nothing is loaded from anywhere.
func TestContentSecurityPolicy(t *testing.T) {
	page := string(render(t, exampleModel(t), model.View{}))
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || len(styles) != 1 {
		t.Fatalf("%d inline scripts and %d style elements, want one of each", len(scripts), len(styles))
	}
	want := "default-src 'none'; script-src " + hash(scripts[0][1]) + "; style-src " + hash(styles[0][1]) +
		"; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
	if csp[1] != want {
		t.Fatalf("policy\n%s\nwant\n%s", csp[1], want)
	}
	markup := strings.Replace(page, scripts[0][1], "", 1)
	markup = strings.Replace(markup, styles[0][1], "", 1)
	markup = strings.Replace(markup, string(embedded(t, []byte(page))), "", 1)
	if bad := regexp.MustCompile(`http:|https:|//|\ssrc=|\shref=|\sstyle=|\son[a-z]+=|<link|<img|<iframe`).FindString(markup); bad != "" {
		t.Errorf("the page's markup contains %q", bad)
	}
}

// Acceptance 4 (the part that needs no browser): the page without its
// document stays under 150 KB.
func TestPageSize(t *testing.T) {
	if n := PageSize(); n > 150*1024 {
		t.Fatalf("page without the document: %d bytes, want at most 150 KB", n)
	} else {
		t.Logf("page without the document: %d bytes", n)
	}
}

// hostileModel has text from processes that tries to become markup: a
// command that is an HTML element with a handler and a bind-mount path with
// quotes, angle brackets and the end of a script block.
func hostileModel() *model.Model {
	m := model.New()
	user := nsfs.ID{Dev: 4, Ino: 4026531837}
	net := nsfs.ID{Dev: 4, Ino: 4026532100}
	m.SelfUser = user
	m.Namespaces[user] = &model.Namespace{ID: user, Type: nsfs.User, CreatorUID: 0, PIDs: []int{7}}
	m.Namespaces[net] = &model.Namespace{ID: net, Type: nsfs.Net, Owner: user, CreatorUID: -1,
		Holders: []model.Holder{{Kind: model.HolderBindMount, Path: hostilePath, MountNS: nsfs.ID{Dev: 4, Ino: 4026531832}}}}
	m.Tasks[7] = &model.Task{ID: 7, TGID: 7, UID: 0, Comm: hostileComm}
	return m
}

const (
	hostileComm = `<img src=x onerror=alert(1)>`
	hostilePath = `/run/netns/a "b" <c> </script><script>alert(2)</script><!--`
)
