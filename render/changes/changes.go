// Package changes writes the differences between two scans ([diff.Change])
// as text, one line per namespace, or as JSON: one document for --diff, one
// object per line for --watch. The formats are described in docs/diff.md.
//
// A text line is a mark, the namespace as the tree shows it, and details:
//
//   - net {4 4026532817}: owner {4 4026531837}; pids 4242 (sleep); held by bind mount /run/netns/a (mount ns 4026531832)
//   - uts {4 4026532901}: owner {4 4026531837}; pids 4100 (sleep)
//     ~ net {4 4026531840}: pids joined 4300 (sh), left 4100 (sleep)
//     ! uts {4 4026532950}: replaces net {4 4026532950} (type); owner {4 4026531837}; pids 4400 (sleep)
//
// "+" is a namespace only in the new scan, "-" one only in the old scan,
// "~" one in both that changed, "!" a new namespace that got the inode of an
// old one (what differs is in parentheses); its details describe the new
// namespace, and what the old one had is listed as "was ...".
package changes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/namespaces-of/namespaces_of/diff"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// marks are the first character of each text line.
var marks = map[diff.Kind]byte{diff.Added: '+', diff.Removed: '-', diff.Changed: '~', diff.Replaced: '!'}

// TimeLayout is how --watch lines give the time of the scan that saw them.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Text writes one line per change. A non-zero at is written first on every
// line (for --watch).
func Text(w io.Writer, s diff.Diff, at time.Time) error {
	var b strings.Builder
	for i := range s.Changes {
		c := &s.Changes[i]
		if !at.IsZero() {
			b.WriteString(at.Format(TimeLayout))
			b.WriteByte(' ')
		}
		b.WriteByte(marks[c.Kind])
		b.WriteByte(' ')
		ns := c.Namespace()
		b.WriteString(ns.Type.String() + " " + ns.ID.String())
		b.WriteString(": ")
		b.WriteString(strings.Join(details(s, c), "; "))
		b.WriteByte('\n')
		if b.Len() > 32*1024 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// details lists the parts of a change's line after the namespace.
func details(s diff.Diff, c *diff.Change) []string {
	var out []string
	switch c.Kind {
	case diff.Added, diff.Removed, diff.Replaced:
		m, ns := s.New, c.New
		if c.Kind == diff.Removed {
			m, ns = s.Old, c.Old
		}
		if c.Kind == diff.Replaced {
			out = append(out, fmt.Sprintf("replaces %s %s (%s)", c.Old.Type, c.Old.ID, strings.Join(c.Because, ", ")))
		}
		out = append(out, identity(ns)...)
		members, threads, holders := c.PIDs.Added, c.Threads.Added, c.Holders.Added
		if c.Kind == diff.Removed {
			members, threads, holders = c.PIDs.Removed, c.Threads.Removed, c.Holders.Removed
		}
		out = appendList(out, "pids ", pids(m, members))
		out = appendList(out, "threads ", threadList(m, threads))
		out = appendList(out, "held by ", holderList(m, holders))
		if c.Kind == diff.Replaced {
			out = appendList(out, "was pids ", pids(s.Old, c.PIDs.Removed))
			out = appendList(out, "was threads ", threadList(s.Old, c.Threads.Removed))
			out = appendList(out, "was held by ", holderList(s.Old, c.Holders.Removed))
		}
	case diff.Changed:
		out = appendDelta(out, "pids ", "joined ", "left ", pids(s.New, c.PIDs.Added), pids(s.Old, c.PIDs.Removed))
		out = appendDelta(out, "threads ", "joined ", "left ", threadList(s.New, c.Threads.Added), threadList(s.Old, c.Threads.Removed))
		out = appendDelta(out, "", "now held by ", "no longer held by ", holderList(s.New, c.Holders.Added), holderList(s.Old, c.Holders.Removed))
		for _, f := range c.Fields {
			out = append(out, f+" "+fieldText(c.Old, f)+" -> "+fieldText(c.New, f))
		}
	}
	if len(out) == 0 {
		out = append(out, "no members or holders")
	}
	return out
}

// identity describes where a namespace sits: its owner or parent.
func identity(ns *model.Namespace) []string {
	var out []string
	if ns.Type == nsfs.User || ns.Type == nsfs.PID {
		out = append(out, "parent "+fieldText(ns, "parent"))
	}
	if ns.Type != nsfs.User {
		out = append(out, "owner "+fieldText(ns, "owner"))
	}
	if ns.Type == nsfs.User {
		out = append(out, "creator_uid "+fieldText(ns, "creator_uid"),
			"uid_map "+fieldText(ns, "uid_map"), "gid_map "+fieldText(ns, "gid_map"))
	}
	return out
}

// fieldText is the text of one of diff.Fields of ns.
func fieldText(ns *model.Namespace, field string) string {
	switch field {
	case "owner":
		if ns.Owner.IsZero() {
			return "invisible"
		}
		return ns.Owner.String()
	case "parent":
		if ns.Parent.IsZero() {
			return "none"
		}
		return ns.Parent.String()
	case "creator_uid":
		if ns.CreatorUID < 0 {
			return "?"
		}
		return strconv.FormatInt(ns.CreatorUID, 10)
	case "uid_map":
		return idMap(ns.UIDMap)
	case "gid_map":
		return idMap(ns.GIDMap)
	}
	return "?"
}

// idMap is a map as in the tree, in brackets: "[0 1000 1]", "[]" when not
// written yet, "?" when unknown.
func idMap(ranges []procfs.IDRange) string {
	if ranges == nil {
		return "?"
	}
	parts := make([]string, len(ranges))
	for i, r := range ranges {
		parts[i] = fmt.Sprintf("%d %d %d", r.Inside, r.Outside, r.Count)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func appendList(out []string, prefix string, items []string) []string {
	if len(items) == 0 {
		return out
	}
	return append(out, prefix+strings.Join(items, ", "))
}

// appendDelta adds "<prefix>joined a, b, left c" for what one list gained
// and lost.
func appendDelta(out []string, prefix, gained, lost string, added, removed []string) []string {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, gained+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, lost+strings.Join(removed, ", "))
	}
	if parts == nil {
		return out
	}
	return append(out, prefix+strings.Join(parts, ", "))
}

func pids(m *model.Model, list []int) []string {
	out := make([]string, len(list))
	for i, pid := range list {
		out[i] = strconv.Itoa(pid) + comm(m, pid)
	}
	return out
}

func threadList(m *model.Model, list []model.Thread) []string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = fmt.Sprintf("%d of PID %d%s", t.TID, t.PID, comm(m, t.PID))
	}
	return out
}

func holderList(m *model.Model, list []model.Holder) []string {
	out := make([]string, len(list))
	for i, h := range list {
		out[i] = holderText(m, h)
	}
	return out
}

// holderText says what a holder is, as the tree's "held by" lines do.
func holderText(m *model.Model, h model.Holder) string {
	ofPID := fmt.Sprintf(" of PID %d%s", h.PID, comm(m, h.PID))
	switch h.Kind {
	case model.HolderFD:
		return fmt.Sprintf("fd %d%s", h.FD, ofPID)
	case model.HolderSocket:
		return fmt.Sprintf("socket fd %d%s", h.FD, ofPID)
	case model.HolderBindMount:
		mnt := "?"
		if !h.MountNS.IsZero() {
			mnt = strconv.FormatUint(h.MountNS.Ino, 10)
		}
		return fmt.Sprintf("bind mount %s (mount ns %s)", safeText(h.Path), mnt)
	case model.HolderPIDChildren, model.HolderTimeChildren:
		return string(h.Kind) + ofPID
	case model.HolderKernelList:
		return "kernel list only"
	case model.HolderDescendant:
		return "ancestor of " + h.Of.String()
	}
	if h.PID != 0 {
		return safeText(string(h.Kind)) + ofPID
	}
	return safeText(string(h.Kind))
}

// comm is " (<command>)" when the model knows pid's command name.
func comm(m *model.Model, pid int) string {
	if m == nil {
		return ""
	}
	if t := m.Tasks[pid]; t != nil && t.Comm != "" {
		return " (" + safeText(t.Comm) + ")"
	}
	return ""
}

// safeText quotes s when it could break a line or drive a terminal
// (control characters, invalid UTF-8, a leading quote).
func safeText(s string) string {
	if s == "" || s[0] == '"' || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// SchemaVersion is the schema_version of the JSON document and lines.
const SchemaVersion = 1

type document struct {
	SchemaVersion int         `json:"schema_version"`
	Old           scanDoc     `json:"old"`
	New           scanDoc     `json:"new"`
	Changes       []changeDoc `json:"changes"`
}

type scanDoc struct {
	Source        string  `json:"source"`
	ToolVersion   *string `json:"tool_version"`
	KernelRelease *string `json:"kernel_release"`
}

type changeDoc struct {
	Time    *string                 `json:"time,omitempty"`
	Change  diff.Kind               `json:"change"`
	Type    string                  `json:"type"`
	Device  uint64                  `json:"device"`
	Inode   uint64                  `json:"inode"`
	Old     *nsDoc                  `json:"old"`
	New     *nsDoc                  `json:"new"`
	Because []string                `json:"because"`
	PIDs    deltaDoc[int]           `json:"pids"`
	Threads deltaDoc[nsjson.Thread] `json:"threads"`
	Holders holdersDoc              `json:"holders"`
	Fields  []string                `json:"fields"`
}

type nsDoc struct {
	Type       string      `json:"type"`
	NSID       *uint64     `json:"nsid"`
	Parent     *nsjson.Ref `json:"parent"`
	Owner      *nsjson.Ref `json:"owner"`
	CreatorUID *int64      `json:"creator_uid"`
	UIDMap     [][]uint32  `json:"uid_map"`
	GIDMap     [][]uint32  `json:"gid_map"`
}

type deltaDoc[T any] struct {
	Joined []T `json:"joined"`
	Left   []T `json:"left"`
}

type holdersDoc struct {
	Added   []nsjson.Holder `json:"added"`
	Removed []nsjson.Holder `json:"removed"`
}

// JSON writes one document holding every change; oldSource and newSource
// say where each scan came from (a file name, or "scan" for a new scan).
// Each change is one line of the document, so that line tools work too.
func JSON(w io.Writer, d diff.Diff, oldSource, newSource string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"schema_version\": %d,\n", SchemaVersion)
	for _, s := range []struct {
		key string
		doc scanDoc
	}{{"old", scanDocOf(d.Old, oldSource)}, {"new", scanDocOf(d.New, newSource)}} {
		bw.WriteString("  \"" + s.key + "\": ")
		if err := encodeLine(bw, s.doc, ",\n"); err != nil {
			return err
		}
	}
	bw.WriteString("  \"changes\": [")
	for i := range d.Changes {
		sep := ",\n"
		if i == 0 {
			bw.WriteString("\n")
		}
		if i == len(d.Changes)-1 {
			sep = "\n  "
		}
		bw.WriteString("    ")
		if err := encodeLine(bw, changeDocOf(&d.Changes[i]), sep); err != nil {
			return err
		}
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// encodeLine writes v as compact JSON followed by end.
func encodeLine(bw *bufio.Writer, v any, end string) error {
	data, err := marshal(v)
	if err != nil {
		return err
	}
	bw.Write(data)
	bw.WriteString(end)
	return nil
}

// marshal is json.Marshal without HTML escaping (paths and command names
// are for people) and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// JSONLines writes one compact JSON object per change, each with the time
// of the scan that saw it (for --watch).
func JSONLines(w io.Writer, s diff.Diff, at time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	stamp := at.Format(TimeLayout)
	for i := range s.Changes {
		d := changeDocOf(&s.Changes[i])
		d.Time = &stamp
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	return nil
}

func scanDocOf(m *model.Model, source string) scanDoc {
	return scanDoc{Source: source, ToolVersion: nullString(m.ToolVersion), KernelRelease: nullString(m.KernelRelease)}
}

func changeDocOf(c *diff.Change) changeDoc {
	ns := c.Namespace()
	d := changeDoc{
		Change:  c.Kind,
		Type:    ns.Type.String(),
		Device:  ns.ID.Dev,
		Inode:   ns.ID.Ino,
		Old:     nsDocOf(c.Old),
		New:     nsDocOf(c.New),
		Because: orEmpty(c.Because),
		PIDs:    deltaDoc[int]{Joined: orEmpty(c.PIDs.Added), Left: orEmpty(c.PIDs.Removed)},
		Threads: deltaDoc[nsjson.Thread]{Joined: mapped(c.Threads.Added, nsjson.ThreadOf), Left: mapped(c.Threads.Removed, nsjson.ThreadOf)},
		Holders: holdersDoc{Added: mapped(c.Holders.Added, nsjson.HolderOf), Removed: mapped(c.Holders.Removed, nsjson.HolderOf)},
		Fields:  orEmpty(c.Fields),
	}
	return d
}

func nsDocOf(ns *model.Namespace) *nsDoc {
	if ns == nil {
		return nil
	}
	d := &nsDoc{
		Type:   ns.Type.String(),
		Parent: nsjson.NullRef(ns.Parent),
		Owner:  nsjson.NullRef(ns.Owner),
		UIDMap: nsjson.IDMap(ns.UIDMap),
		GIDMap: nsjson.IDMap(ns.GIDMap),
	}
	if ns.NSID != 0 {
		nsid := ns.NSID
		d.NSID = &nsid
	}
	if ns.Type == nsfs.User && ns.CreatorUID >= 0 {
		uid := ns.CreatorUID
		d.CreatorUID = &uid
	}
	return d
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// mapped returns f of each element of list, [] (not null) for none.
func mapped[T, U any](list []T, f func(T) U) []U {
	out := make([]U, len(list))
	for i, x := range list {
		out[i] = f(x)
	}
	return out
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
