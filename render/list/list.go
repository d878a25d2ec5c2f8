// Package list renders a scan as a table with one row per namespace (see
// [Render]), in the manner of lsns(8): aligned columns by default, or raw (single-space
// separated, escaped) for scripts.
package list

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/namespaces-of/namespaces_of/filter"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// Column is one column of the table.
type Column int

// The columns, in the order --help lists them.
const (
	NS        Column = iota // inode number
	ID                      // kernel namespace ID (NS_GET_ID)
	Type                    // namespace type
	NProcs                  // number of member processes
	PID                     // lowest member PID
	PPID                    // parent of PID
	User                    // user name of PID
	UID                     // UID of PID
	Command                 // command line of PID (lsns's COMMAND)
	Comm                    // command name of PID
	Parent                  // parent namespace (user and pid)
	Owner                   // owning user namespace
	PNS                     // lsns's PNS: Parent, 0 when none
	ONS                     // lsns's ONS: Owner, 0 when none
	Holders                 // what else keeps it alive
	Path                    // a path that opens the namespace
	NSFS                    // nsfs bind mounts
	NetNSID                 // the id a net namespace has in ours (RTM_GETNSID)
	Container               // containers whose processes are in it
	Engine                  // their engines
	Pod                     // their Kubernetes pods
	Unit                    // systemd units whose processes are in it
	// defaultCommand is the command name under the heading COMMAND: the
	// default columns have always shown it so, and scripts depend on it.
	// It has no name of its own (naming COMMAND gives the command line).
	defaultCommand
	numColumns
)

type columnInfo struct {
	name, help string
	right      bool        // numbers align right, as in lsns
	kind       filter.Kind // the type --filter compares it as (lsns's)
	hidden     bool        // not selectable by name
}

var columns = [numColumns]columnInfo{
	NS:             {"NS", "namespace identifier (inode number)", true, filter.Number, false},
	ID:             {"ID", "64-bit namespace ID from the kernel (NS_GET_ID)", true, filter.Number, false},
	Type:           {"TYPE", "kind of namespace", false, filter.String, false},
	NProcs:         {"NPROCS", "number of member processes", true, filter.Number, false},
	PID:            {"PID", "lowest member PID", true, filter.Number, false},
	PPID:           {"PPID", "parent PID of PID", true, filter.Number, false},
	User:           {"USER", "user name of PID (creator for a user namespace without members)", false, filter.String, false},
	UID:            {"UID", "UID of PID (creator for a user namespace without members)", true, filter.Number, false},
	Command:        {"COMMAND", "command line of PID (its command name if it has none)", false, filter.String, false},
	Comm:           {"COMM", "command name of PID (the default columns show it as COMMAND)", false, filter.String, false},
	Parent:         {"PARENT", "parent namespace of a user or pid namespace (inode number)", true, filter.Number, false},
	Owner:          {"OWNER", "owning user namespace (inode number; a user namespace's parent)", true, filter.Number, false},
	PNS:            {"PNS", "parent namespace identifier (inode number; 0 if none)", true, filter.Number, false},
	ONS:            {"ONS", "owner namespace identifier (inode number; 0 if none)", true, filter.Number, false},
	Holders:        {"HOLDERS", "other things keeping it alive, as kind:count (as --holders says)", false, filter.String, false},
	Path:           {"PATH", "path to the namespace", false, filter.String, false},
	NSFS:           {"NSFS", "nsfs bind mounts of the namespace (one per line unless --nowrap)", false, filter.String, false},
	NetNSID:        {"NETNSID", "namespace ID as used by network subsystem (RTM_GETNSID)", true, filter.String, false},
	Container:      {"CONTAINER", "containers in it: name, else short ID (comma-separated; a count beyond 8)", false, filter.String, false},
	Engine:         {"ENGINE", "engines of those containers (comma-separated)", false, filter.String, false},
	Pod:            {"POD", "Kubernetes pods in it, as namespace/name", false, filter.String, false},
	Unit:           {"UNIT", "systemd services and scopes in it (a count beyond 8)", false, filter.String, false},
	defaultCommand: {"COMMAND", "command name of PID", false, filter.String, true},
}

// WorkloadColumns are the columns that need workload attribution.
var WorkloadColumns = []Column{Container, Engine, Pod, Unit}

// DefaultColumns are the columns shown without --columns: lsns's, with
// the command name (not line) under COMMAND, as namespaces_of always had.
var DefaultColumns = []Column{NS, Type, NProcs, PID, User, defaultCommand}

// NetColumns are the default columns with --type net, as lsns adds
// NETNSID and NSFS then.
var NetColumns = []Column{NS, Type, NProcs, PID, User, NetNSID, NSFS, defaultCommand}

// AllColumns returns every column that can be named, in the order --help
// lists them.
func AllColumns() []Column {
	var out []Column
	for c := range numColumns {
		if !columns[c].hidden {
			out = append(out, c)
		}
	}
	return out
}

// String returns the column's name as headings and --columns spell it.
func (c Column) String() string {
	if c >= 0 && c < numColumns {
		return columns[c].name
	}
	return fmt.Sprintf("Column(%d)", int(c))
}

// Help describes the column in a line, for --help.
func (c Column) Help() string {
	if c >= 0 && c < numColumns {
		return columns[c].help
	}
	return ""
}

// ParseColumns parses a comma-separated list of column names, in any case.
// A list starting with "+" adds to [DefaultColumns], as with lsns -o. An
// unknown or empty name is an error that names it and lists the valid ones.
func ParseColumns(spec string) ([]Column, error) {
	var out []Column
	if rest, ok := strings.CutPrefix(spec, "+"); ok {
		out = append(out, DefaultColumns...)
		spec = rest
	}
	for _, name := range strings.Split(spec, ",") {
		c, err := parseColumn(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Kind is the type --filter compares the column as.
func (c Column) Kind() filter.Kind {
	if c >= 0 && c < numColumns {
		return columns[c].kind
	}
	return filter.String
}

// Lookup resolves a column name for --filter.
func Lookup(name string) (string, filter.Kind, bool) {
	c, err := parseColumn(name)
	if err != nil {
		return "", 0, false
	}
	return c.String(), c.Kind(), true
}

func parseColumn(name string) (Column, error) {
	upper := strings.ToUpper(name)
	for _, c := range AllColumns() {
		if columns[c].name == upper {
			return c, nil
		}
	}
	var valid []string
	for _, c := range AllColumns() {
		valid = append(valid, c.String())
	}
	if name == "" {
		return 0, fmt.Errorf("empty column name (valid: %s)", strings.Join(valid, ","))
	}
	return 0, fmt.Errorf("unknown column %q (valid: %s)", name, strings.Join(valid, ","))
}

// Options say how to render the table.
type Options struct {
	// Columns to show, in order; nil means [DefaultColumns].
	Columns []Column
	// NoHeadings leaves out the heading line.
	NoHeadings bool
	// Raw separates cells by one space without alignment, leaves missing
	// values empty, and escapes spaces and backslashes (as \x20, \x5c) so
	// that every line splits into the same number of fields. It implies
	// NoWrap.
	Raw bool
	// NoWrap writes NSFS's mounts comma-separated on the row's line; else
	// each mount after the first continues the cell on a line of its own,
	// as lsns shows multi-line cells.
	NoWrap bool
	// UserName maps a UID to a user name; nil means [os/user], falling back
	// to the number when the UID has no name.
	UserName func(uid int) string
}

// Render writes one row per namespace of the view, by inode number (as
// lsns sorts; [model.Selection.ByID]). Missing values are "-" when aligned and
// empty when raw. Namespaces the view keeps only as context are left out.
func Render(w io.Writer, m *model.Model, v model.View, opts Options) error {
	if m == nil {
		return fmt.Errorf("list: nil model")
	}
	cols := opts.Columns
	if cols == nil {
		cols = DefaultColumns
	}
	for _, c := range cols {
		if c < 0 || c >= numColumns {
			return fmt.Errorf("list: unknown column %v", c)
		}
	}
	cells := newCells(m, opts)

	var rows [][]string
	if !opts.NoHeadings {
		var head []string
		for _, c := range cols {
			head = append(head, c.String())
		}
		rows = append(rows, head)
	}
	sel := m.Select(v)
	for _, ns := range sel.ByID() {
		if sel.Context(ns.ID) {
			continue
		}
		r := cells.row(ns)
		var line []string
		for _, c := range cols {
			line = append(line, r.cell(c))
		}
		rows = append(rows, line)
	}

	var b strings.Builder
	if opts.Raw {
		for _, cells := range rows {
			for i, cell := range cells {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(escape(cell, true))
			}
			b.WriteByte('\n')
		}
	} else {
		writeAligned(&b, cols, rows)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Matcher returns the test of whether --filter's e selects a namespace,
// evaluating its columns exactly as the table shows them. e must have been
// bound with Lookup.
func Matcher(m *model.Model, e *filter.Expr, opts Options) func(*model.Namespace) bool {
	cells := newCells(m, opts)
	return func(ns *model.Namespace) bool {
		r := cells.row(ns)
		return e.Match(func(name string) filter.Value {
			c, err := parseColumn(name)
			if err != nil {
				return filter.EmptyValue(filter.String)
			}
			return value(c, r.cell(c))
		})
	}
}

// value is a cell as --filter sees it: a number for numeric columns.
func value(c Column, cell string) filter.Value {
	if cell == "" {
		return filter.EmptyValue(c.Kind())
	}
	if c.Kind() == filter.Number {
		if n, err := strconv.ParseUint(cell, 10, 64); err == nil {
			return filter.NumberValue(n)
		}
	}
	return filter.StringValue(cell)
}

// ColumnsOptions say how to list the columns (--list-columns).
type ColumnsOptions struct {
	Raw, JSON bool
}

// RenderColumns writes the name, filter type and description of every
// column, as lsns --list-columns does: aligned text (names right-aligned,
// no heading), raw text, or JSON.
func RenderColumns(w io.Writer, opts ColumnsOptions) error {
	kindName := func(c Column) string { return "<" + c.Kind().String() + ">" }
	var b strings.Builder
	switch {
	case opts.JSON:
		type entry struct {
			Holder      string `json:"holder"`
			Type        string `json:"type"`
			Description string `json:"description"`
		}
		doc := struct {
			Columns []entry `json:"columns"`
		}{}
		for _, c := range AllColumns() {
			doc.Columns = append(doc.Columns, entry{c.String(), kindName(c), c.Help()})
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "   ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	case opts.Raw:
		for _, c := range AllColumns() {
			fmt.Fprintf(&b, "%s %s %s\n", c.String(), kindName(c), escape(c.Help(), true))
		}
	default:
		width := 0
		for _, c := range AllColumns() {
			width = max(width, len(c.String()))
		}
		for _, c := range AllColumns() {
			fmt.Fprintf(&b, "%*s %-9s %s\n", width, c.String(), kindName(c), c.Help())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAligned pads every column to its widest cell. A cell with several
// lines (NSFS) continues on following lines, the other cells blank there.
func writeAligned(b *strings.Builder, cols []Column, rows [][]string) {
	widths := make([]int, len(cols))
	more := map[int]map[int][]string{} // row -> column -> continuation lines
	for r, cells := range rows {
		for i, cell := range cells {
			if cell == "" {
				cell = "-"
			}
			if cols[i] == NSFS && strings.Contains(cell, "\n") {
				lines := strings.Split(cell, "\n")
				for l := range lines {
					lines[l] = escape(lines[l], false)
					widths[i] = max(widths[i], utf8.RuneCountInString(lines[l]))
				}
				cell = lines[0]
				if more[r] == nil {
					more[r] = map[int][]string{}
				}
				more[r][i] = lines[1:]
			}
			cells[i] = escape(cell, false)
			widths[i] = max(widths[i], utf8.RuneCountInString(cells[i]))
		}
	}
	blank := make([]string, len(cols))
	for r, cells := range rows {
		writeLine(b, cols, widths, cells)
		for l := 0; len(more[r]) > 0; l++ {
			line, any := blank, false
			for i, rest := range more[r] {
				if l < len(rest) {
					if !any {
						line = make([]string, len(cols))
					}
					line[i], any = rest[l], true
				}
			}
			if !any {
				break
			}
			writeLine(b, cols, widths, line)
		}
	}
}

// writeLine writes one line of padded cells, without trailing blanks.
func writeLine(b *strings.Builder, cols []Column, widths []int, cells []string) {
	var line []byte
	for i, cell := range cells {
		if i > 0 {
			line = append(line, ' ')
		}
		pad := widths[i] - utf8.RuneCountInString(cell)
		if !columns[cols[i]].right {
			line = append(line, cell...)
		}
		for range pad {
			line = append(line, ' ')
		}
		if columns[cols[i]].right {
			line = append(line, cell...)
		}
	}
	b.Write(bytes.TrimRight(line, " "))
	b.WriteByte('\n')
}

// escape writes bytes that would break a line or a field as \xHH, as
// libsmartcols does: control characters and invalid UTF-8 always, and in
// raw mode also spaces and backslashes.
func escape(s string, raw bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		bad := (r == utf8.RuneError && size == 1) || unicode.IsControl(r) || (raw && (unicode.IsSpace(r) || r == '\\'))
		if bad {
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// cells holds what every row's cells are made from.
type cells struct {
	m        *model.Model
	userName func(int) string
	nsfsSep  string
}

func newCells(m *model.Model, opts Options) *cells {
	c := &cells{m: m, userName: opts.UserName, nsfsSep: "\n"}
	if c.userName == nil {
		c.userName = systemUserName()
	}
	if opts.NoWrap || opts.Raw {
		c.nsfsSep = ","
	}
	return c
}

// row holds what the cells of one namespace are made from.
type row struct {
	*cells
	ns   *model.Namespace
	pid  int         // lowest member PID, 0 if none
	task *model.Task // what the scan read about pid, nil if nothing
}

func (c *cells) row(ns *model.Namespace) row {
	r := row{cells: c, ns: ns}
	for _, pid := range ns.PIDs {
		if r.pid == 0 || pid < r.pid {
			r.pid = pid
		}
	}
	if r.pid != 0 {
		r.task = c.m.Tasks[r.pid]
	}
	return r
}

// uid is the UID shown: the chosen process's, or for a user namespace
// without members its creator's (as lsns falls back to NS_GET_OWNER_UID).
func (r row) uid() (int, bool) {
	switch {
	case r.task != nil && r.task.UID >= 0:
		return r.task.UID, true
	case r.pid == 0 && r.ns.Type == nsfs.User && r.ns.CreatorUID >= 0:
		return int(r.ns.CreatorUID), true
	}
	return 0, false
}

// cell returns the value of column c, "" when unknown or not applicable.
func (r row) cell(c Column) string {
	ns := r.ns
	switch c {
	case NS:
		return strconv.FormatUint(ns.ID.Ino, 10)
	case ID:
		if ns.NSID != 0 {
			return strconv.FormatUint(ns.NSID, 10)
		}
	case Type:
		return ns.Type.String()
	case NProcs:
		return strconv.Itoa(len(ns.PIDs))
	case PID:
		if r.pid != 0 {
			return strconv.Itoa(r.pid)
		}
	case PPID:
		// PPID 0 (PID 1, kthreadd) is known only where the status file,
		// which also gives the UID, was read.
		if r.task != nil && (r.task.PPID != 0 || r.task.UID >= 0) {
			return strconv.Itoa(r.task.PPID)
		}
	case User:
		if uid, ok := r.uid(); ok {
			return r.userName(uid)
		}
	case UID:
		if uid, ok := r.uid(); ok {
			return strconv.Itoa(uid)
		}
	case Command:
		if r.task != nil && r.task.Cmdline != "" {
			return r.task.Cmdline
		}
		if r.task != nil {
			return r.task.Comm
		}
	case Comm, defaultCommand:
		if r.task != nil {
			return r.task.Comm
		}
	case Parent:
		if ns.Type.Hierarchical() {
			return inode(ns.Parent)
		}
	case Owner:
		return inode(ns.OwningUser())
	case PNS:
		if ns.Type.Hierarchical() {
			return strconv.FormatUint(ns.Parent.Ino, 10)
		}
		return "0"
	case ONS:
		return strconv.FormatUint(ns.OwningUser().Ino, 10)
	case NetNSID:
		return netNSID(ns)
	case Holders:
		return r.holders()
	case Path:
		return r.path()
	case Container, Engine, Pod, Unit:
		return r.workloadCell(c)
	case NSFS:
		var paths []string
		for _, h := range ns.Holders {
			if h.Kind == model.HolderBindMount && h.Path != "" && !slices.Contains(paths, h.Path) {
				paths = append(paths, h.Path)
			}
		}
		if r.nsfsSep == "\n" {
			// One line per mount: a newline inside a path must not start one.
			for i, p := range paths {
				paths[i] = escape(p, false)
			}
		}
		return strings.Join(paths, r.nsfsSep)
	}
	return ""
}

// netNSID is what lsns shows: the id, "unassigned", or nothing when it was
// not read or the namespace is not a network namespace.
func netNSID(ns *model.Namespace) string {
	switch {
	case ns.Type != nsfs.Net || ns.NetNSID == nil:
		return ""
	case *ns.NetNSID < 0:
		return "unassigned"
	}
	return strconv.Itoa(int(*ns.NetNSID))
}

// path is a file that opens the namespace: the chosen member's link (as
// lsns shows), else a bind mount, else a holder's fd or *_for_children
// link. Bind mount paths are relative to the root of the process they were
// found through.
func (r row) path() string {
	if r.pid != 0 {
		return fmt.Sprintf("/proc/%d/ns/%s", r.pid, r.ns.Type)
	}
	var fallback string
	for _, h := range r.ns.Holders {
		if h.Kind == model.HolderBindMount && h.Path != "" {
			return h.Path
		}
		if fallback != "" || h.PID == 0 {
			continue
		}
		switch h.Kind {
		case model.HolderFD, model.HolderSocket:
			fallback = fmt.Sprintf("/proc/%d/fd/%d", h.PID, h.FD)
		case model.HolderPIDChildren, model.HolderTimeChildren:
			fallback = fmt.Sprintf("/proc/%d/ns/%s", h.PID, h.Kind)
		}
	}
	return fallback
}

func inode(id nsfs.ID) string {
	if id.IsZero() {
		return ""
	}
	return strconv.FormatUint(id.Ino, 10)
}

// holders is what keeps the namespace alive besides member processes, as
// the tree's --holders says it: its holders; for a namespace no process is
// in, the non-leader threads that are; for one with nothing at all, the
// namespaces it is the parent or owner of.
func (r row) holders() string {
	ns := r.ns
	parts := []string{holders(ns.Holders)}
	if len(ns.PIDs) == 0 {
		threads := 0
		for _, t := range ns.Threads {
			if t.TID != t.PID {
				threads++
			}
		}
		if threads > 0 {
			parts = append(parts, fmt.Sprintf("thread:%d", threads))
		}
		if len(ns.Threads) == 0 && len(ns.Holders) == 0 {
			if n := len(r.m.Descendants(ns.ID)); n > 0 {
				parts = append(parts, fmt.Sprintf("%s:%d", model.HolderDescendant, n))
			}
		}
	}
	if parts[0] == "" {
		parts = parts[1:]
	}
	return strings.Join(parts, ",")
}

// holders summarises holders as kind:count, kinds in the model's order
// ([model.CountHolders]).
func holders(list []model.Holder) string {
	var parts []string
	for _, c := range model.CountHolders(list) {
		parts = append(parts, fmt.Sprintf("%s:%d", c.Kind, c.Count))
	}
	return strings.Join(parts, ",")
}

// systemUserName looks names up with os/user, once per UID.
func systemUserName() func(int) string {
	cache := map[int]string{}
	return func(uid int) string {
		if name, ok := cache[uid]; ok {
			return name
		}
		name := strconv.Itoa(uid)
		if u, err := user.LookupId(name); err == nil {
			name = u.Username
		}
		cache[uid] = name
		return name
	}
}

// workloadCell lists, without repeats and in ref order, what column c
// shows of the namespace's workloads.
func (r row) workloadCell(c Column) string {
	var out []string
	ws := r.m.NamespaceWorkloads(r.ns)
	if c == Container || c == Unit {
		// A namespace shared by many (the host's own) gets a count.
		n := 0
		for _, w := range ws {
			if w.IsContainer() == (c == Container) {
				n++
			}
		}
		if n > model.MaxListedWorkloads {
			if c == Container {
				return strconv.Itoa(n) + " containers"
			}
			return strconv.Itoa(n) + " units"
		}
	}
	for _, w := range ws {
		var v string
		switch {
		case c == Unit && !w.IsContainer():
			v = w.Unit
		case c == Container && w.IsContainer():
			v = w.Display()
		case c == Engine && w.IsContainer():
			v = w.Engine
		case c == Pod && w.Pod != nil:
			v = w.Pod.Namespace + "/" + w.Pod.Name
		}
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, ",")
}
