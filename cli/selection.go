package cli

import (
	"fmt"
	"slices"

	"github.com/namespaces-of/namespaces_of/discover"
	"github.com/namespaces-of/namespaces_of/model"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/list"
)

// listOptions are the list renderer's options; --filter evaluates its
// columns through them too, so both see the same values.
func listOptions(cfg *Config) list.Options {
	opts := list.Options{Columns: cfg.Columns, NoHeadings: cfg.NoHeadings, Raw: cfg.Raw, NoWrap: cfg.NoWrap}
	if opts.Columns == nil && cfg.Types.Has(nsfs.Net) {
		// As lsns: with --type net the default columns add NETNSID and NSFS.
		opts.Columns = list.NetColumns
	}
	if cfg.Columns == nil && showWorkloads(cfg) {
		base := list.DefaultColumns
		if opts.Columns != nil {
			base = opts.Columns
		}
		opts.Columns = append(slices.Clone(base), list.WorkloadColumns...)
	}
	return opts
}

// wants reports whether the output needs column c: the list shows it or
// the filter tests it.
func wants(cfg *Config, c list.Column) bool {
	if cfg.Output == "list" && slices.Contains(listOptions(cfg).Columns, c) {
		return true
	}
	return cfg.Filter != nil && slices.Contains(cfg.Filter.Columns(), c.String())
}

// addExtras reads what only some columns need, after the scan and only
// when asked for: command lines (COMMAND) and network namespace ids
// (NETNSID).
func addExtras(m *model.Model, cfg *Config, env Env) {
	if wants(cfg, list.Command) {
		var pids []int
		for _, ns := range m.Namespaces {
			if len(ns.PIDs) > 0 {
				pids = append(pids, slices.Min(ns.PIDs))
			}
		}
		slices.Sort(pids)
		discover.AddCmdlines(env.ProcRoot, m, slices.Compact(pids))
	}
	if wants(cfg, list.NetNSID) {
		if err := discover.AddNetNSIDs(env.ProcRoot, m); err != nil {
			fmt.Fprintf(env.Stderr, "namespaces_of: NETNSID unknown: %v\n", err)
		}
	}
}

// selection is the view's Match for --type, --task, --persistent and
// --filter (all must hold), or nil when none is given.
func selection(m *model.Model, cfg *Config, opts list.Options) func(*model.Namespace) bool {
	var tests []func(*model.Namespace) bool
	if cfg.Types != 0 {
		tests = append(tests, func(ns *model.Namespace) bool { return cfg.Types.Has(ns.Type) })
	}
	if len(cfg.TaskPIDs) > 0 {
		tests = append(tests, func(ns *model.Namespace) bool {
			for _, pid := range cfg.TaskPIDs {
				if slices.Contains(ns.PIDs, pid) {
					return true
				}
			}
			return false
		})
	}
	if cfg.Persistent {
		tests = append(tests, func(ns *model.Namespace) bool { return len(ns.PIDs) == 0 && len(ns.Threads) == 0 })
	}
	if cfg.Filter != nil {
		tests = append(tests, list.Matcher(m, cfg.Filter, opts))
	}
	if len(tests) == 0 {
		return nil
	}
	return func(ns *model.Namespace) bool {
		for _, test := range tests {
			if !test(ns) {
				return false
			}
		}
		return true
	}
}
