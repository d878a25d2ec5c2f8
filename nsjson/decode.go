package nsjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// Decode reads one document written by [Encode] back into a model. The
// derived keys (view, roots, owner_visible, descendants) are not read: the
// model recomputes them (DecodeWithView also returns the view). Empty member, thread, holder, skipped and source
// lists come back as nil. Unknown keys are ignored, so documents from later
// releases with the same schema_version can still be read.
func Decode(r io.Reader) (*model.Model, error) {
	m, _, err := DecodeWithView(r)
	return m, err
}

// DecodeWithView is Decode that also returns the view the document was
// written with (its "view" key), so that a new scan can be limited the same
// way, e.g. to compare the two.
func DecodeWithView(r io.Reader) (*model.Model, model.View, error) {
	m, doc, err := decodeDocument(r)
	if err != nil {
		return nil, model.View{}, err
	}
	v, err := viewFrom(doc.View)
	if err != nil {
		return nil, model.View{}, fmt.Errorf("nsjson: view: %w", err)
	}
	return m, v, nil
}

func decodeDocument(r io.Reader) (*model.Model, *document, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("nsjson: %w", err)
	}
	var head struct {
		SchemaVersion *int            `json:"schema_version"`
		Namespaces    json.RawMessage `json:"namespaces"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, nil, fmt.Errorf("nsjson: %w", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, nil, errors.New("nsjson: not a namespaces_of document (no schema_version)")
	case *head.SchemaVersion != SchemaVersion:
		return nil, nil, fmt.Errorf("nsjson: schema_version %d not supported (want %d)", *head.SchemaVersion, SchemaVersion)
	case head.Namespaces == nil || string(head.Namespaces) == "null":
		return nil, nil, errors.New("nsjson: not a namespaces_of document (no namespaces)")
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("nsjson: %w", err)
	}

	m := model.New()
	m.ToolVersion = deref(doc.ToolVersion, "")
	m.KernelRelease = deref(doc.KernelRelease, "")
	m.SelfUser = idOf(doc.Self.User)
	m.SelfPID = idOf(doc.Self.PID)
	m.ScannerPID = deref(doc.Self.Process, 0)
	for i, d := range doc.Namespaces {
		ns, err := namespaceOf(d)
		if err != nil {
			return nil, nil, fmt.Errorf("nsjson: namespaces[%d]: %w", i, err)
		}
		if _, dup := m.Namespaces[ns.ID]; dup {
			return nil, nil, fmt.Errorf("nsjson: namespaces[%d]: %v listed twice", i, ns.ID)
		}
		m.Namespaces[ns.ID] = ns
	}
	for i, d := range doc.Tasks {
		if _, dup := m.Tasks[d.ID]; dup {
			return nil, nil, fmt.Errorf("nsjson: tasks[%d]: task %d listed twice", i, d.ID)
		}
		m.Tasks[d.ID] = &model.Task{
			ID:     d.ID,
			TGID:   deref(d.TGID, 0),
			PPID:   deref(d.PPID, 0),
			UID:    deref(d.UID, -1),
			Comm:   deref(d.Comm, ""),
			NStgid: d.NStgid,
		}
	}
	for _, s := range doc.Skipped {
		m.Skipped = append(m.Skipped, model.Skip{PID: s.PID, Reason: s.Reason})
	}
	for _, s := range doc.Sources {
		m.Sources = append(m.Sources, model.SourceReport{Name: s.Name, Ran: s.Ran, Reason: deref(s.Reason, "")})
	}
	if doc.Workloads != nil {
		m.WorkloadsScanned = true
		for _, d := range *doc.Workloads {
			w := &model.Workload{
				Ref:           d.Ref,
				Engine:        d.Engine,
				ID:            deref(d.ID, ""),
				Name:          deref(d.Name, ""),
				ContainerName: deref(d.ContainerName, ""),
				Unit:          deref(d.Unit, ""),
				Rootless:      d.Rootless,
				OwnerUID:      deref(d.OwnerUID, -1),
				OwnerUser:     deref(d.OwnerUser, ""),
			}
			if len(d.PIDs) > 0 {
				w.PIDs = d.PIDs
			}
			if d.Pod != nil {
				w.Pod = &model.Pod{Namespace: d.Pod.Namespace, Name: d.Pod.Name, UID: d.Pod.UID}
			}
			m.Workloads = append(m.Workloads, w)
		}
		sort.Slice(m.Workloads, func(i, j int) bool { return m.Workloads[i].Ref < m.Workloads[j].Ref })
	}
	return m, &doc, nil
}

func namespaceOf(d nsDoc) (*model.Namespace, error) {
	t, ok := nsfs.ParseType(d.Type)
	if !ok {
		return nil, fmt.Errorf("unknown type %q", d.Type)
	}
	if d.Inode == 0 {
		return nil, errors.New("inode 0")
	}
	ns := &model.Namespace{
		ID:         nsfs.ID{Dev: d.Device, Ino: d.Inode},
		Type:       t,
		NSID:       deref(d.NSID, 0),
		Parent:     idOf(d.Parent),
		Owner:      idOf(d.Owner),
		CreatorUID: deref(d.CreatorUID, -1),
	}
	var err error
	if ns.UIDMap, err = rangesOf(d.UIDMap); err != nil {
		return nil, fmt.Errorf("uid_map: %w", err)
	}
	if ns.GIDMap, err = rangesOf(d.GIDMap); err != nil {
		return nil, fmt.Errorf("gid_map: %w", err)
	}
	if len(d.PIDs) > 0 {
		ns.PIDs = d.PIDs
	}
	for _, th := range d.Threads {
		ns.Threads = append(ns.Threads, model.Thread{TID: th.TID, PID: th.PID})
	}
	if d.Workloads != nil && len(*d.Workloads) > 0 {
		ns.Workloads = *d.Workloads
	}
	for _, h := range d.Holders {
		var wl string
		if h.Workload != nil {
			wl = deref(*h.Workload, "")
		}
		ns.Holders = append(ns.Holders, model.Holder{
			Workload: wl,
			Kind:     model.HolderKind(h.Kind),
			PID:      deref(h.PID, 0),
			FD:       deref(h.FD, 0),
			Path:     deref(h.Path, ""),
			MountNS:  idOf(h.MountNS),
			Of:       idOf(h.Of),
		})
	}
	return ns, nil
}

// viewFrom reads back the view Encode described with viewOf.
func viewFrom(d viewDoc) (model.View, error) {
	var v model.View
	switch d.Hierarchy {
	case "pid":
		v.Hierarchy = model.PIDHierarchy
	case "user", "":
	default:
		return v, fmt.Errorf("unknown hierarchy %q", d.Hierarchy)
	}
	if v.Hierarchy == model.UserHierarchy && d.Types != nil {
		for _, name := range d.Types {
			t, ok := nsfs.ParseType(name)
			if !ok {
				return v, fmt.Errorf("unknown type %q", name)
			}
			v.Types |= nsfs.NewTypeSet(t)
		}
		if v.Types|nsfs.NewTypeSet(nsfs.User) == nsfs.AllTypeSet {
			v.Types = 0
		}
	}
	v.Subtree = idOf(d.Subtree)
	return v, nil
}

func rangesOf(m [][]uint32) ([]procfs.IDRange, error) {
	if m == nil {
		return nil, nil
	}
	out := make([]procfs.IDRange, len(m))
	for i, r := range m {
		if len(r) != 3 {
			return nil, fmt.Errorf("id map entry %d: want [inside, outside, count], have %d numbers", i, len(r))
		}
		out[i] = procfs.IDRange{Inside: r[0], Outside: r[1], Count: r[2]}
	}
	return out, nil
}

func idOf(r *ref) nsfs.ID {
	if r == nil {
		return nsfs.ID{}
	}
	return nsfs.ID{Dev: r.Device, Ino: r.Inode}
}

func deref[T any](p *T, unknown T) T {
	if p == nil {
		return unknown
	}
	return *p
}
