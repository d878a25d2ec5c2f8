package discover

// processLinks records each process as a member of the namespaces its
// /proc/PID/ns links name (read by the pipeline).
type processLinks struct{ outcome }

func (*processLinks) about() about { return about{name: "process-links"} }

func (*processLinks) scanProcess(p *process, f *found) {
	for _, t := range p.s.types {
		if ino := p.links[t.Rank()]; ino != 0 {
			f.member(t, ino, p.pid, p.pid, false)
		}
	}
	if p.leaderExited && !p.s.opts.Deep {
		// Show what the threads can tell (threadLinks does it in deep scans).
		recordOtherThreads(p, f)
	}
}
