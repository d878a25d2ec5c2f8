package discover

// taskLinks records every thread as a member of the namespaces its
// /proc/PID/task/TID/ns links name (read by the pipeline with
// Options.Tasks).
type taskLinks struct{ outcome }

func (*taskLinks) about() about { return about{name: "task-links", needsPtrace: true} }

func (*taskLinks) scanProcess(p *process, f *found) {
	for _, tl := range p.tasks {
		for _, t := range p.s.types {
			if ino := tl.links[t.Rank()]; ino != 0 {
				f.member(t, ino, p.pid, tl.tid, true)
			}
		}
	}
}
