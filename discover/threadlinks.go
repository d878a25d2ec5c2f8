package discover

// threadLinks finds namespaces occupied only by non-leader threads: those
// whose /proc/PID/task/TID/ns links differ from the leader's.
type threadLinks struct{ outcome }

func (*threadLinks) about() about { return about{name: "thread-links", needsPtrace: true} }

func (*threadLinks) scanProcess(p *process, f *found) { recordOtherThreads(p, f) }

// recordOtherThreads records the threads whose namespaces differ from
// their leader's as members of those.
func recordOtherThreads(p *process, f *found) {
	for _, tl := range p.otherThreads() {
		for _, t := range p.s.types {
			if ino := tl.links[t.Rank()]; ino != 0 {
				f.member(t, ino, p.pid, tl.tid, true)
			}
		}
	}
}
