package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/diff"
	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/render/changes"
	"github.com/namespaces-of/namespaces_of/watch"
)

// ExitDiffers is the status of --diff when the two scans differ.
const ExitDiffers = 3

// defaultWatch is the interval of --watch without a value.
const defaultWatch = "1s"

// parseInterval reads the value of --watch: a positive Go duration.
func parseInterval(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--watch: invalid interval %q (want a positive duration such as 1s, 500ms or 2m)", s)
	}
	return d, nil
}

// checkWatchValue catches "--watch 2s": the interval of --watch is
// optional, so it must be attached with "=", and "2s" would otherwise be
// rejected as a PID.
func checkWatchValue(args []string) error {
	for i, a := range args {
		if a == "--" {
			break
		}
		if a == "--watch" && i+1 < len(args) {
			if _, err := time.ParseDuration(args[i+1]); err == nil {
				return usagef("--watch: give the interval as --watch=%s", args[i+1])
			}
		}
	}
	return nil
}

// validateChanges enforces the rules of --diff and --watch.
func validateChanges(cfg *Config) error {
	if len(cfg.Diff) == 0 && cfg.Watch == 0 {
		return nil
	}
	opt := "--watch"
	if len(cfg.Diff) > 0 {
		opt = "--diff"
	}
	switch {
	case len(cfg.Diff) > 0 && cfg.Watch != 0:
		return usagef("--diff cannot be combined with --watch")
	case len(cfg.Diff) > 2:
		return usagef("--diff takes one file (compared with a new scan) or two (compared with each other), not %d", len(cfg.Diff))
	case cfg.Output != "tree" && cfg.Output != "json":
		return usagef("%s writes text (the default) or --output=json, not --output=%s", opt, cfg.Output)
	case cfg.NoPIDs || cfg.ShowComm || cfg.AllPIDs || cfg.Holders:
		return usagef("--no-pids, --show-comm, --all-pids and --holders cannot be combined with %s", opt)
	case len(cfg.Diff) == 2 && (len(cfg.PIDs) > 0 || cfg.DeepScan || cfg.SearchTasks || cfg.SubtreePID != 0):
		return usagef("two --diff files are compared without a scan: PID arguments, --deep-scan, --search-tasks and --subtree do not apply")
	}
	for _, f := range cfg.Diff {
		if f == "" {
			return usagef("--diff: empty file name")
		}
	}
	return nil
}

// runDiff compares a saved scan with a new one, or two saved scans.
func runDiff(cfg *Config, env Env) int {
	old, oldView, err := readScan(cfg.Diff[0])
	if err != nil {
		return fail(env, err)
	}
	var cur *model.Model
	var view model.View
	newSource := "scan"
	if len(cfg.Diff) == 2 {
		newSource = cfg.Diff[1]
		var newView model.View
		if cur, newView, err = readScan(newSource); err != nil {
			return fail(env, err)
		}
		if view, err = filesView(cfg, env, oldView, newView); err != nil {
			return fail(env, err)
		}
	} else {
		if view, err = savedView(cfg, env, oldView); err != nil {
			return fail(env, err)
		}
		if cur, err = scanLike(cfg, env, old, view); err != nil {
			return fail(env, err)
		}
		if cfg.Verbose {
			reportSources(env.Stderr, cur)
		}
		reportSkipped(env.Stderr, cur, cfg.Verbose)
	}

	d := diff.Diff{Old: old, New: cur, Changes: diff.Compare(old, cur, diff.Options{View: view})}
	out := bufio.NewWriterSize(env.Stdout, 64*1024)
	if cfg.Output == "json" {
		err = changes.JSON(out, d, cfg.Diff[0], newSource)
	} else {
		err = changes.Text(out, d, time.Time{})
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return fail(env, fmt.Errorf("writing output: %w", err))
	}
	if len(d.Changes) > 0 {
		return ExitDiffers
	}
	return ExitOK
}

// readScan reads a saved scan. Any failure is a usage error naming the file.
func readScan(path string) (*model.Model, model.View, error) {
	// O_NONBLOCK: a FIFO given by mistake must not hang the open.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, model.View{}, usagef("--diff: cannot open %s: %v", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, model.View{}, usagef("--diff: %s is not a regular file", path)
	}
	m, v, err := nsjson.DecodeWithView(f)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "nsjson: ")
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "not a JSON document (" + msg + ")"
		}
		return nil, model.View{}, usagef("--diff: %s: %s", path, msg)
	}
	return m, v, nil
}

// commandLineView is the view the command line asks for, and whether it
// asks for one at all.
func commandLineView(cfg *Config, env Env) (model.View, bool, error) {
	v := model.View{Types: cfg.Namespaces}
	if cfg.PIDNS {
		v = model.View{Hierarchy: model.PIDHierarchy}
	}
	if v.Types != 0 {
		v.Types |= nsfs.NewTypeSet(nsfs.User)
	}
	if cfg.SubtreePID != 0 {
		var err error
		if v.Subtree, err = subtreeRoot(env, cfg); err != nil {
			return v, true, err
		}
	}
	return v, cfg.PIDNS || cfg.Namespaces != 0 || cfg.SubtreePID != 0, nil
}

// savedView is the view a new scan is compared in: the saved document's.
// The command line may repeat it, not change it.
func savedView(cfg *Config, env Env, saved model.View) (model.View, error) {
	v, given, err := commandLineView(cfg, env)
	if err != nil {
		return v, err
	}
	if given && !sameView(v, saved) {
		return v, usagef("--diff: --pidns, --namespaces and --subtree must match the view %s was saved with, or be left out", cfg.Diff[0])
	}
	return saved, nil
}

// filesView is the view two saved scans are compared in: the command
// line's, or else the one both were saved with (their subtrees aside,
// which are inode numbers of each scan's own host and time).
func filesView(cfg *Config, env Env, a, b model.View) (model.View, error) {
	v, given, err := commandLineView(cfg, env)
	if given || err != nil {
		return v, err
	}
	a.Subtree, b.Subtree = nsfs.ID{}, nsfs.ID{}
	if !sameView(a, b) {
		return v, usagef("--diff: %s and %s were saved with different --pidns or --namespaces options; give the view to compare them in", cfg.Diff[0], cfg.Diff[1])
	}
	return a, nil
}

// sameView compares what a saved document records of a view (a display
// filter is never saved).
func sameView(a, b model.View) bool {
	return a.Hierarchy == b.Hierarchy && a.Types == b.Types && a.Subtree == b.Subtree
}

// scanLike makes a new scan that finds what the saved scan could have
// found: its hierarchy, and the discovery of --search-tasks and
// --deep-scan when the saved scan used them (its sources say so).
func scanLike(cfg *Config, env Env, saved *model.Model, view model.View) (*model.Model, error) {
	like := *cfg
	like.PIDNS = view.Hierarchy == model.PIDHierarchy
	for _, s := range saved.Sources {
		switch s.Name {
		case "task-links":
			like.SearchTasks = true
		case "for-children", "fds", "bind-mounts":
			like.DeepScan = true
		}
	}
	if len(like.PIDs) > 0 && (like.DeepScan || like.SearchTasks) {
		return nil, usagef("--diff: %s was saved with --deep-scan or --search-tasks, which PID arguments cannot be combined with", cfg.Diff[0])
	}
	m, err := scanForChanges(&like, env)
	var missing *discover.NoSuchProcessError
	if errors.As(err, &missing) {
		err = usagef("%v", err)
	}
	return m, err
}

// scanForChanges scans for --diff and --watch: command names are read for
// the text output.
func scanForChanges(cfg *Config, env Env) (*model.Model, error) {
	opts := scanOptions(cfg)
	opts.Comm = true
	opts.ProcRoot = env.ProcRoot
	m, err := discover.Scan(opts)
	if err != nil {
		return nil, err
	}
	m.ToolVersion = toolVersion()
	m.KernelRelease = kernelRelease()
	return m, nil
}

// scanLive scans for --watch. A PID argument that names no process is a
// usage error on the first scan; later, that process has exited: it is
// dropped from cfg.PIDs, and once none is left the scans are empty.
func scanLive(cfg *Config, env Env, first bool) (*model.Model, error) {
	for {
		if !first && cfg.PIDs != nil && len(cfg.PIDs) == 0 {
			return model.New(), nil
		}
		m, err := scanForChanges(cfg, env)
		var missing *discover.NoSuchProcessError
		switch {
		case errors.As(err, &missing) && first:
			return nil, usagef("%v", err)
		case errors.As(err, &missing):
			cfg.PIDs = slices.DeleteFunc(slices.Clone(cfg.PIDs), func(p int) bool { return p == missing.PID })
			if len(cfg.PIDs) == 0 {
				cfg.PIDs = []int{} // not nil: that would scan every process
			}
			continue
		}
		return m, err
	}
}

// runWatch rescans every interval and prints what changed, until SIGINT or
// SIGTERM.
func runWatch(cfg *Config, env Env) int {
	view, _, err := commandLineView(cfg, env)
	if err != nil {
		return fail(env, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	out := bufio.NewWriterSize(env.Stdout, 64*1024)
	live := *cfg // its PIDs shrink as the processes watched exit
	scans := 0
	var took time.Duration
	err = watch.Run(ctx, watch.Options{
		Interval: cfg.Watch,
		Compare:  diff.Options{View: view},
		Scan: func() (*model.Model, error) {
			start := time.Now()
			m, err := scanLive(&live, env, scans == 0)
			took = time.Since(start)
			if err == nil && scans == 0 {
				reportSkipped(env.Stderr, m, cfg.Verbose)
			}
			scans++
			return m, err
		},
		Report: func(at time.Time, d diff.Diff) error {
			var err error
			if cfg.Output == "json" {
				err = changes.JSONLines(out, d, at)
			} else {
				err = changes.Text(out, d, at)
			}
			if err == nil {
				err = out.Flush()
			}
			if err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			if cfg.Verbose {
				fmt.Fprintf(env.Stderr, "namespaces_of: watch: scan %d: %d namespaces, %d changes, %v\n",
					scans, len(d.New.Namespaces), len(d.Changes), took.Round(time.Microsecond))
			}
			return nil
		},
	})
	if err != nil {
		var usage *UsageError
		if errors.As(err, &usage) {
			return fail(env, err)
		}
		return fail(env, fmt.Errorf("--watch: %w", err))
	}
	return ExitOK
}
