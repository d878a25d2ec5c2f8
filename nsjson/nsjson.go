// Package nsjson writes a scan (a [*model.Model]) as one JSON document and
// reads such a document back into a model. The format is documented in
// docs/json.md and described by the JSON Schema that package
// [github.com/namespaces-of/namespaces_of/nsjson/schema] holds (copied to
// docs/namespaces_of.schema.json) and validates against.
//
// # Round trip
//
// Encoding the full view with [Encode] and reading it with [Decode] gives
// back the same model (after [model.Model.Normalize], and with empty member
// lists read back as nil), so the JSON can stand in for a scan: save it on
// one host, render it on another.
package nsjson

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// SchemaVersion is the value of the document's schema_version. It changes
// only when a key is removed or changes meaning; added keys do not bump it.
const SchemaVersion = 1

// The document's shape. Field order is key order, so it is part of the
// format: keep it in step with docs/json.md and nsjson/schema/schema.json.
type document struct {
	SchemaVersion int         `json:"schema_version"`
	ToolVersion   *string     `json:"tool_version"`
	KernelRelease *string     `json:"kernel_release"`
	View          viewDoc     `json:"view"`
	Self          selfDoc     `json:"self"`
	Roots         rootsDoc    `json:"roots"`
	Namespaces    []nsDoc     `json:"namespaces"`
	Tasks         []taskDoc   `json:"tasks"`
	Skipped       []skipDoc   `json:"skipped"`
	Sources       []sourceDoc `json:"sources"`
	// Workloads is present only when the scan attributed workloads
	// (--containers); so are the namespaces' and holders' workload keys.
	Workloads *[]workloadDoc `json:"workloads,omitempty"`
}

type workloadDoc struct {
	Ref           string  `json:"ref"`
	Engine        string  `json:"engine"`
	ID            *string `json:"id"`
	Name          *string `json:"name"`
	Pod           *podDoc `json:"pod"`
	ContainerName *string `json:"container_name"`
	Unit          *string `json:"unit"`
	Rootless      bool    `json:"rootless"`
	OwnerUID      *int    `json:"owner_uid"`
	OwnerUser     *string `json:"owner_user"`
	PIDs          []int   `json:"pids"`
}

type podDoc struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

type ref struct {
	Device uint64 `json:"device"`
	Inode  uint64 `json:"inode"`
}

type viewDoc struct {
	Hierarchy string   `json:"hierarchy"`
	Types     []string `json:"types"`
	Subtree   *ref     `json:"subtree"`
}

type selfDoc struct {
	User    *ref `json:"user"`
	PID     *ref `json:"pid"`
	Process *int `json:"process"`
}

type rootsDoc struct {
	User []ref `json:"user"`
	PID  []ref `json:"pid"`
}

type nsDoc struct {
	Type         string      `json:"type"`
	Inode        uint64      `json:"inode"`
	Device       uint64      `json:"device"`
	NSID         *uint64     `json:"nsid"`
	Parent       *ref        `json:"parent"`
	Owner        *ref        `json:"owner"`
	OwnerVisible *bool       `json:"owner_visible"`
	CreatorUID   *int64      `json:"creator_uid"`
	UIDMap       [][]uint32  `json:"uid_map"`
	GIDMap       [][]uint32  `json:"gid_map"`
	PIDs         []int       `json:"pids"`
	Threads      []threadDoc `json:"threads"`
	Holders      []holderDoc `json:"holders"`
	Descendants  []ref       `json:"descendants"`
	// Context is set only for a namespace a display filter kept as the
	// ancestor of a selected one.
	Context   bool      `json:"context,omitempty"`
	Workloads *[]string `json:"workloads,omitempty"`
}

type threadDoc struct {
	TID int `json:"tid"`
	PID int `json:"pid"`
}

type holderDoc struct {
	Kind    string  `json:"kind"`
	PID     *int    `json:"pid"`
	FD      *int    `json:"fd"`
	Path    *string `json:"path"`
	MountNS *ref    `json:"mount_ns"`
	Of      *ref    `json:"of"`
	// Workload is present (a ref or null) only in documents with workloads.
	Workload **string `json:"workload,omitempty"`
}

type taskDoc struct {
	ID     int     `json:"id"`
	TGID   *int    `json:"tgid"`
	PPID   *int    `json:"ppid"`
	UID    *int    `json:"uid"`
	Comm   *string `json:"comm"`
	NStgid []int   `json:"nstgid"`
}

type skipDoc struct {
	PID    int    `json:"pid"`
	Reason string `json:"reason"`
}

type sourceDoc struct {
	Name   string  `json:"name"`
	Ran    bool    `json:"ran"`
	Reason *string `json:"reason"`
}

// Encode writes the part of m that v shows as one indented JSON document
// followed by a newline. The namespaces are those [model.Model.Select]
// selects for v, by inode; their parent and owner references may name
// namespaces outside the view. m is not modified; member and holder lists
// are written sorted, as [model.Model.Normalize] would leave them.
func Encode(w io.Writer, m *model.Model, v model.View) error {
	if m == nil {
		return errors.New("nsjson: nil model")
	}
	doc, err := build(m, v)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64*1024)
	if err := writeDocument(bw, doc); err != nil {
		return err
	}
	return bw.Flush()
}

// streamAbove is how many elements a top-level list may have and still be
// laid out whole; a longer one is written element by element. Every
// element of the document's lists is wider than 24 columns on one line, so
// a list of more than 3 is wider than [maxInline] and never goes on one
// line: streaming it gives the same bytes.
const streamAbove = 3

// writeDocument writes doc exactly as indentTo lays out its compact
// encoding, one top-level value at a time and the long lists (namespaces,
// tasks) a window of elements at a time (see writeElements), so that the
// compact text of the whole document is never held in memory: at 10,000
// processes that would be megabytes more at the peak. The keys and their
// order come from the document struct, as for encoding/json.
func writeDocument(bw *bufio.Writer, doc *document) error {
	top := newElementWriter()
	rv := reflect.ValueOf(doc).Elem()
	bw.WriteByte('{')
	written := 0
	for i := range rv.NumField() {
		name, opts, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		field := rv.Field(i)
		if opts == "omitempty" && field.IsZero() {
			continue
		}
		if written > 0 {
			bw.WriteByte(',')
		}
		written++
		bw.WriteString("\n  " + strconv.Quote(name) + ": ")
		if field.Kind() != reflect.Slice || field.Len() <= streamAbove {
			if err := top.write(bw, field.Interface(), 1); err != nil {
				return err
			}
			continue
		}
		bw.WriteByte('[')
		if err := writeElements(bw, field); err != nil {
			return err
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	return nil
}

// elementWriter lays out one value at a time: its compact encoding by
// encoding/json, then indentTo.
type elementWriter struct {
	scratch bytes.Buffer
	enc     *json.Encoder
}

func newElementWriter() *elementWriter {
	e := &elementWriter{}
	e.enc = json.NewEncoder(&e.scratch)
	// Command names and paths are shown to people; < > & need no escaping.
	e.enc.SetEscapeHTML(false)
	return e
}

func (e *elementWriter) write(w *bufio.Writer, v any, depth int) error {
	e.scratch.Reset()
	if err := e.enc.Encode(v); err != nil {
		return fmt.Errorf("nsjson: %w", err)
	}
	indentTo(w, bytes.TrimSuffix(e.scratch.Bytes(), []byte("\n")), depth)
	return nil
}

// chunkElements is how many list elements one goroutine lays out at a
// time: enough to outweigh starting it, few enough that a window of
// chunks stays small next to the document.
const chunkElements = 256

// writeElements writes the elements of a long top-level list, each on its
// own line. The elements are laid out in parallel, a window of chunks at a
// time, and written in order: at 10,000 processes the task list is most of
// the encoding time, which would otherwise come after the parallel scan
// on one core.
func writeElements(bw *bufio.Writer, list reflect.Value) error {
	n := list.Len()
	workers := min(runtime.GOMAXPROCS(0), (n+chunkElements-1)/chunkElements)
	type chunk struct {
		out bytes.Buffer
		w   *bufio.Writer
		ew  *elementWriter
		err error
	}
	chunks := make([]*chunk, workers)
	for i := range chunks {
		c := &chunk{ew: newElementWriter()}
		c.w = bufio.NewWriter(&c.out)
		chunks[i] = c
	}
	for start := 0; start < n; start += workers * chunkElements {
		var wg sync.WaitGroup
		for k, c := range chunks {
			lo := start + k*chunkElements
			hi := min(lo+chunkElements, n)
			if lo >= hi {
				break
			}
			c.out.Reset()
			wg.Go(func() {
				for j := lo; j < hi; j++ {
					if j > 0 {
						c.w.WriteByte(',')
					}
					c.w.WriteString("\n    ")
					if c.err = c.ew.write(c.w, list.Index(j).Interface(), 2); c.err != nil {
						return
					}
				}
				c.err = c.w.Flush()
			})
		}
		wg.Wait()
		for k, c := range chunks {
			if start+k*chunkElements >= n {
				break
			}
			if c.err != nil {
				return c.err
			}
			bw.Write(c.out.Bytes())
		}
	}
	return nil
}

func build(m *model.Model, v model.View) (*document, error) {
	sel := m.Select(v)
	shown := sel.ByID()

	// Sort copies through model.Normalize so the order is exactly the
	// model's canonical one without touching the caller's model.
	sorted := &model.Model{Namespaces: make(map[nsfs.ID]*model.Namespace, len(shown)), Skipped: append([]model.Skip(nil), m.Skipped...)}
	for _, orig := range shown {
		ns := *orig
		ns.PIDs = append([]int(nil), ns.PIDs...)
		ns.Threads = append([]model.Thread(nil), ns.Threads...)
		ns.Holders = append([]model.Holder(nil), ns.Holders...)
		sorted.Namespaces[ns.ID] = &ns
	}
	sorted.Normalize()

	doc := &document{
		SchemaVersion: SchemaVersion,
		ToolVersion:   nullString(m.ToolVersion),
		KernelRelease: nullString(m.KernelRelease),
		View:          viewOf(v),
		Self:          selfDoc{User: nullRef(m.SelfUser), PID: nullRef(m.SelfPID), Process: nullInt(m.ScannerPID, 0)},
		Roots: rootsDoc{
			User: roots(m, v, sel, model.UserHierarchy, nsfs.User),
			PID:  roots(m, v, sel, model.PIDHierarchy, nsfs.PID),
		},
		Namespaces: make([]nsDoc, 0, len(shown)),
		Tasks:      []taskDoc{},
		Skipped:    []skipDoc{},
		Sources:    []sourceDoc{},
	}
	for _, orig := range shown {
		d, err := nsDocOf(sorted.Namespaces[orig.ID])
		if err != nil {
			return nil, err
		}
		if m.WorkloadsScanned {
			addWorkloadRefs(&d, sorted.Namespaces[orig.ID])
		}
		d.Descendants = refsByID(sel.Descendants(orig.ID))
		d.Context = sel.Context(orig.ID)
		doc.Namespaces = append(doc.Namespaces, d)
	}
	doc.Tasks = taskDocs(tasksOf(m, sorted, len(shown) == len(m.Namespaces)))
	for _, s := range sorted.Skipped {
		doc.Skipped = append(doc.Skipped, skipDoc{PID: s.PID, Reason: s.Reason})
	}
	for _, s := range m.Sources {
		doc.Sources = append(doc.Sources, sourceDoc{Name: s.Name, Ran: s.Ran, Reason: nullString(s.Reason)})
	}
	if m.WorkloadsScanned {
		doc.Workloads = workloadsOf(m, sorted, len(shown) == len(m.Namespaces))
	}
	return doc, nil
}

// addWorkloadRefs writes the namespace's and its holders' workload refs.
func addWorkloadRefs(d *nsDoc, ns *model.Namespace) {
	refs := append([]string{}, ns.Workloads...)
	d.Workloads = &refs
	for i := range d.Holders {
		// Holders were written in ns.Holders' (sorted) order.
		ref := nullString(ns.Holders[i].Workload)
		d.Holders[i].Workload = &ref
	}
}

// workloadsOf lists the workloads to write, by ref: all of them for an
// unfiltered view, otherwise those the written namespaces refer to.
func workloadsOf(m, written *model.Model, all bool) *[]workloadDoc {
	named := map[string]bool{}
	for _, ns := range written.Namespaces {
		for _, r := range ns.Workloads {
			named[r] = true
		}
	}
	out := []workloadDoc{}
	for _, w := range m.Workloads {
		if !all && !named[w.Ref] {
			continue
		}
		d := workloadDoc{
			Ref:           w.Ref,
			Engine:        w.Engine,
			ID:            nullString(w.ID),
			Name:          nullString(w.Name),
			ContainerName: nullString(w.ContainerName),
			Unit:          nullString(w.Unit),
			Rootless:      w.Rootless,
			OwnerUID:      nullInt(w.OwnerUID, -1),
			OwnerUser:     nullString(w.OwnerUser),
			PIDs:          append([]int{}, w.PIDs...),
		}
		if w.Pod != nil {
			d.Pod = &podDoc{Namespace: w.Pod.Namespace, Name: w.Pod.Name, UID: w.Pod.UID}
		}
		out = append(out, d)
	}
	return &out
}

// refsByID returns references to list's namespaces, by inode.
func refsByID(list []*model.Namespace) []ref {
	out := make([]ref, 0, len(list))
	for _, ns := range list {
		out = append(out, refOf(ns.ID))
	}
	slices.SortFunc(out, func(a, b ref) int {
		return cmp.Or(cmp.Compare(a.Inode, b.Inode), cmp.Compare(a.Device, b.Device))
	})
	return out
}

func viewOf(v model.View) viewDoc {
	d := viewDoc{Hierarchy: "user", Types: []string{}, Subtree: nullRef(v.Subtree)}
	if v.Hierarchy == model.PIDHierarchy {
		d.Hierarchy = "pid"
	}
	for _, t := range nsfs.AllTypes {
		if v.Shows(t) {
			d.Types = append(d.Types, t.String())
		}
	}
	return d
}

// roots lists, in display order, the namespaces of type t in sel (the
// selection of v) whose parent is not in sel: the tops of the document's
// trees of type t.
func roots(m *model.Model, v model.View, sel *model.Selection, h model.Hierarchy, t nsfs.Type) []ref {
	out := []ref{}
	whole := sel
	if v.Hierarchy != h || !v.Whole() {
		whole = m.Select(model.View{Hierarchy: h})
	}
	for _, ns := range whole.Namespaces {
		if ns.Type == t && sel.Shows(ns.ID) && !sel.Shows(ns.Parent) {
			out = append(out, refOf(ns.ID))
		}
	}
	return out
}

func nsDocOf(ns *model.Namespace) (nsDoc, error) {
	if _, known := nsfs.ParseType(ns.Type.String()); !known {
		return nsDoc{}, fmt.Errorf("nsjson: namespace %v has unknown type %v", ns.ID, ns.Type)
	}
	if ns.ID.Ino == 0 {
		return nsDoc{}, fmt.Errorf("nsjson: namespace %v has inode 0", ns.ID)
	}
	d := nsDoc{
		Type:       ns.Type.String(),
		Inode:      ns.ID.Ino,
		Device:     ns.ID.Dev,
		Parent:     nullRef(ns.Parent),
		Owner:      nullRef(ns.Owner),
		CreatorUID: nullInt64(ns.CreatorUID, -1),
		UIDMap:     idMap(ns.UIDMap),
		GIDMap:     idMap(ns.GIDMap),
		PIDs:       append([]int{}, ns.PIDs...),
		Threads:    []threadDoc{},
		Holders:    []holderDoc{},
	}
	if ns.NSID != 0 {
		d.NSID = &ns.NSID
	}
	if ns.Type != nsfs.User {
		visible := !ns.OwnerHidden()
		d.OwnerVisible = &visible
	}
	for _, t := range ns.Threads {
		d.Threads = append(d.Threads, ThreadOf(t))
	}
	for _, h := range ns.Holders {
		d.Holders = append(d.Holders, HolderOf(h))
	}
	return d, nil
}

// tasksOf returns the tasks to write, by ID: all of them for an unfiltered
// view, otherwise those named by the namespaces written.
func tasksOf(m, written *model.Model, all bool) []*model.Task {
	named := map[int]bool{}
	if !all {
		for _, ns := range written.Namespaces {
			for _, pid := range ns.PIDs {
				named[pid] = true
			}
			for _, t := range ns.Threads {
				named[t.TID], named[t.PID] = true, true
			}
			for _, h := range ns.Holders {
				named[h.PID] = true
			}
		}
	}
	var out []*model.Task
	for id, t := range m.Tasks {
		if t != nil && (all || named[id]) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *model.Task) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// taskDocs converts tasks with one allocation per kind of field, where
// one per field would be forty thousand at ten thousand processes.
func taskDocs(tasks []*model.Task) []taskDoc {
	docs := make([]taskDoc, len(tasks))
	ints := make([]int, 3*len(tasks))
	comms := make([]string, len(tasks))
	for i, t := range tasks {
		docs[i] = taskDoc{
			ID:     t.ID,
			TGID:   intIn(&ints[3*i], t.TGID, 0),
			PPID:   intIn(&ints[3*i+1], t.PPID, 0),
			UID:    intIn(&ints[3*i+2], t.UID, -1),
			NStgid: t.NStgid,
		}
		if t.Comm != "" {
			comms[i] = t.Comm
			docs[i].Comm = &comms[i]
		}
	}
	return docs
}

// intIn is nullInt storing n in slot.
func intIn(slot *int, n, unknown int) *int {
	if n == unknown {
		return nil
	}
	*slot = n
	return slot
}

func idMap(ranges []procfs.IDRange) [][]uint32 {
	if ranges == nil {
		return nil
	}
	out := make([][]uint32, len(ranges))
	for i, r := range ranges {
		out[i] = []uint32{r.Inside, r.Outside, r.Count}
	}
	return out
}

func refOf(id nsfs.ID) ref { return ref{Device: id.Dev, Inode: id.Ino} }

func nullRef(id nsfs.ID) *ref {
	if id.IsZero() {
		return nil
	}
	r := refOf(id)
	return &r
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullInt(n, unknown int) *int {
	if n == unknown {
		return nil
	}
	return &n
}

func nullInt64(n, unknown int64) *int64 {
	if n == unknown {
		return nil
	}
	return &n
}
