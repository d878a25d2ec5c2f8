package list

import (
	"io"
	"testing"

	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// benchModel is a host-sized model: 2,000 namespaces, each with a member.
func benchModel() *model.Model {
	m := model.New()
	types := []nsfs.Type{nsfs.Net, nsfs.UTS, nsfs.IPC, nsfs.Mount}
	m.Namespaces[id(1)] = &model.Namespace{ID: id(1), Type: nsfs.User, CreatorUID: 0, PIDs: []int{1}}
	for i := range 2000 {
		pid := 100 + i
		ns := &model.Namespace{ID: id(uint64(10 + i)), Type: types[i%len(types)], Owner: id(1), CreatorUID: -1, PIDs: []int{pid}}
		m.Namespaces[ns.ID] = ns
		m.Tasks[pid] = &model.Task{ID: pid, TGID: pid, PPID: 1, UID: 0, Comm: "sleep"}
	}
	m.Tasks[1] = &model.Task{ID: 1, TGID: 1, UID: 0, Comm: "init"}
	return m
}

func BenchmarkRenderDefault(b *testing.B) {
	m := benchModel()
	opts := Options{UserName: func(int) string { return "root" }}
	for b.Loop() {
		if err := Render(io.Discard, m, model.View{}, opts); err != nil {
			b.Fatal(err)
		}
	}
}
