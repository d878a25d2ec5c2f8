package serve

import (
	"bytes"
	"html/template"
	"io"
	"net/http"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// renderPage writes the page served at /. It is the seam for the HTML
// renderer of render/html: once that package exists, this becomes
//
//	var renderPage = html.Render
//
// (adapting the options if its signature differs).
var renderPage func(w io.Writer, m *model.Model, v model.View) error = indexPage

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	sel, res, ok := s.result(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := renderPage(&b, res.model, sel.view()); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "rendering the page: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>namespaces_of</title></head>
<body>
<h1>namespaces_of</h1>
<p>{{.Total}} namespaces{{with .Kernel}} on Linux {{.}}{{end}}:</p>
<ul>
{{- range .Types}}
<li>{{.Name}}: {{.Count}}</li>
{{- end}}
</ul>
<ul>
<li><a href="api/v1/scan">api/v1/scan</a>: the scan as JSON (query parameters deep, tasks, pidns, types)</li>
<li><a href="metrics">metrics</a>: Prometheus metrics</li>
<li><a href="healthz">healthz</a>: health check</li>
</ul>
</body>
</html>
`))

// indexPage is a minimal page: namespace counts and links to the
// endpoints, until render/html's page replaces it.
func indexPage(w io.Writer, m *model.Model, v model.View) error {
	type typeCount struct {
		Name  string
		Count int
	}
	data := struct {
		Total  int
		Kernel string
		Types  []typeCount
	}{Kernel: m.KernelRelease}
	counts := map[nsfs.Type]int{}
	for _, ns := range m.Namespaces {
		if v.Shows(ns.Type) {
			counts[ns.Type]++
			data.Total++
		}
	}
	for _, t := range nsfs.AllTypes {
		if v.Shows(t) {
			data.Types = append(data.Types, typeCount{t.String(), counts[t]})
		}
	}
	return indexTemplate.Execute(w, data)
}
