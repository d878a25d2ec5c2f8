// Package html renders a scan as one self-contained HTML page: both
// namespace trees, a search box, a details pane and counts per type, for
// exploring a host in any browser, from a file, with no network.
//
// The page is page.html with page.css and page.js inlined (all written for
// this project, embedded in the binary) and the scan embedded as the JSON
// document of docs/json.md ([nsjson.Encode]) in a
// <script type="application/json"> block. The script builds the page from
// that document alone and inserts every piece of scan text as text, never as
// HTML. A Content-Security-Policy allows only the page's own script and style
// (by hash) and nothing else: no network, no other inline script, no images.
package html

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsjson"
)

var (
	//go:embed page.html
	pageTemplate string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
)

// The page around the embedded document, split at its {{DATA}} marker.
var pageHead, pageTail = assemble()

// CSP is the page's Content-Security-Policy: the inline script and style
// sheet by their SHA-256, nothing else from anywhere.
var CSP = "default-src 'none'; script-src " + hashSource(pageJS) + "; style-src " + hashSource(pageCSS) +
	"; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// assemble fills the template's markers with the policy, the style sheet and
// the script, and returns the text before and after the document.
func assemble() (head, tail string) {
	for _, asset := range []string{pageCSS, pageJS} {
		// Either would end the inline element early (or change how the
		// HTML parser reads it), and the hash would no longer match.
		lower := strings.ToLower(asset)
		if strings.Contains(lower, "</s") || strings.Contains(lower, "<!--") {
			panic("render/html: an embedded asset contains </s or <!--")
		}
	}
	page := strings.NewReplacer("{{CSP}}", CSP, "{{STYLE}}", pageCSS, "{{SCRIPT}}", pageJS).Replace(pageTemplate)
	head, tail, ok := strings.Cut(page, "{{DATA}}")
	if !ok {
		panic("render/html: page.html has no {{DATA}} marker")
	}
	return head, tail
}

// PageSize is the size of the page without the embedded document.
func PageSize() int { return len(pageHead) + len(pageTail) }

// Render writes the page for the part of m that v shows to w. The embedded
// document is exactly what nsjson.Encode(m, v) writes, with <, > and &
// written as JSON escapes so that no text from the scan can end the script
// block. The page opens on the user-namespace tree, or on the PID-namespace
// tree when v shows that hierarchy.
func Render(w io.Writer, m *model.Model, v model.View) error {
	if m == nil {
		return errors.New("html: nil model")
	}
	return writePage(w, func(doc io.Writer) error { return nsjson.Encode(doc, m, v) })
}

// writePage writes the page with the document that encode writes.
func writePage(w io.Writer, encode func(io.Writer) error) error {
	bw := bufio.NewWriterSize(w, 64*1024)
	bw.WriteString(pageHead)
	if err := encode(scriptSafe{bw}); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	bw.WriteString(pageTail)
	return bw.Flush()
}

// scriptSafe writes JSON text with <, > and & as \u003c, \u003e and \u0026.
// In JSON they occur only inside strings, where the escapes mean the same
// characters; in a script block, "</script" or "<!--" could no longer
// occur.
type scriptSafe struct{ w *bufio.Writer }

func (s scriptSafe) Write(p []byte) (int, error) {
	start := 0
	for i, c := range p {
		var esc string
		switch c {
		case '<':
			esc = `\u003c`
		case '>':
			esc = `\u003e`
		case '&':
			esc = `\u0026`
		default:
			continue
		}
		s.w.Write(p[start:i])
		s.w.WriteString(esc)
		start = i + 1
	}
	if _, err := s.w.Write(p[start:]); err != nil {
		return 0, err
	}
	return len(p), nil
}
