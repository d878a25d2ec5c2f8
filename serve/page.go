package serve

import (
	"bytes"
	"io"
	"net/http"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/render/html"
)

// renderPage writes the page served at /: the HTML page of
// `--output=html`, for the request's selection.
var renderPage func(w io.Writer, m *model.Model, v model.View) error = html.Render

// renderedPage is a scan's page for one selection, made once per scan.
type renderedPage struct {
	body []byte
	err  error
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	sel, res, ok := s.result(w, r)
	if !ok {
		return
	}
	page := res.derive("page "+sel.String(), func(m *model.Model) any {
		var b bytes.Buffer
		err := renderPage(&b, m, sel.view())
		return &renderedPage{body: b.Bytes(), err: err}
	}).(*renderedPage)
	if page.err != nil {
		s.fail(w, r, http.StatusInternalServerError, "rendering the page: "+page.err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page.body)
}
