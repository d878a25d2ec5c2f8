// Package list renders a scan as a table with one row per namespace (see
// [Render]), in the manner of lsns(8): aligned columns by default, or raw (single-space
// separated, escaped) for scripts.
package list

import (
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	Command                 // command name of PID
	Parent                  // parent namespace (user and pid)
	Owner                   // owning user namespace
	Holders                 // what else keeps it alive
	Path                    // a path that opens the namespace
	NSFS                    // nsfs bind mounts
	Container               // containers whose processes are in it
	Engine                  // their engines
	Pod                     // their Kubernetes pods
	Unit                    // systemd units whose processes are in it
	numColumns
)

type columnInfo struct {
	name, help string
	right      bool // numbers align right, as in lsns
}

var columns = [numColumns]columnInfo{
	NS:        {"NS", "namespace identifier (inode number)", true},
	ID:        {"ID", "64-bit namespace ID from the kernel (NS_GET_ID)", true},
	Type:      {"TYPE", "kind of namespace", false},
	NProcs:    {"NPROCS", "number of member processes", true},
	PID:       {"PID", "lowest member PID", true},
	PPID:      {"PPID", "parent PID of PID", true},
	User:      {"USER", "user name of PID (creator for a user namespace without members)", false},
	UID:       {"UID", "UID of PID (creator for a user namespace without members)", true},
	Command:   {"COMMAND", "command name of PID", false},
	Parent:    {"PARENT", "parent namespace of a user or pid namespace (inode number)", true},
	Owner:     {"OWNER", "owning user namespace (inode number; a user namespace's parent)", true},
	Holders:   {"HOLDERS", "other things keeping it alive, as kind:count", false},
	Path:      {"PATH", "path to the namespace", false},
	NSFS:      {"NSFS", "nsfs bind mounts of the namespace", false},
	Container: {"CONTAINER", "containers in it: name, else short ID (comma-separated; a count beyond 8)", false},
	Engine:    {"ENGINE", "engines of those containers (comma-separated)", false},
	Pod:       {"POD", "Kubernetes pods in it, as namespace/name", false},
	Unit:      {"UNIT", "systemd services and scopes in it (a count beyond 8)", false},
}

// WorkloadColumns are the columns that need workload attribution.
var WorkloadColumns = []Column{Container, Engine, Pod, Unit}

// lsns names for the same columns, accepted so that lsns habits work.
var aliases = map[string]Column{"PNS": Parent, "ONS": Owner}

// DefaultColumns are the columns shown without --columns, as lsns shows.
var DefaultColumns = []Column{NS, Type, NProcs, PID, User, Command}

// AllColumns returns every column, in the order --help lists them.
func AllColumns() []Column {
	out := make([]Column, numColumns)
	for i := range out {
		out[i] = Column(i)
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

func parseColumn(name string) (Column, error) {
	upper := strings.ToUpper(name)
	for _, c := range AllColumns() {
		if columns[c].name == upper {
			return c, nil
		}
	}
	if c, ok := aliases[upper]; ok {
		return c, nil
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
	// that every line splits into the same number of fields.
	Raw bool
	// UserName maps a UID to a user name; nil means [os/user], falling back
	// to the number when the UID has no name.
	UserName func(uid int) string
}

// Render writes one row per namespace of the view, by inode number (as
// lsns sorts; [model.Selection.ByID]). Missing values are "-" when aligned and empty when raw.
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
	userName := opts.UserName
	if userName == nil {
		userName = systemUserName()
	}

	var rows [][]string
	if !opts.NoHeadings {
		var head []string
		for _, c := range cols {
			head = append(head, c.String())
		}
		rows = append(rows, head)
	}
	for _, ns := range m.Select(v).ByID() {
		r := rowOf(m, ns, userName)
		var cells []string
		for _, c := range cols {
			cells = append(cells, r.cell(c))
		}
		rows = append(rows, cells)
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

func writeAligned(b *strings.Builder, cols []Column, rows [][]string) {
	widths := make([]int, len(cols))
	for _, cells := range rows {
		for i, cell := range cells {
			if cell == "" {
				cells[i] = "-"
			}
			cells[i] = escape(cells[i], false)
			widths[i] = max(widths[i], utf8.RuneCountInString(cells[i]))
		}
	}
	for _, cells := range rows {
		var line strings.Builder
		for i, cell := range cells {
			if i > 0 {
				line.WriteByte(' ')
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if columns[cols[i]].right {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
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

// row holds what the cells of one namespace are made from.
type row struct {
	ns       *model.Namespace
	pid      int         // lowest member PID, 0 if none
	task     *model.Task // what the scan read about pid, nil if nothing
	userName func(int) string
	m        *model.Model
}

func rowOf(m *model.Model, ns *model.Namespace, userName func(int) string) row {
	r := row{ns: ns, userName: userName, m: m}
	for _, pid := range ns.PIDs {
		if r.pid == 0 || pid < r.pid {
			r.pid = pid
		}
	}
	if r.pid != 0 {
		r.task = m.Tasks[r.pid]
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
		// The model cannot tell PPID 0 (PID 1, kthreadd) from unknown.
		if r.task != nil && r.task.PPID != 0 {
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
		if r.task != nil {
			return r.task.Comm
		}
	case Parent:
		if ns.Type.Hierarchical() {
			return inode(ns.Parent)
		}
	case Owner:
		return inode(ns.OwningUser())
	case Holders:
		return holders(ns.Holders)
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
		return strings.Join(paths, ",")
	}
	return ""
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
