package discover

import (
	"sync"
	"sync/atomic"
)

// inParallel calls work(w, i) for every i in [0, n) from the given number
// of goroutines; w in [0, workers) names the calling worker, so each can
// fill state of its own. Items are handed out chunk at a time from a shared
// counter, so a slow item does not hold up the others.
func inParallel(workers, n, chunk int, work func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(int64(chunk))) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					work(w, i)
				}
			}
		}()
	}
	wg.Wait()
}
