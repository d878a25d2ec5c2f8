package discover

import (
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// newTestModel returns a model holding one namespace per given NSID.
func newTestModel(nsids map[uint64]bool) *model.Model {
	m := model.New()
	for id := range nsids {
		nid := nsfs.ID{Dev: 4, Ino: 1000 + id}
		m.Namespaces[nid] = &model.Namespace{ID: nid, Type: nsfs.Net, NSID: id}
	}
	return m
}
