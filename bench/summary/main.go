// Command summary reads the Markdown sections the runner printed for one
// run-all.sh (on stdin) and prints the targets that compare two states:
// --search-tasks with one 300-thread process against the same scan without
// it, and how cost grows from 5,000 to 10,000 processes.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	wall := map[string]map[string]float64{} // state label -> mode -> median wall ms
	var state string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		if label, ok := strings.CutPrefix(line, "### "); ok {
			state, _, _ = strings.Cut(label, ":")
			wall[state] = map[string]float64{}
			continue
		}
		// Table rows: | mode | `command` | wall (ms) | ...
		cells := strings.Split(line, "|")
		if state == "" || len(cells) < 5 {
			continue
		}
		mode := strings.TrimSpace(cells[1])
		if ms, err := strconv.ParseFloat(strings.TrimSpace(cells[3]), 64); err == nil {
			wall[state][mode] = ms
		}
	}
	fmt.Println("### Targets that compare two states")
	fmt.Println()
	check := func(what string, a, b float64, limit float64, okA, okB bool) {
		if !okA || !okB {
			fmt.Printf("- target: %s: not measured\n", what)
			return
		}
		r := a / b
		verdict := "met"
		if r > limit {
			verdict = "MISSED"
		}
		fmt.Printf("- target: %s ≤ %.1f×: %.0f ms / %.0f ms = %.2f× %s\n", what, limit, a, b, r, verdict)
	}
	for label, modes := range wall {
		base, isVariant := strings.CutSuffix(label, " + one process of 300 threads")
		if !isVariant {
			continue
		}
		a, okA := modes["search-tasks"]
		b, okB := wall[base]["search-tasks"]
		check("--search-tasks with one 300-thread process vs without it, at "+base, a, b, 1.2, okA, okB)
	}
	for _, mode := range []string{"default", "deep-scan", "search-tasks", "json"} {
		a, okA := wall["10000/1000"][mode]
		b, okB := wall["5000/500"][mode]
		check(mode+" at 10000/1000 vs 5000/500 (linear growth)", a, b, 2.3, okA, okB)
	}
	fmt.Println()
}
