// Package cli is the namespaces_of command line: flags, validation, exit
// codes, and the glue between discovery and the renderers.
package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/namespaces-of/namespaces_of/cli/completion"
	"github.com/namespaces-of/namespaces_of/filter"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/list"
	"github.com/namespaces-of/namespaces_of/serve"
)

// Exit statuses.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the scan or the output failed
	ExitUsage   = 2 // bad options or arguments
)

// UsageError is a mistake in the command line; it exits with ExitUsage.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// Config is a parsed and validated command line.
type Config struct {
	PIDs        []int         // PID arguments, de-duplicated, in the given order
	SubtreePID  int           // --subtree, 0 if not given
	PIDNS       bool          // --pidns
	Namespaces  nsfs.TypeSet  // --namespaces, 0 if not given
	NoPIDs      bool          // --no-pids
	ShowComm    bool          // --show-comm
	AllPIDs     bool          // --all-pids
	SearchTasks bool          // --search-tasks
	DeepScan    bool          // --deep-scan
	Holders     bool          // --holders
	Color       string        // auto, always or never
	Verbose     bool          // -v, --verbose
	Help        bool          // -h, --help
	Version     bool          // -V, --version
	Completion  string        // --completion: a shell, "" if not given
	Output      string        // tree, json, list, dot or html
	Columns     []list.Column // --columns, -o, --output-all (list output)
	NoHeadings  bool          // --no-headings, -n (list output)
	Raw         bool          // --raw, -r (list output)

	// lsns's selections and display options.
	Persistent  bool         // -P, --persistent: only namespaces no process or thread is in
	Types       nsfs.TypeSet // -t, --type (repeatable): only these types; 0 if not given
	TaskPIDs    []int        // -p, --task: only namespaces these processes are in
	Filter      *filter.Expr // -Q, --filter, bound to the list columns
	FilterText  string       // the expression as given
	ListColumns bool         // -H, --list-columns
	NoWrap      bool         // -W, --nowrap (list output)
	NoTruncate  bool         // -u, --notruncate (list output; nothing is ever truncated)
	Containers  bool         // --containers
	Container   []string     // --container=NAME|ID, in the given order

	Diff  []string      // --diff files: one (compare with a new scan) or two
	Watch time.Duration // --watch interval, 0 if not watching
	// Serve is the listen address of --serve ("" without it);
	// ScanInterval the minimum time between two scans (--scan-interval).
	Serve        string
	ScanInterval time.Duration
}

// wantsWorkloads reports whether the scan must say whose each namespace is:
// --containers, --container, or a workload column shown or filtered on.
func (c *Config) wantsWorkloads() bool {
	if c.Containers || len(c.Container) > 0 {
		return true
	}
	for _, col := range list.WorkloadColumns {
		if wants(c, col) {
			return true
		}
	}
	return false
}

// Output formats.
var outputs = []string{"tree", "json", "list", "dot", "html"}

var negativeNumber = regexp.MustCompile(`^-[0-9]+$`)

// Values of --color.
var colors = []string{"auto", "always", "never"}

// columnNames lists the --columns names.
func columnNames() []string {
	var names []string
	for _, c := range list.AllColumns() {
		names = append(names, c.String())
	}
	return names
}

// rawFlags holds the text of options that Parse checks after pflag has run.
type rawFlags struct {
	subtree, namespaces, columns, watch   string
	noColor                               bool
	types, tasks                          []string
	outputAll, asList, asJSON, noheadings bool
}

// newFlagSet defines every option. Parse reads the command line with it and
// [FlagSet] hands it to the completion scripts and the documentation tests,
// so those cannot drift from what Parse accepts.
func newFlagSet(cfg *Config, raw *rawFlags) *pflag.FlagSet {
	fs := pflag.NewFlagSet("namespaces_of", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	fs.StringVar(&raw.subtree, "subtree", "", "")
	fs.BoolVar(&cfg.PIDNS, "pidns", false, "")
	fs.StringVar(&raw.namespaces, "namespaces", "", "")
	fs.BoolVar(&cfg.NoPIDs, "no-pids", false, "")
	fs.BoolVar(&cfg.ShowComm, "show-comm", false, "")
	fs.BoolVar(&cfg.AllPIDs, "all-pids", false, "")
	fs.BoolVar(&cfg.SearchTasks, "search-tasks", false, "")
	fs.BoolVar(&cfg.DeepScan, "deep-scan", false, "")
	fs.BoolVar(&cfg.Holders, "holders", false, "")
	fs.BoolVar(&raw.noColor, "no-color", false, "")
	fs.StringVar(&cfg.Color, "color", "auto", "")
	fs.BoolVarP(&cfg.Verbose, "verbose", "v", false, "")
	fs.BoolVarP(&cfg.Help, "help", "h", false, "")
	fs.BoolVarP(&cfg.Version, "version", "V", false, "")
	fs.StringVar(&cfg.Completion, "completion", "", "")
	fs.StringVar(&cfg.Output, "output", "tree", "")
	fs.StringVarP(&raw.columns, "columns", "o", "", "")
	fs.BoolVar(&cfg.NoHeadings, "no-headings", false, "")
	fs.BoolVarP(&cfg.Raw, "raw", "r", false, "")

	// lsns's options, with its letters and names.
	fs.BoolVarP(&cfg.Persistent, "persistent", "P", false, "")
	fs.StringArrayVarP(&raw.types, "type", "t", nil, "")
	fs.StringArrayVarP(&raw.tasks, "task", "p", nil, "")
	fs.StringVarP(&cfg.FilterText, "filter", "Q", "", "")
	fs.BoolVar(&raw.outputAll, "output-all", false, "")
	fs.BoolVarP(&cfg.ListColumns, "list-columns", "H", false, "")
	fs.BoolVarP(&cfg.NoTruncate, "notruncate", "u", false, "")
	fs.BoolVarP(&cfg.NoWrap, "nowrap", "W", false, "")
	fs.BoolVarP(&raw.noheadings, "noheadings", "n", false, "")
	fs.BoolVarP(&raw.asList, "list", "l", false, "")
	fs.BoolVarP(&raw.asJSON, "json", "J", false, "")
	fs.BoolVar(&cfg.Containers, "containers", false, "")
	fs.StringArrayVar(&cfg.Container, "container", nil, "")

	fs.StringArrayVar(&cfg.Diff, "diff", nil, "")
	fs.StringVar(&raw.watch, "watch", "", "")
	fs.Lookup("watch").NoOptDefVal = defaultWatch
	fs.StringVar(&cfg.Serve, "serve", "", "")
	fs.Lookup("serve").NoOptDefVal = serve.DefaultAddr
	fs.DurationVar(&cfg.ScanInterval, "scan-interval", serve.DefaultInterval, "")

	// How the shells complete each option's value (package completion); a
	// test fails for an option that takes a value and is not listed here.
	completion.PID(fs, "subtree")
	completion.ListOf(fs, "namespaces", nsfs.TypeNames()...)
	completion.OneOf(fs, "color", colors...)
	completion.OneOf(fs, "completion", completion.Shells...)
	completion.OneOf(fs, "output", outputs...)
	completion.ListOf(fs, "columns", columnNames()...)
	completion.OneOf(fs, "type", nsfs.TypeNames()...)
	completion.PID(fs, "task")
	completion.Free(fs, "filter")
	completion.Free(fs, "container")
	completion.File(fs, "diff")
	completion.Free(fs, "watch")
	completion.Free(fs, "serve")
	completion.Free(fs, "scan-interval")
	return fs
}

// Parse parses and validates args (without the program name).
func Parse(args []string) (*Config, error) {
	cfg := &Config{}
	var raw rawFlags
	fs := newFlagSet(cfg, &raw)

	// "-5" would otherwise be taken for a cluster of short options.
	for _, a := range args {
		if a == "--" {
			break
		}
		if negativeNumber.MatchString(a) {
			return nil, usagef("invalid PID %q: a PID is a positive integer", a)
		}
	}
	if err := checkWatchValue(args); err != nil {
		return nil, err
	}
	err := fs.Parse(args)
	if err != nil {
		return nil, usagef("%s", strings.TrimSuffix(err.Error(), "\n"))
	}
	if cfg.Help || cfg.Version {
		return cfg, nil
	}
	if fs.Changed("completion") {
		if !slices.Contains(completion.Shells, cfg.Completion) {
			return nil, usagef("--completion: invalid value %q (want %s)", cfg.Completion, strings.Join(completion.Shells, ", "))
		}
		return cfg, nil
	}
	if fs.Changed("serve") || fs.Changed("scan-interval") {
		return cfg, validateServe(cfg, fs)
	}
	if err := outputShorthands(cfg, fs, raw.asList, raw.asJSON); err != nil {
		return nil, err
	}
	cfg.NoHeadings = cfg.NoHeadings || raw.noheadings
	if cfg.ListColumns {
		// Nothing else matters: the columns are listed as text, raw text
		// or JSON.
		if !slices.Contains(outputs, cfg.Output) {
			return nil, usagef("--output: invalid value %q (want %s)", cfg.Output, strings.Join(outputs, ", "))
		}
		return cfg, nil
	}
	for _, name := range raw.types {
		t, ok := nsfs.ParseType(name)
		if !ok {
			return nil, usagef("--type: unknown namespace type %q (want one of %s)", name, strings.Join(nsfs.TypeNames(), ", "))
		}
		cfg.Types |= nsfs.NewTypeSet(t)
	}
	for _, a := range raw.tasks {
		pid, err := parsePID(a)
		if err != nil {
			return nil, usagef("--task: %v", err)
		}
		if !slices.Contains(cfg.TaskPIDs, pid) {
			cfg.TaskPIDs = append(cfg.TaskPIDs, pid)
		}
	}
	if fs.Changed("filter") {
		e, err := filter.Parse(cfg.FilterText)
		if err == nil {
			err = e.Bind(list.Lookup)
		}
		if err != nil {
			return nil, usagef("--filter %q: %v", cfg.FilterText, err)
		}
		cfg.Filter = e
	}
	if cfg.Persistent {
		// Namespaces without processes are found only by the deep scan.
		cfg.DeepScan = true
	}

	seen := map[int]bool{}
	for _, a := range fs.Args() {
		pid, err := parsePID(a)
		if err != nil {
			return nil, err
		}
		if !seen[pid] {
			seen[pid] = true
			cfg.PIDs = append(cfg.PIDs, pid)
		}
	}
	// --task PID scans as a PID argument does, and then shows only the
	// namespaces PID is in.
	for _, pid := range cfg.TaskPIDs {
		if !seen[pid] {
			seen[pid] = true
			cfg.PIDs = append(cfg.PIDs, pid)
		}
	}
	if fs.Changed("subtree") {
		pid, err := parsePID(raw.subtree)
		if err != nil {
			return nil, usagef("--subtree: %v", err)
		}
		cfg.SubtreePID = pid
	}
	if fs.Changed("namespaces") {
		set, err := nsfs.ParseTypeSet(raw.namespaces)
		if err != nil {
			return nil, usagef("--namespaces: %v", err)
		}
		cfg.Namespaces = set
	}
	if !slices.Contains(colors, cfg.Color) {
		return nil, usagef("--color: invalid value %q (want auto, always or never)", cfg.Color)
	}
	if raw.noColor {
		if fs.Changed("color") && cfg.Color != "never" {
			return nil, usagef("--no-color conflicts with --color=%s", cfg.Color)
		}
		cfg.Color = "never"
	}
	if !slices.Contains(outputs, cfg.Output) {
		return nil, usagef("--output: invalid value %q (want %s)", cfg.Output, strings.Join(outputs, ", "))
	}
	if fs.Changed("columns") {
		if raw.outputAll {
			return nil, usagef("--output-all cannot be combined with --columns")
		}
		cols, err := list.ParseColumns(raw.columns)
		if err != nil {
			return nil, usagef("--columns: %v", err)
		}
		cfg.Columns = cols
	}
	if raw.outputAll {
		cfg.Columns = list.AllColumns()
	}
	if fs.Changed("watch") {
		if cfg.Watch, err = parseInterval(raw.watch); err != nil {
			return nil, err
		}
	}
	if err := validate(cfg, fs); err != nil {
		return nil, err
	}
	return cfg, validateChanges(cfg)
}

// outputShorthands applies lsns's -l (--output=list) and -J
// (--output=json).
func outputShorthands(cfg *Config, fs *pflag.FlagSet, asList, asJSON bool) error {
	for _, s := range []struct {
		set    bool
		flag   string
		output string
	}{{asList, "-l/--list", "list"}, {asJSON, "-J/--json", "json"}} {
		if !s.set {
			continue
		}
		if (fs.Changed("output") || asList && asJSON) && cfg.Output != s.output {
			return usagef("%s conflicts with --output=%s", s.flag, cfg.Output)
		}
		cfg.Output = s.output
	}
	return nil
}

// validate enforces the rules on combining options.
func validate(cfg *Config, fs *pflag.FlagSet) error {
	switch {
	case len(cfg.PIDs) > 0 && (cfg.DeepScan || cfg.SearchTasks || cfg.SubtreePID != 0):
		return usagef("PID arguments and --task cannot be combined with --deep-scan, --persistent, --search-tasks or --subtree")
	case fs.Changed("namespaces") && cfg.PIDNS:
		return usagef("--namespaces cannot be combined with --pidns")
	case cfg.AllPIDs && !cfg.PIDNS:
		return usagef("--all-pids requires --pidns")
	case cfg.NoPIDs && (cfg.ShowComm || cfg.AllPIDs):
		return usagef("--no-pids cannot be combined with --show-comm or --all-pids")
	case cfg.Output != "list" && (cfg.Columns != nil || cfg.NoHeadings || cfg.Raw || cfg.NoWrap || cfg.NoTruncate):
		return usagef("--columns, --output-all, --no-headings, --raw, --nowrap and --notruncate require --output=list (or -l)")
	case len(cfg.Container) > 0 && (len(cfg.PIDs) > 0 || cfg.SubtreePID != 0 || cfg.DeepScan || cfg.SearchTasks):
		return usagef("--container cannot be combined with PID arguments, --subtree, --deep-scan or --search-tasks")
	}
	for _, c := range cfg.Container {
		if c == "" {
			return usagef("--container: empty name or ID")
		}
	}
	return nil
}

var errNotPID = errors.New("a PID is a positive integer")

// parsePID accepts a positive decimal integer.
func parsePID(s string) (int, error) {
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 || strings.HasPrefix(s, "+") {
		return 0, usagef("invalid PID %q: %v", s, errNotPID)
	}
	return pid, nil
}
