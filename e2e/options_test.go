package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// Acceptance 4: --namespaces shows only the listed types (and every user
// namespace), in the same places.
func TestNamespacesOption(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)

	t.Run("net,uts", func(t *testing.T) {
		tr := runTree(t, "--namespaces=net,uts")
		everyNode(t, tr, func(n *node) string {
			if n.Invisible || !slices.Contains([]string{"user", "net", "uts"}, n.Type) {
				return "printed with --namespaces=net,uts"
			}
			return ""
		})
		root := initialRoot(t, tr, true)
		u := checkUnder(t, tr, root, want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
		checkChildren(t, tr, u, f.AOwned[1], f.AOwned[2]) // net, uts; not mnt
		checkUnder(t, tr, root, f.BOwned[2])              // net
		checkUnder(t, tr, root, f.BOwned[3])              // uts
		tr.absent(t, "ipc", f.BOwned[1].Ino)
		tr.absent(t, "mnt", f.AOwned[0].Ino)
	})

	t.Run("user", func(t *testing.T) {
		tr := runTree(t, "--namespaces=user")
		everyNode(t, tr, func(n *node) string {
			if n.Invisible || n.Type != "user" {
				return "printed with --namespaces=user"
			}
			return ""
		})
		root := initialRoot(t, tr, true)
		u := checkUnder(t, tr, root, want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
		checkChildren(t, tr, u)
		if !slices.Contains(root.Members, f.B) {
			t.Errorf("initial user namespace members lack B (%d)", f.B)
		}
	})
}

// Acceptance 4: --no-pids keeps the structure and drops every member.
func TestNoPIDs(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	tr := runTree(t, "--no-pids")
	everyNode(t, tr, func(n *node) string {
		if n.HasList || len(n.Lines) > 0 {
			return "members printed with --no-pids"
		}
		return ""
	})
	root := initialRoot(t, tr, true)
	u := checkUnder(t, tr, root, want{Type: "user", Ino: f.AUser, Members: []int{}})
	var owned []want
	for _, w := range f.AOwned {
		owned = append(owned, want{Type: w.Type, Ino: w.Ino, Members: []int{}})
	}
	checkChildren(t, tr, u, owned...)
	for _, w := range f.BOwned {
		checkUnder(t, tr, root, want{Type: w.Type, Ino: w.Ino, Members: []int{}})
	}
}

// Acceptance 4: --show-comm lists members one per line with their command.
func TestShowComm(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	tr := runTree(t, "--show-comm")
	everyNode(t, tr, func(n *node) string {
		if n.HasList {
			return "bracketed list with --show-comm"
		}
		for _, m := range n.Lines {
			if m.Set || !m.HasComm {
				return fmt.Sprintf("member line %q is not \"PID  comm\"", m.Text)
			}
		}
		if !sort.IntsAreSorted(n.Members) {
			return fmt.Sprintf("members not sorted: %v", n.Members)
		}
		return ""
	})
	root := initialRoot(t, tr, true)
	u := checkUnder(t, tr, root, want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
	checkChildren(t, tr, u, f.AOwned...)
	for _, n := range append([]*node{u}, u.Children...) {
		if len(n.Lines) != 1 || n.Lines[0].Comm != "nshelper" {
			t.Errorf("%v: members %v, want one line for A with command nshelper", n, n.Lines)
		}
	}
	for _, w := range f.BOwned {
		n := checkUnder(t, tr, root, w)
		if len(n.Lines) != 1 || n.Lines[0].Comm != "nshelper" {
			t.Errorf("%v: members %v, want one line for B with command nshelper", n, n.Lines)
		}
	}
	// The tool itself is a member of the initial namespaces, by its name.
	found := false
	for _, m := range root.Lines {
		found = found || m.Comm == "namespaces_of"
	}
	if !found {
		t.Errorf("no member of the initial user namespace is namespaces_of itself: %v", root.Lines)
	}
}

// Acceptance 4: --subtree shows only the subtree rooted at the user
// namespace of the PID.
func TestSubtree(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	c := startUserChain(t)

	tr := runTree(t, "--subtree="+strconv.Itoa(f.A))
	if len(tr.Roots) != 1 || len(tr.Nodes) != 4 {
		t.Fatalf("want A's user namespace and the 3 namespaces it owns, got:\n%s", tr.Text)
	}
	checkNode(t, tr, tr.Roots[0], want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
	checkUser(t, tr.Roots[0], 0, "0 0 1", "0 0 1")
	checkChildren(t, tr, tr.Roots[0], f.AOwned...)

	// From the middle of a chain: the levels below, nothing above.
	tr = runTree(t, "--subtree", strconv.Itoa(c.PIDs[1]))
	if len(tr.Roots) != 1 || len(tr.Nodes) != 2 {
		t.Fatalf("want levels 2 and 3 of the chain, got:\n%s", tr.Text)
	}
	checkNode(t, tr, tr.Roots[0], want{Type: "user", Ino: c.Users[1], Members: []int{c.PIDs[1]}})
	checkChildren(t, tr, tr.Roots[0], want{Type: "user", Ino: c.Users[2], Members: []int{c.PIDs[2]}})
}

// checkPIDArgs checks what `namespaces_of PID...` prints for processes in
// the initial user namespace or in user namespaces directly below it:
// exactly the namespaces of those processes, each with exactly those of the
// processes that are in it as members, and the initial user namespace as
// the one root (without members if none of the processes is in it); user
// lines without maps.
func checkPIDArgs(t *testing.T, tr *parsedTree, pids ...int) {
	t.Helper()
	root := initialRoot(t, tr, false)
	if len(tr.Roots) != 1 {
		t.Errorf("want one root, got %v", tr.Roots)
	}
	type key struct {
		typ string
		ino uint64
	}
	members := map[key][]int{{"user", root.Ino}: {}}
	for _, typ := range nsTypes {
		for _, pid := range pids {
			k := key{typ, nstest.NS(t, pid, typ)}
			members[k] = append(members[k], pid)
		}
	}
	for k, pids := range members {
		sort.Ints(pids)
		checkNode(t, tr, tr.get(t, k.typ, k.ino), want{Type: k.typ, Ino: k.ino, Members: pids})
	}
	for _, n := range tr.Nodes {
		if n.Type == "user" && (n.HasMaps || n.UID < 0) {
			t.Errorf("%v: want \"<UID: N>\" without maps: %q", n, n.Text())
		}
	}
	if len(tr.Nodes) != len(members) {
		t.Errorf("got %d namespaces, want %d (those of %v and their ancestors); output: %s", len(tr.Nodes), len(members), pids, tr.dump())
	}
}

// Acceptance 4: PID arguments show only those processes' namespaces and
// their ancestors, without maps; duplicates count once; options may follow
// the PIDs, and "--" ends the options.
func TestPIDArguments(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	a, b := strconv.Itoa(f.A), strconv.Itoa(f.B)

	t.Run("one", func(t *testing.T) {
		tr := runTree(t, a)
		checkPIDArgs(t, tr, f.A)
		root := tr.Roots[0]
		checkNode(t, tr, root, want{Type: "user", Ino: selfNS(t, "user"), Members: []int{}})
		if root.Text() != "user "+nsID(t, root.Ino)+" <UID: 0>" {
			t.Errorf("root line %q, want no maps", root.Text())
		}
		// Under the root: A's namespaces owned by it, then A's user namespace.
		var ws []want
		for _, typ := range []string{"cgroup", "ipc", "pid", "time"} {
			ws = append(ws, want{Type: typ, Ino: selfNS(t, typ), Members: []int{f.A}})
		}
		ws = append(ws, want{Type: "user", Ino: f.AUser, Members: []int{f.A}})
		checkChildren(t, tr, root, ws...)
		u := root.Children[len(root.Children)-1]
		checkChildren(t, tr, u, f.AOwned...)
		if u.Text() != "user "+nsID(t, f.AUser)+" <UID: 0>" {
			t.Errorf("user line %q, want \"<UID: 0>\" without maps", u.Text())
		}
	})

	t.Run("two", func(t *testing.T) {
		checkPIDArgs(t, runTree(t, a, b), f.A, f.B)
	})

	// Ancestors without members: the chain's upper levels.
	t.Run("ancestors", func(t *testing.T) {
		c := startUserChain(t)
		tr := runTree(t, strconv.Itoa(c.PIDs[2]))
		root := initialRoot(t, tr, false)
		l1 := checkUnder(t, tr, root, want{Type: "user", Ino: c.Users[0], Members: []int{}})
		l2 := checkUnder(t, tr, l1, want{Type: "user", Ino: c.Users[1], Members: []int{}})
		l3 := checkUnder(t, tr, l2, want{Type: "user", Ino: c.Users[2], Members: []int{c.PIDs[2]}})
		checkChildren(t, tr, l1, want{Type: "user", Ino: c.Users[1]})
		checkChildren(t, tr, l2, want{Type: "user", Ino: c.Users[2]})
		checkChildren(t, tr, l3)
		for _, x := range []struct {
			n   *node
			uid int
		}{{root, 0}, {l1, 0}, {l2, 101000}, {l3, 101000}} {
			if want := "user " + nsID(t, x.n.Ino) + " <UID: " + strconv.Itoa(x.uid) + ">"; x.n.Text() != want {
				t.Errorf("line %q, want %q", x.n.Text(), want)
			}
		}
		// The other namespaces of the process, under the root.
		for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "uts"} {
			checkUnder(t, tr, root, want{Type: typ, Ino: selfNS(t, typ), Members: []int{c.PIDs[2]}})
		}
		if len(tr.Nodes) != 11 {
			t.Errorf("got %d namespaces, want 11; output: %s", len(tr.Nodes), tr.dump())
		}
	})

	// The same output, however the arguments are spelled.
	base := runText(t, a, b)
	noPIDs := runText(t, "--no-pids", a, b)
	comm := runText(t, "--show-comm", a, b)
	if noPIDs == base || comm == base || comm == noPIDs {
		t.Fatalf("--no-pids and --show-comm do not change the output:\n%s", base)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{a, a, b, a}, base},
		{[]string{b, a, b}, base},
		{[]string{"--", a, b}, base},
		{[]string{a, "--no-pids", b}, noPIDs},
		{[]string{a, b, "--no-pids"}, noPIDs},
		{[]string{"--no-pids", "--", a, b, a}, noPIDs},
		{[]string{a, b, "--show-comm"}, comm},
		{[]string{b, "--show-comm", a, "--", b}, comm},
	} {
		r := nstest.Run(t, c.args...)
		if r.Code != 0 || r.Stderr != "" || r.Stdout != c.want {
			t.Errorf("namespaces_of %q: exit %d, stderr %q, output:\n%s\nwant the same as without duplicates and with options first:\n%s",
				c.args, r.Code, r.Stderr, r.Stdout, c.want)
		}
	}
	// Each PID once in every member list, whatever the duplicates.
	tr := parseTree(t, base)
	for _, n := range tr.Nodes {
		if !slices.IsSorted(n.Members) || len(slices.Compact(slices.Clone(n.Members))) != len(n.Members) {
			t.Errorf("%v: members %v", n, n.Members)
		}
	}
}

// nsID formats an inode as the tree prints a namespace identity.
func nsID(t testing.TB, ino uint64) string {
	return "{" + strconv.FormatUint(nsfsDev(t), 10) + " " + strconv.FormatUint(ino, 10) + "}"
}

// Colour sequences (see render/tree).
const (
	colorUser  = "\x1b[93m\x1b[1m"
	colorID    = "\x1b[38;5;51m"
	colorReset = "\x1b(B\x1b[m"
)

func stripColor(s string) string {
	return strings.NewReplacer(colorUser, "", colorID, "", colorReset, "").Replace(s)
}

// Acceptance 4: --color=always colours, and --color=never, --no-color and
// NO_COLOR turn colour off, also when stdout is a terminal.
func TestColor(t *testing.T) {
	nstest.RequireRoot(t)
	f := startOwned(t)
	// PID arguments make the output depend only on the helpers.
	pids := []string{strconv.Itoa(f.A), strconv.Itoa(f.B)}
	plain := runText(t, append([]string{"--color=never"}, pids...)...)
	if strings.Contains(plain, "\x1b") {
		t.Fatalf("--color=never output has escapes:\n%q", plain)
	}
	tr := parseTree(t, plain)

	checkColored := func(t *testing.T, out string) {
		t.Helper()
		if got := stripColor(out); got != plain {
			t.Fatalf("output without its colour sequences:\n%s\nwant the uncoloured output:\n%s", got, plain)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		plainLines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
		for i, line := range lines {
			p := plainLines[i]
			text := strings.TrimLeft(p, " ")
			ind := p[:len(p)-len(text)]
			var want string
			switch {
			case strings.HasPrefix(text, "user "):
				want = colorUser + p + colorReset
			case strings.HasPrefix(text, "["):
				want = ind + colorID + text + colorReset
			default:
				want = p
			}
			if line != want {
				t.Errorf("line %d: %q, want %q", i+1, line, want)
			}
		}
	}
	userLines := 0
	for _, n := range tr.Nodes {
		if n.Type == "user" {
			userLines++
		}
	}
	if userLines != 2 {
		t.Fatalf("want 2 user namespaces in:\n%s", plain)
	}

	t.Run("always", func(t *testing.T) {
		checkColored(t, runText(t, append([]string{"--color=always"}, pids...)...))
	})
	for _, args := range [][]string{{"--no-color"}, {"--color=never"}, {"--no-color", "--color=never"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if out := runText(t, append(args, pids...)...); out != plain {
				t.Errorf("output:\n%q\nwant:\n%q", out, plain)
			}
		})
	}
	// On a terminal: auto colours unless NO_COLOR is set.
	for _, c := range []struct {
		args    []string
		env     string
		colored bool
	}{
		{nil, "", true},
		{[]string{"--color=auto"}, "", true},
		{[]string{"--color=auto"}, "NO_COLOR=1", false},
		{nil, "NO_COLOR=1", false},
		{[]string{"--no-color"}, "", false},
		{[]string{"--color=never"}, "", false},
		{[]string{"--color=always"}, "", true},
	} {
		t.Run("tty "+c.env+" "+strings.Join(c.args, " "), func(t *testing.T) {
			env := []string{}
			for _, e := range os.Environ() {
				if !strings.HasPrefix(e, "NO_COLOR=") {
					env = append(env, e)
				}
			}
			if c.env != "" {
				env = append(env, c.env)
			}
			out := runOnTerminal(t, env, append(slices.Clone(c.args), pids...)...)
			if c.colored {
				checkColored(t, out)
			} else if out != plain {
				t.Errorf("output:\n%q\nwant:\n%q", out, plain)
			}
		})
	}
}

// runOnTerminal runs the tool with stdout on a new pseudo-terminal, 80
// columns wide, and returns what it wrote (with the terminal's "\r\n" turned
// back into "\n"). It requires exit status 0 and an empty stderr.
func runOnTerminal(t *testing.T, env []string, args ...string) string {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer master.Close()
	mfd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	if err := unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err)
	}
	sfd, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		t.Fatalf("TIOCGPTPEER: %v", errno)
	}
	slave := os.NewFile(sfd, "pty")
	cmd := exec.Command(nstest.Tool(t), args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = slave, &stderr
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(&out, master)
		done <- err
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-waited
		t.Fatal("namespaces_of on a terminal did not finish within 60s")
	}
	if err != nil {
		t.Fatalf("namespaces_of %q on a terminal: %v; stderr:\n%s", args, err, stderr.String())
	}
	// Every writer of the terminal is gone: the reader ends with EIO once
	// it has read everything.
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("reading the terminal did not end")
	}
	if err != nil && !errors.Is(err, unix.EIO) {
		t.Fatalf("reading the terminal: %v", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// Acceptance 4: --version. What it says comes from the Go build info
// (issue 15; release/release_test.go compares it with the checkout), so a
// build without version control information says "(devel)".
func TestVersion(t *testing.T) {
	r := nstest.Run(t, "--version")
	want := regexp.MustCompile(`^namespaces_of (v[0-9]+\.[0-9]+\.[0-9]+\S*|\(devel\))\n` +
		`revision ([0-9a-f]{12,40}( with uncommitted changes)?|unknown \(built without version control information\))\n` +
		`built with go\S+\n$`)
	if r.Code != 0 || r.Stderr != "" || !want.MatchString(r.Stdout) {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want exit 0, the module version, the revision and the Go version", r.Code, r.Stdout, r.Stderr)
	}
}

// knownOptions are options the parser must accept and --help must
// document, whatever else is added.
var knownOptions = []string{
	"--all-pids", "--color", "--deep-scan", "--help", "--holders", "--namespaces", "--no-color",
	"--no-pids", "--output", "--pidns", "--search-tasks", "--show-comm", "--subtree", "--verbose",
	"--version", "-h", "-v",
	// lsns's (issue #11).
	"--filter", "--type", "--task", "--persistent", "--list-columns", "--output-all", "--nowrap",
	"--notruncate", "--noheadings", "--list", "--json", "-P", "-t", "-p", "-Q", "-H", "-W", "-u",
	"-o", "-n", "-r", "-l", "-J", "-V",
}

// parserOptions lists the options defined in the CLI's flag set, read from
// the source of package cli (flag definitions "fs.XxxVar(&v, "name", ...)"
// and "fs.XxxVarP(&v, "name", "n", ...)").
func parserOptions(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../cli/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot find the cli package source: %v", err)
	}
	defRE := regexp.MustCompile(`\bfs\.([A-Za-z0-9]+)\((?:&[\w.]+, )?"([a-z][a-z0-9-]*)"(?:, "([a-zA-Z])")?`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range defRE.FindAllStringSubmatch(string(src), -1) {
			if m[1] == "Changed" || m[1] == "Lookup" || m[1] == "Set" {
				continue
			}
			out = append(out, "--"+m[2])
			if strings.HasSuffix(m[1], "P") && m[3] != "" {
				out = append(out, "-"+m[3])
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Acceptance 4: --help exits 0 and documents every option the parser
// accepts; every option it documents is accepted.
func TestHelp(t *testing.T) {
	var help string
	for _, arg := range []string{"--help", "-h"} {
		r := nstest.Run(t, arg)
		if r.Code != 0 || r.Stderr != "" || r.Stdout == "" {
			t.Fatalf("%s: exit %d, stderr %q, stdout %d bytes; want exit 0, help on stdout", arg, r.Code, r.Stderr, len(r.Stdout))
		}
		if help != "" && r.Stdout != help {
			t.Errorf("-h and --help print different texts")
		}
		help = r.Stdout
	}
	_, section, ok := strings.Cut(help, "\nOptions:\n")
	if !ok {
		t.Fatalf("help has no Options section:\n%s", help)
	}
	section, _, _ = strings.Cut(section, "\n\n")
	// Option lines: "  -v, --verbose   ..." or "      --color=WHEN   ...".
	// An optional value is in brackets: "--watch[=INTERVAL]". A long option
	// may stand alone on its line, its text on the next.
	optRE := regexp.MustCompile(`(?m)^ {2,6}(?:(-[a-zA-Z]), )?(--[a-z][a-z0-9-]*)(?:\[?=([A-Z]+)\]?)?(?:  |$)`)
	documented := map[string]string{} // option -> value placeholder
	for _, m := range optRE.FindAllStringSubmatch(section, -1) {
		if m[1] != "" {
			documented[m[1]] = m[3]
		}
		documented[m[2]] = m[3]
	}
	var got []string
	for o := range documented {
		got = append(got, o)
	}
	sort.Strings(got)
	for _, o := range knownOptions {
		if _, ok := documented[o]; !ok {
			t.Errorf("--help does not document %s", o)
		}
	}
	parser := parserOptions(t)
	if len(parser) < len(knownOptions) {
		t.Fatalf("found only %v defined in cli/*.go; update parserOptions", parser)
	}
	if !slices.Equal(got, parser) {
		t.Errorf("--help documents %v\nthe parser defines %v", got, parser)
	}
	// Each documented option is accepted: --version makes the tool stop
	// after parsing, so nothing is scanned.
	values := map[string]string{
		"--color": "never", "--namespaces": "net", "--output": "tree",
		"--subtree": strconv.Itoa(os.Getpid()), "--columns": "NS",
		"--diff": "old.json", "--watch": "2s",
		"--type": "net", "--task": strconv.Itoa(os.Getpid()), "--filter": "NS",
		"-o": "NS", "-t": "net", "-p": strconv.Itoa(os.Getpid()), "-Q": "NS",
		"--serve": "127.0.0.1:0", "--scan-interval": "5s",
	}
	for opt, placeholder := range documented {
		if opt == "-h" || opt == "--help" || opt == "--version" {
			continue
		}
		arg := opt
		if placeholder != "" {
			arg += "=" + values[opt]
		}
		r := nstest.Run(t, "--version", arg)
		if _, known := values[opt]; r.Code != 0 && (known || placeholder == "" || strings.Contains(r.Stderr, "unknown")) {
			t.Errorf("documented option %s is rejected: exit %d, %s", arg, r.Code, r.Stderr)
		}
	}
	// The probe can fail.
	if r := nstest.Run(t, "--version", "--no-such-option"); r.Code != 2 {
		t.Errorf("--no-such-option: exit %d, want 2", r.Code)
	}
}
