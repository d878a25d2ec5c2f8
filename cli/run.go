package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/nsjson"
	"github.com/namespaces-of/namespaces_of/render/dot"
	"github.com/namespaces-of/namespaces_of/render/html"
	"github.com/namespaces-of/namespaces_of/render/list"
	"github.com/namespaces-of/namespaces_of/render/tree"
)

// Env is what the command needs from its surroundings; main fills it from
// the real process, tests fill it by hand.
type Env struct {
	Stdout, Stderr io.Writer
	// StdoutIsTerminal and Width describe stdout (Width 0: not known).
	StdoutIsTerminal bool
	Width            int
	Getenv           func(string) string
	// ProcRoot is where procfs is mounted; "" means /proc.
	ProcRoot string
}

// Run executes the command line args (without the program name) and
// returns the exit status. Results go to Stdout; every message to Stderr.
func Run(args []string, env Env) int {
	cfg, err := Parse(args)
	if err != nil {
		return fail(env, err)
	}
	switch {
	case cfg.Help:
		io.WriteString(env.Stdout, helpText)
		return ExitOK
	case cfg.Version:
		writeVersion(env.Stdout, readBuildVersion())
		return ExitOK
	case cfg.Completion != "":
		if err := writeCompletion(env.Stdout, cfg.Completion); err != nil {
			return fail(env, err)
		}
		return ExitOK
	case cfg.ListColumns:
		if err := list.RenderColumns(env.Stdout, list.ColumnsOptions{Raw: cfg.Raw, JSON: cfg.Output == "json"}); err != nil {
			return fail(env, fmt.Errorf("writing output: %w", err))
		}
		return ExitOK
	case cfg.Serve != "":
		return runServe(cfg, env)
	}
	switch {
	case len(cfg.Diff) > 0:
		return runDiff(cfg, env)
	case cfg.Watch > 0:
		return runWatch(cfg, env)
	}
	view := model.View{Types: cfg.Namespaces}
	if cfg.PIDNS {
		view.Hierarchy = model.PIDHierarchy
	}
	if cfg.SubtreePID != 0 {
		if view.Subtree, err = subtreeRoot(env, cfg); err != nil {
			return fail(env, err)
		}
	}

	opts := scanOptions(cfg)
	opts.ProcRoot = env.ProcRoot
	if len(cfg.Container) > 0 {
		// Like PID arguments: scan only the containers' processes (found
		// by a first scan), so the view holds their namespaces and
		// ancestors, and nothing of other workloads.
		if opts.PIDs, err = containerPIDs(opts, cfg.Container); err != nil {
			return fail(env, err)
		}
	}
	m, err := discover.Scan(opts)
	if err != nil {
		var missing *discover.NoSuchProcessError
		if errors.As(err, &missing) {
			err = usagef("%v", err)
		}
		return fail(env, err)
	}
	m.ToolVersion = toolVersion()
	m.KernelRelease = kernelRelease()
	if cfg.Verbose {
		reportSources(env.Stderr, m)
	}
	if !view.Subtree.IsZero() {
		if _, ok := m.Namespaces[view.Subtree]; !ok {
			return fail(env, fmt.Errorf("the namespace of PID %d vanished during the scan", cfg.SubtreePID))
		}
	}
	addExtras(m, cfg, env)
	view.Match = selection(m, cfg, listOptions(cfg))

	out := bufio.NewWriterSize(env.Stdout, 64*1024)
	err = render(out, m, view, cfg, env)
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return fail(env, fmt.Errorf("writing output: %w", err))
	}
	reportSkipped(env.Stderr, m, cfg.Verbose)
	return ExitOK
}

// render writes the scan in the chosen output format.
func render(w io.Writer, m *model.Model, view model.View, cfg *Config, env Env) error {
	switch cfg.Output {
	case "json":
		return nsjson.Encode(w, m, view)
	case "list":
		return list.Render(w, m, view, listOptions(cfg))
	case "dot":
		return dot.Render(w, m, view)
	case "html":
		return html.Render(w, m, view)
	}
	return tree.Render(w, m, tree.Options{
		View:      view,
		NoPIDs:    cfg.NoPIDs,
		ShowComm:  cfg.ShowComm,
		AllPIDs:   cfg.AllPIDs,
		Threads:   cfg.SearchTasks,
		ShowMaps:  len(cfg.PIDs) == 0,
		Holders:   cfg.Holders,
		Workloads: showWorkloads(cfg),
		Color:     useColor(cfg, env),
		Width:     width(env),
	})
}

// fail prints err as one line on stderr and returns its exit status.
func fail(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "namespaces_of: %v\n", err)
	var usage *UsageError
	if errors.As(err, &usage) {
		return ExitUsage
	}
	return ExitFailure
}

// scanOptions says what discovery must look at for this command line.
func scanOptions(cfg *Config) discover.Options {
	opts := discover.Options{
		PIDs:   cfg.PIDs,
		Tasks:  cfg.SearchTasks,
		Deep:   cfg.DeepScan,
		Maps:   len(cfg.PIDs) == 0 && !cfg.PIDNS,
		Comm:   cfg.ShowComm || cfg.Holders,
		Status: cfg.AllPIDs,

		Workloads: cfg.wantsWorkloads(),
	}
	if cfg.Output == "json" || cfg.Output == "list" || cfg.Output == "html" || cfg.Filter != nil {
		// These show each process's command, parent and UID, and a filter
		// may test them.
		opts.Status = true
	}
	if cfg.PIDNS {
		opts.Types = nsfs.NewTypeSet(nsfs.PID)
	}
	return opts
}

// showWorkloads reports whether outputs name the workloads of namespaces.
func showWorkloads(cfg *Config) bool { return cfg.Containers || len(cfg.Container) > 0 }

// containerPIDs scans the host to find the processes of the containers
// named (by name, unit, full ID or unambiguous ID prefix). A name that
// matches nothing, or an ID prefix that matches several, is a usage error
// naming the candidates.
func containerPIDs(opts discover.Options, names []string) ([]int, error) {
	opts.PIDs = nil
	opts.Workloads = true
	m, err := discover.Scan(opts)
	if err != nil {
		return nil, err
	}
	procRoot := opts.ProcRoot
	if procRoot == "" {
		procRoot = "/proc"
	}
	var pids []int
	for _, name := range names {
		w, err := findWorkload(m, name)
		if err != nil {
			return nil, err
		}
		if len(w.PIDs) == 0 {
			return nil, fmt.Errorf("--container=%s: %s has no running process", name, w.Label(strconv.Quote))
		}
		for _, pid := range w.PIDs {
			// Processes that ended since are left out, not an error.
			if unix.Access(procRoot+"/"+strconv.Itoa(pid), unix.F_OK) == nil {
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("--container: the processes of %s ended during the scan", strings.Join(names, ", "))
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// findWorkload returns the one workload called name: an exact name, unit
// or ID first, else an ID prefix.
func findWorkload(m *model.Model, name string) (*model.Workload, error) {
	var exact, prefix []*model.Workload
	for _, w := range m.Workloads {
		switch {
		case w.Name == name || w.ID == name || w.Unit == name:
			exact = append(exact, w)
		case w.ID != "" && strings.HasPrefix(w.ID, name):
			prefix = append(prefix, w)
		}
	}
	cands := exact
	if len(cands) == 0 {
		cands = prefix
	}
	switch len(cands) {
	case 1:
		return cands[0], nil
	case 0:
		return nil, usagef("--container=%s: no container, pod container or unit has that name or ID", strconv.Quote(name))
	}
	labels := make([]string, len(cands))
	for i, w := range cands {
		labels[i] = w.Label(strconv.Quote)
	}
	return nil, usagef("--container=%s is ambiguous: %s", strconv.Quote(name), strings.Join(labels, "; "))
}

// subtreeRoot returns the user (or, with --pidns, PID) namespace of the
// --subtree process, before any scan.
func subtreeRoot(env Env, cfg *Config) (nsfs.ID, error) {
	typ := nsfs.User
	if cfg.PIDNS {
		typ = nsfs.PID
	}
	id, err := discover.NamespaceOf(env.ProcRoot, cfg.SubtreePID, typ)
	var missing *discover.NoSuchProcessError
	switch {
	case errors.As(err, &missing):
		return nsfs.ID{}, usagef("%v", err)
	case err != nil:
		return nsfs.ID{}, fmt.Errorf("--subtree: %w", err)
	}
	return id, nil
}

func useColor(cfg *Config, env Env) bool {
	switch cfg.Color {
	case "always":
		return true
	case "never":
		return false
	}
	return env.StdoutIsTerminal && (env.Getenv == nil || env.Getenv("NO_COLOR") == "")
}

// width is the terminal width for wrapping member lists: 80 when stdout is
// not a terminal, as the seed does.
func width(env Env) int {
	if env.StdoutIsTerminal && env.Width > 0 {
		return env.Width
	}
	return 80
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// reportSkipped says, in one line, how many processes could not be read.
func reportSkipped(w io.Writer, m *model.Model, verbose bool) {
	if len(m.Skipped) == 0 {
		return
	}
	reasons := map[string]int{}
	for _, s := range m.Skipped {
		reasons[s.Reason]++
	}
	var parts []string
	for r, n := range reasons {
		parts = append(parts, fmt.Sprintf("%s: %d", describeErrno(r), n))
	}
	sort.Strings(parts)
	noun := "processes"
	if len(m.Skipped) == 1 {
		noun = "process"
	}
	fmt.Fprintf(w, "namespaces_of: could not inspect %d %s (%s); their namespaces may be missing\n",
		len(m.Skipped), noun, strings.Join(parts, ", "))
	if verbose {
		for _, s := range m.Skipped {
			fmt.Fprintf(w, "namespaces_of: skipped PID %d: %s\n", s.PID, s.Reason)
		}
	}
}

func describeErrno(name string) string {
	switch name {
	case "EACCES":
		return "permission denied"
	case "EPERM":
		return "operation not permitted"
	}
	return name
}

// reportSources lists, for -v, which discovery sources ran.
func reportSources(w io.Writer, m *model.Model) {
	for _, s := range m.Sources {
		switch {
		case s.Ran && s.Reason != "":
			fmt.Fprintf(w, "namespaces_of: source %s: ran, %s\n", s.Name, s.Reason)
		case s.Ran:
			fmt.Fprintf(w, "namespaces_of: source %s: ran\n", s.Name)
		default:
			fmt.Fprintf(w, "namespaces_of: source %s: unavailable: %s\n", s.Name, s.Reason)
		}
	}
}

// Main runs the command for the real process and returns its exit status.
func Main() int {
	env := Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	env.StdoutIsTerminal, env.Width = terminal(os.Stdout)
	return Run(os.Args[1:], env)
}
