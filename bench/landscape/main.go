// Command landscape builds and tears down a benchmark landscape: N sleeping
// processes spread over M namespace groups.
//
//	landscape up N M [--threads 300] [--bind-mount] [--cgroups] [--timeout 10m]
//	landscape down
//
// up starts one supervisor (setsid, detached from the terminal) that starts M
// group leaders in new namespaces; each leader starts its share of the N
// sleepers (sleep infinity) inside its namespaces, then execs sleep itself.
// Even groups get their own net+uts+ipc+mnt namespaces, odd groups their own
// user namespace owning net+uts+ipc. The process count is exactly N sleepers
// + M leaders + 1 supervisor (+1 with --threads). up returns once every
// process exists.
//
// down unmounts the optional nsfs bind mount, stops the supervisor (which
// kills and reaps everything it started), kills whatever is left in its
// session, waits until all of it is gone and removes the state directory.
// down when nothing is up does nothing and exits 0.
package main

import (
	"fmt"
	"os"
)

// stateDir holds the supervisor's state, its log and the bind-mount target.
// NAMESPACES_OF_BENCH_DIR moves it, so that two landscapes can be up at once
// (each down then takes its own).
var stateDir = stateDirFromEnv()

func stateDirFromEnv() string {
	if d := os.Getenv("NAMESPACES_OF_BENCH_DIR"); d != "" {
		return d
	}
	return "/run/namespaces_of-bench"
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "up":
		err = up(os.Args[2:])
	case "down":
		if len(os.Args) != 2 {
			usage()
		}
		err = down(os.Stdout)
	// Hidden modes: the same binary re-executed as the processes of the landscape.
	case modeSupervisor:
		supervise(os.Args[2:])
	case modeGroup:
		group(os.Args[2:])
	case modeThreads:
		threads(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "landscape:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  landscape up N M [--threads T] [--bind-mount] [--cgroups] [--timeout D]
  landscape down`)
	os.Exit(2)
}
