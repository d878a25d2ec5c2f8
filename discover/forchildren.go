package discover

import (
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
)

// forChildren reads pid_for_children and time_for_children: the namespaces
// a task's future children will join. They are holders when they differ
// from the task's own namespace (after unshare(CLONE_NEWPID|CLONE_NEWTIME)).
type forChildren struct{ outcome }

func (*forChildren) about() about { return about{name: "for-children", needsPtrace: true} }

// childHolderKinds are the holder kinds of the *_for_children links.
var childHolderKinds = []struct {
	typ  nsfs.Type
	kind model.HolderKind
}{
	{nsfs.PID, model.HolderPIDChildren},
	{nsfs.Time, model.HolderTimeChildren},
}

func (*forChildren) scanProcess(p *process, f *found) {
	tasks := []int{p.pid}
	if p.s.opts.Tasks {
		tasks = p.threads()
	}
	for _, tid := range tasks {
		for _, c := range childHolderKinds {
			if !p.wants(c.typ) {
				continue
			}
			ino, err := p.childLink(tid, c.typ)
			if err != nil {
				continue // no child namespace yet (see pidfdForChildren)
			}
			own, err := p.link(tid, c.typ)
			if err != nil || own == ino {
				continue
			}
			path := taskDir(p.pid, tid) + "/ns/" + childLinkName(c.typ)
			f.holder(byPath(c.typ, ino, path), model.Holder{Kind: c.kind, PID: tid})
		}
	}
}
