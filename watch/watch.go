// Package watch scans repeatedly and reports what changed between each scan
// and the one before it ([diff.Compare]).
//
// Only the previous scan is kept, so memory does not grow with the number
// of scans; each rescan costs what one scan costs, plus the comparison.
package watch

import (
	"context"
	"errors"
	"time"

	"github.com/namespaces-of/namespaces_of/diff"
	"github.com/namespaces-of/namespaces_of/model"
)

// Options say how to watch.
type Options struct {
	// Interval is the time from the start of one scan to the start of
	// the next; a scan that takes longer delays the next one.
	Interval time.Duration
	// Scan makes one scan.
	Scan func() (*model.Model, error)
	// Compare says what to compare.
	Compare diff.Options
	// Report is called after every scan but the first, with the time the
	// scan ended and what differs from the scan before (often nothing).
	// The models are only valid during the call.
	Report func(at time.Time, d diff.Diff) error
}

// Run scans, then rescans every Interval and reports the differences, until
// ctx is done (it then returns nil) or a scan or a report fails.
func Run(ctx context.Context, o Options) error {
	if o.Interval <= 0 {
		return errors.New("watch: the interval must be positive")
	}
	prev, err := o.Scan()
	if err != nil {
		return err
	}
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// select picks at random when both are ready: a cancelled
		// watch must not scan (and report) once more.
		if ctx.Err() != nil {
			return nil
		}
		cur, err := o.Scan()
		if err != nil {
			return err
		}
		at := time.Now()
		d := diff.Diff{Old: prev, New: cur, Changes: diff.Compare(prev, cur, o.Compare)}
		if err := o.Report(at, d); err != nil {
			return err
		}
		prev = cur
	}
}
