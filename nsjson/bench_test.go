package nsjson

import (
	"io"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/procfs"
)

// landscapeModel is a scan like bench/landscape's N processes in M groups:
// each group has its own net, uts and ipc namespaces, every other group
// its own mount namespace, the others a user namespace owning theirs.
func landscapeModel(n, groups int) *model.Model {
	m := model.New()
	const dev = 4
	id := func(ino uint64) nsfs.ID { return nsfs.ID{Dev: dev, Ino: ino} }
	host := map[nsfs.Type]*model.Namespace{}
	next := uint64(4026531830)
	add := func(t nsfs.Type, owner, parent nsfs.ID) *model.Namespace {
		next++
		ns := &model.Namespace{ID: id(next), Type: t, NSID: next - 4026531000, Owner: owner, Parent: parent, CreatorUID: -1}
		m.Namespaces[ns.ID] = ns
		return ns
	}
	root := add(nsfs.User, nsfs.ID{}, nsfs.ID{})
	root.CreatorUID = 0
	root.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 0, Count: 4294967295}}
	root.GIDMap = root.UIDMap
	for _, t := range nsfs.AllTypes {
		if t != nsfs.User {
			host[t] = add(t, root.ID, nsfs.ID{})
		}
	}
	host[nsfs.User] = root
	m.SelfUser, m.SelfPID = root.ID, host[nsfs.PID].ID
	pid := 1000
	for g := range groups {
		ns := map[nsfs.Type]*model.Namespace{}
		for t, h := range host {
			ns[t] = h
		}
		owner := root
		if g%2 == 1 {
			owner = add(nsfs.User, nsfs.ID{}, root.ID)
			owner.CreatorUID = 0
			owner.UIDMap = []procfs.IDRange{{Inside: 0, Outside: 0, Count: 1}}
			owner.GIDMap = owner.UIDMap
			ns[nsfs.User] = owner
		} else {
			ns[nsfs.Mount] = add(nsfs.Mount, root.ID, nsfs.ID{})
		}
		for _, t := range []nsfs.Type{nsfs.Net, nsfs.UTS, nsfs.IPC} {
			ns[t] = add(t, owner.ID, nsfs.ID{})
		}
		for range n / groups {
			pid++
			for _, x := range ns {
				x.PIDs = append(x.PIDs, pid)
			}
			m.Tasks[pid] = &model.Task{ID: pid, TGID: pid, PPID: 999, UID: 0, Comm: "sleep", NStgid: []int{pid}}
		}
	}
	return m
}

func BenchmarkEncode(b *testing.B) {
	m := landscapeModel(10000, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, m, model.View{}); err != nil {
			b.Fatal(err)
		}
	}
}
