package serve

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// selection is what a request asks to see: the CLI's selections, taken
// from query parameters.
type selection struct {
	deep, tasks, pidns, containers bool
	types                          nsfs.TypeSet
}

// queryParams are the parameters /api/v1/scan and / accept, each with the
// CLI option it stands for. `filter` (--filter) plugs in here as one more
// entry; until then it is an unknown parameter like any other.
var queryParams = map[string]func(sel *selection, value string) error{
	"deep":       boolParam(func(s *selection) *bool { return &s.deep }),
	"tasks":      boolParam(func(s *selection) *bool { return &s.tasks }),
	"pidns":      boolParam(func(s *selection) *bool { return &s.pidns }),
	"containers": boolParam(func(s *selection) *bool { return &s.containers }),
	"types": func(s *selection, value string) error {
		set, err := nsfs.ParseTypeSet(value)
		if err != nil {
			return err
		}
		s.types = set
		return nil
	},
}

// boolParam accepts "deep" alone or with a value strconv.ParseBool takes.
func boolParam(field func(*selection) *bool) func(*selection, string) error {
	return func(s *selection, value string) error {
		if value == "" {
			*field(s) = true
			return nil
		}
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("invalid value %q (want true or false)", value)
		}
		*field(s) = b
		return nil
	}
}

// parseSelection reads a request's query string. Unknown or repeated
// parameters and bad values are errors, as bad options are for the CLI.
func parseSelection(rawQuery string) (selection, error) {
	var sel selection
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return sel, fmt.Errorf("malformed query string: %v", err)
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // the first error is the same on every call
	for _, name := range names {
		parse, ok := queryParams[name]
		if !ok {
			return sel, fmt.Errorf("unknown query parameter %q (known: %s)", name, knownParams())
		}
		if len(values[name]) > 1 {
			return sel, fmt.Errorf("query parameter %q given more than once", name)
		}
		if err := parse(&sel, values[name][0]); err != nil {
			return sel, fmt.Errorf("query parameter %q: %v", name, err)
		}
	}
	if sel.pidns && sel.types != 0 {
		return sel, fmt.Errorf("query parameter \"types\" cannot be combined with \"pidns\"")
	}
	return sel, nil
}

func knownParams() string {
	names := make([]string, 0, len(queryParams))
	for name := range queryParams {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// scanOptions says what discovery must read for the JSON document of this
// selection: what the CLI reads for --output=json with the same options.
func (sel selection) scanOptions() discover.Options {
	opts := discover.Options{Deep: sel.deep, Tasks: sel.tasks, Maps: !sel.pidns, Status: true, Workloads: sel.containers}
	if sel.pidns {
		opts.Types = nsfs.NewTypeSet(nsfs.PID)
	}
	return opts
}

func (sel selection) view() model.View {
	v := model.View{Types: sel.types}
	if sel.pidns {
		v.Hierarchy = model.PIDHierarchy
	}
	return v
}

// scanKey names the scan a selection needs: selections that differ only in
// their view share one scan.
func (sel selection) scanKey() string {
	return fmt.Sprintf("json deep=%t tasks=%t pidns=%t containers=%t", sel.deep, sel.tasks, sel.pidns, sel.containers)
}

// String names the whole selection, for caches of what is derived from a
// scan.
func (sel selection) String() string {
	return fmt.Sprintf("%s types=%s", sel.scanKey(), sel.types)
}
