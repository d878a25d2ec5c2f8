package e2e

// Acceptance tests of what lsns users type (issue #11): --persistent and
// the leak hunt, --filter, the selections and column options, and column
// values against the installed lsns. Every assertion is about namespaces
// the test created: other tests create namespaces at the same time.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
	"github.com/namespaces-of/namespaces_of/render/list"
)

// lsnsState is a set of namespaces in known states.
type lsnsState struct {
	h1, h2, h3, h4      *nstest.Proc
	net1, uts1          uint64 // h1's: net+uts, one process
	net2                uint64 // h2's: net, one process
	user3, uts3         uint64 // h3's: a user namespace owning a uts namespace
	net4                uint64 // leaked: bind mounts only, its process gone
	net4Mounts          []string
	userFD, userFDNum   uint64 // leaked: held by fd userFDNum of h4
	pidKids             uint64 // leaked: held by pid_for_children of h5
	h5                  *nstest.Proc
	withProcs, leaked   []uint64
	selfUser, selfPIDNS uint64
}

func startLsnsState(t *testing.T) *lsnsState {
	t.Helper()
	nstest.RequireRoot(t)
	s := &lsnsState{}
	s.h1 = nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS}, "sleep")
	s.net1, s.uts1 = nstest.NS(t, s.h1.PID, "net"), nstest.NS(t, s.h1.PID, "uts")
	s.h2 = nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	s.net2 = nstest.NS(t, s.h2.PID, "net")
	s.h3 = nstest.StartHelper(t, nstest.NewUserNS(syscall.CLONE_NEWUTS), "sleep")
	s.user3, s.uts3 = nstest.NS(t, s.h3.PID, "user"), nstest.NS(t, s.h3.PID, "uts")

	// A network namespace whose process exited: two bind mounts keep it.
	dir := nstest.TempDir(t)
	p := nstest.StartHelper(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}, "sleep")
	s.net4 = nstest.NS(t, p.PID, "net")
	for _, name := range []string{"leak-a", "leak-b"} {
		path := filepath.Join(dir, name)
		nstest.BindMount(t, fmt.Sprintf("/proc/%d/ns/net", p.PID), path)
		s.net4Mounts = append(s.net4Mounts, path)
	}
	p.Kill()

	// A user namespace held by an fd; a PID namespace by pid_for_children.
	s.h4 = nstest.StartHelper(t, nil, "fd", "user")
	s.userFDNum, s.userFD = uint64(s.h4.ReadyInt(t, 0)), uint64(s.h4.ReadyInt(t, 1))
	s.h5 = nstest.StartHelper(t, nil, "pid-for-children")
	s.pidKids = inodeOf(t, fmt.Sprintf("/proc/%d/ns/pid_for_children", s.h5.PID))

	s.withProcs = []uint64{s.net1, s.uts1, s.net2, s.user3, s.uts3}
	s.leaked = []uint64{s.net4, s.userFD, s.pidKids}
	s.selfUser, s.selfPIDNS = selfNS(t, "user"), selfNS(t, "pid")
	return s
}

// created is every namespace the state made.
func (s *lsnsState) created() []uint64 { return append(slices.Clone(s.withProcs), s.leaked...) }

// listNS runs the list output with args and returns the NS column of its
// rows that name namespaces in among, sorted.
func listNS(t testing.TB, among []uint64, args ...string) []uint64 {
	t.Helper()
	r := nstest.Run(t, append([]string{"--output=list", "--raw", "--no-headings", "-o", "NS"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("namespaces_of %q: exit %d: %s", args, r.Code, r.Stderr)
	}
	return pickNS(t, r.Stdout, among)
}

func pickNS(t testing.TB, out string, among []uint64) []uint64 {
	t.Helper()
	var got []uint64
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		ino, err := strconv.ParseUint(strings.Fields(line)[0], 10, 64)
		if err != nil {
			t.Fatalf("row %q: %v", line, err)
		}
		if slices.Contains(among, ino) {
			got = append(got, ino)
		}
	}
	slices.Sort(got)
	return got
}

func sortedInos(inos ...uint64) []uint64 {
	out := slices.Clone(inos)
	slices.Sort(out)
	return out
}

// nsfsMountsHere returns the namespaces (by inode) that nsfs mounts of our
// own mount namespace name: what lsns -P looks at.
func nsfsMountsHere(t testing.TB) map[uint64]bool {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := regexp.MustCompile(`^[a-z_]+:\[([0-9]+)\]$`)
	out := map[uint64]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 0 || sep+1 >= len(fields) || fields[sep+1] != "nsfs" {
			continue
		}
		if m := root.FindStringSubmatch(fields[3]); m != nil {
			ino, _ := strconv.ParseUint(m[1], 10, 64)
			out[ino] = true
		}
	}
	return out
}

// Acceptance 1: --persistent --holders lists exactly the leaked namespaces,
// each with what keeps it alive; of the kinds lsns can see (nsfs bind
// mounts of its own mount namespace), the set is the one lsns -P lists.
func TestLsnsPersistentLeakHunt(t *testing.T) {
	s := startLsnsState(t)
	created := s.created()

	// The list: the leaked ones and no namespace with a process.
	r := nstest.Run(t, "--persistent", "-l", "-r", "-n", "-o", "NS,TYPE,NPROCS,HOLDERS")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	rows := map[uint64][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
		f := strings.Split(line, " ")
		if len(f) != 4 {
			t.Fatalf("row %q: want 4 fields", line)
		}
		if f[2] != "0" {
			t.Errorf("--persistent lists %q, which has processes", line)
		}
		ino, _ := strconv.ParseUint(f[0], 10, 64)
		rows[ino] = f
	}
	want := map[uint64][]string{
		s.net4:    {"net", "0", "bind-mount:N"}, // N >= 2: mount namespaces copied from ours have them too
		s.userFD:  {"user", "0", "fd:1"},
		s.pidKids: {"pid", "0", "pid_for_children:1"},
	}
	for _, ino := range created {
		got, listed := rows[ino]
		w, leaked := want[ino]
		switch {
		case leaked && !listed:
			t.Errorf("leaked namespace %d (%s) not listed", ino, w[0])
		case !leaked && listed:
			t.Errorf("namespace %d, which has a process, listed: %q", ino, got)
		case leaked && w[2] == "bind-mount:N":
			n, err := strconv.Atoi(strings.TrimPrefix(got[3], "bind-mount:"))
			if got[1] != w[0] || got[2] != w[1] || err != nil || n < 2 {
				t.Errorf("namespace %d listed as %q, want %q with N >= 2", ino, got[1:], w)
			}
		case leaked && !slices.Equal(got[1:], w):
			t.Errorf("namespace %d listed as %q, want %q", ino, got[1:], w)
		}
	}

	// The tree: the same three, not as context, each with its holders.
	tree := runText(t, "--persistent", "--holders", "--no-pids")
	for _, w := range []struct {
		ino     uint64
		typ     string
		holders []string
	}{
		{s.net4, "net", []string{"held by bind mount " + s.net4Mounts[0], "held by bind mount " + s.net4Mounts[1]}},
		{s.userFD, "user", []string{fmt.Sprintf("held by fd %d of PID %d", s.userFDNum, s.h4.PID)}},
		{s.pidKids, "pid", []string{fmt.Sprintf("held by pid_for_children of PID %d", s.h5.PID)}},
	} {
		head := regexp.MustCompile(fmt.Sprintf(`(?m)^( *)%s \{[0-9]+ %d\}(.*)$`, w.typ, w.ino))
		m := head.FindStringSubmatchIndex(tree)
		if m == nil {
			t.Errorf("tree does not show %s %d:\n%s", w.typ, w.ino, tree)
			continue
		}
		line := tree[m[0]:m[1]]
		if strings.HasSuffix(line, "(context)") {
			t.Errorf("leaked namespace shown as context: %q", line)
		}
		rest := tree[m[1]:]
		for _, h := range w.holders {
			if !strings.Contains(rest[:min(len(rest), 2000)], h) {
				t.Errorf("%s %d: no %q below %q", w.typ, w.ino, h, line)
			}
		}
	}
	for _, ino := range s.withProcs {
		if regexp.MustCompile(fmt.Sprintf(`\{[0-9]+ %d\}`, ino)).MatchString(tree) {
			t.Errorf("--persistent tree shows %d, which has a process", ino)
		}
	}

	// lsns -P (util-linux 2.40+; Debian 12 has 2.38 without it) lists the
	// namespaces without processes that nsfs mounts of its mount namespace
	// name. Derived here from mountinfo, restricted to what we created.
	var lsnsP []uint64
	mounted := nsfsMountsHere(t)
	for _, ino := range created {
		if mounted[ino] && !slices.Contains(s.withProcs, ino) {
			lsnsP = append(lsnsP, ino)
		}
	}
	if !slices.Equal(lsnsP, []uint64{s.net4}) {
		t.Fatalf("derived lsns -P set %v, want [%d]", lsnsP, s.net4)
	}
	var oursVisibleToLsns []uint64
	for ino := range rows {
		if slices.Contains(created, ino) && mounted[ino] {
			oursVisibleToLsns = append(oursVisibleToLsns, ino)
		}
	}
	if !slices.Equal(oursVisibleToLsns, lsnsP) {
		t.Errorf("--persistent lists %v of the kinds lsns sees, lsns -P would list %v", oursVisibleToLsns, lsnsP)
	}
	if out, err := exec.Command("lsns", "-P", "-n", "-r", "-o", "NS").Output(); err == nil {
		// A newer lsns is installed: compare with it directly.
		if got := pickNS(t, string(out), created); !slices.Equal(got, lsnsP) {
			t.Errorf("lsns -P lists %v of ours, derived %v", got, lsnsP)
		}
	}

	// The leak hunt by holder kind, in one command.
	if got := listNS(t, created, "--deep-scan", "-Q", `HOLDERS =~ "bind" && NPROCS == 0`); !slices.Equal(got, []uint64{s.net4}) {
		t.Errorf(`HOLDERS =~ "bind": %v, want [%d]`, got, s.net4)
	}
}

// Acceptance 2: lsns's filter expressions select the expected sets; bad
// ones exit 2 with the position of the error.
func TestLsnsFilter(t *testing.T) {
	s := startLsnsState(t)
	created := s.created()
	self := os.Getpid()
	all := sortedInos(s.withProcs...)
	tests := []struct {
		expr string
		deep bool
		want []uint64
	}{
		// lsns(8)'s example.
		{`USER != "root" and NPROCS > 1`, false, nil},
		// util-linux's lsns test: NS == $inode && NPROCS == 1.
		{fmt.Sprintf(`NS == %d && NPROCS == 1`, s.user3), false, []uint64{s.user3}},
		// The examples.
		{`TYPE == "net" && NPROCS == 0`, true, []uint64{s.net4}},
		{`COMMAND =~ "nshelper sleep$"`, false, all},
		// libsmartcols's operators, words and literals.
		{fmt.Sprintf(`TYPE =~ "^(net|uts)$" && PID == %d`, s.h1.PID), false, sortedInos(s.net1, s.uts1)},
		{`!PID`, true, sortedInos(s.leaked...)},
		{`NPROCS`, false, all},
		{fmt.Sprintf(`PNS == %d or ONS == %d`, s.selfUser, s.user3), false, sortedInos(s.user3, s.uts3)},
		{`TYPE != "net" and not (TYPE == "user")`, false, sortedInos(s.uts1, s.uts3)},
		{`UID eq 0 AND USER == 'root' AND TYPE == "uts"`, false, sortedInos(s.uts1, s.uts3)},
		{fmt.Sprintf(`PPID == %d`, self), false, all},
		{`TYPE == "net" && NETNSID == "unassigned" && NPROCS ge 1`, false, sortedInos(s.net1, s.net2)},
		{`NSFS =~ "leak-b$"`, true, []uint64{s.net4}},
		// && and || share one precedence, left to right, as in lsns:
		// (uts || net) && no process.
		{`TYPE == "uts" || TYPE == "net" && NPROCS == 0`, true, []uint64{s.net4}},
		{fmt.Sprintf(`NS > %d && NS < %d`, s.net1-1, s.net1+1), false, []uint64{s.net1}},
	}
	for _, tt := range tests {
		args := []string{"--filter", tt.expr}
		if tt.deep {
			args = append(args, "--deep-scan")
		}
		if got := listNS(t, created, args...); !slices.Equal(got, tt.want) {
			t.Errorf("--filter %s: %v, want %v", tt.expr, got, tt.want)
		}
	}

	for _, tt := range []struct{ expr, pos string }{
		{`NPROCS == 0)`, "position 12"},
		{`(TYPE == "net"`, "position 15"},
		{`FOO == 1`, "position 1"},
		{`TYPE = "net"`, "position 6"},
		{`COMMAND =~ "("`, "position 12"},
	} {
		r := nstest.Run(t, "-l", "--filter", tt.expr)
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(r.Stderr, tt.pos) || len(stderrLines(r.Stderr)) != 1 {
			t.Errorf("--filter %s: exit %d, stdout %q, stderr %q: want exit 2, one line with %q", tt.expr, r.Code, r.Stdout, r.Stderr, tt.pos)
		}
	}
}

// The filter works in every format: what does not match is left out, its
// ancestors stay as context.
func TestLsnsFilterFormats(t *testing.T) {
	s := startLsnsState(t)
	expr := fmt.Sprintf(`NS == %d`, s.uts3)

	tree := runText(t, "--filter", expr)
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^user \{[0-9]+ %d\}.* \(context\)$`, s.selfUser)).MatchString(tree) ||
		!regexp.MustCompile(fmt.Sprintf(`(?m)^    user \{[0-9]+ %d\}.* \(context\)$`, s.user3)).MatchString(tree) ||
		!regexp.MustCompile(fmt.Sprintf(`(?m)^        uts \{[0-9]+ %d\}$`, s.uts3)).MatchString(tree) {
		t.Errorf("tree:\n%s", tree)
	}
	if n := strings.Count(strings.TrimSpace(tree), "\n") + 1; n != 4 {
		t.Errorf("tree has %d lines, want 4 (two context lines, the match, its member list):\n%s", n, tree)
	}

	var doc struct {
		Namespaces []struct {
			Type    string `json:"type"`
			Inode   uint64 `json:"inode"`
			Context bool   `json:"context"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(runText(t, "--output=json", "--filter", expr)), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[uint64]bool{}
	for _, ns := range doc.Namespaces {
		got[ns.Inode] = ns.Context
	}
	if want := map[uint64]bool{s.selfUser: true, s.user3: true, s.uts3: false}; len(got) != 3 || got[s.selfUser] != true || got[s.user3] != true || got[s.uts3] != false {
		t.Errorf("JSON namespaces (inode: context) %v, want %v", got, want)
	}

	dot := runText(t, "--output=dot", "--filter", expr)
	for ino, class := range map[uint64]string{s.selfUser: `class="user context"`, s.user3: `class="user context"`, s.uts3: `class="uts"`} {
		if !regexp.MustCompile(fmt.Sprintf(`"ns_[0-9]+_%d" \[label=[^\n]*%s`, ino, regexp.QuoteMeta(class))).MatchString(dot) {
			t.Errorf("DOT: %d is not %s:\n%s", ino, class, dot)
		}
	}
	if n := strings.Count(dot, "[label="); n != 3 {
		t.Errorf("DOT has %d nodes, want 3", n)
	}
}

// Acceptance 3: the selections and the column options.
func TestLsnsOptions(t *testing.T) {
	s := startLsnsState(t)
	created := s.created()

	t.Run("type", func(t *testing.T) {
		r := nstest.Run(t, "-l", "-r", "-n", "-o", "NS,TYPE", "-t", "net", "-t", "uts", "--deep-scan")
		for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			if f := strings.Fields(line); len(f) != 2 || (f[1] != "net" && f[1] != "uts") {
				t.Errorf("-t net -t uts lists %q", line)
			}
		}
		if got, want := pickNS(t, r.Stdout, created), sortedInos(s.net1, s.uts1, s.net2, s.uts3, s.net4); !slices.Equal(got, want) {
			t.Errorf("-t net -t uts: %v, want %v", got, want)
		}
		// lsns adds NETNSID and NSFS to the default columns with -t net.
		head := strings.Fields(strings.SplitN(runText(t, "-l", "-t", "net"), "\n", 2)[0])
		if want := []string{"NS", "TYPE", "NPROCS", "PID", "USER", "NETNSID", "NSFS", "COMMAND"}; !slices.Equal(head, want) {
			t.Errorf("-t net heading %v, want %v", head, want)
		}
		if r := nstest.Run(t, "-t", "bogus"); r.Code != 2 || !strings.Contains(r.Stderr, `"bogus"`) {
			t.Errorf("-t bogus: exit %d, %q", r.Code, r.Stderr)
		}
	})

	t.Run("task", func(t *testing.T) {
		var want []uint64
		for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"} {
			want = append(want, nstest.NS(t, s.h3.PID, typ))
		}
		r := nstest.Run(t, "-l", "-r", "-n", "-o", "NS", "-p", strconv.Itoa(s.h3.PID))
		var got []uint64
		for _, f := range strings.Fields(r.Stdout) {
			ino, _ := strconv.ParseUint(f, 10, 64)
			got = append(got, ino)
		}
		if slices.Sort(got); !slices.Equal(got, sortedInos(want...)) {
			t.Errorf("-p %d: %v, want exactly its namespaces %v", s.h3.PID, got, sortedInos(want...))
		}
	})

	t.Run("plus", func(t *testing.T) {
		out := runText(t, "-l", "-r", "-o", "+PATH,PPID")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if want := "NS TYPE NPROCS PID USER COMMAND PATH PPID"; lines[0] != want {
			t.Errorf("heading %q, want %q", lines[0], want)
		}
		for _, line := range lines[1:] {
			f := strings.Split(line, " ")
			if f[0] == strconv.FormatUint(s.net1, 10) {
				if want := []string{"net", "1", strconv.Itoa(s.h1.PID), "root", "nshelper", fmt.Sprintf("/proc/%d/ns/net", s.h1.PID), strconv.Itoa(os.Getpid())}; !slices.Equal(f[1:], want) {
					t.Errorf("net1 row %q, want %q", f[1:], want)
				}
			}
		}
	})

	t.Run("output-all", func(t *testing.T) {
		head := strings.Fields(strings.SplitN(runText(t, "-l", "--output-all"), "\n", 2)[0])
		var want []string
		for _, c := range list.AllColumns() {
			want = append(want, c.String())
		}
		if !slices.Equal(head, want) {
			t.Errorf("--output-all heading %v, want %v", head, want)
		}
	})

	t.Run("list-columns", func(t *testing.T) {
		text := runText(t, "--list-columns")
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) != len(list.AllColumns()) {
			t.Errorf("--list-columns: %d lines, want %d", len(lines), len(list.AllColumns()))
		}
		for i, c := range list.AllColumns() {
			f := strings.Fields(lines[i])
			if len(f) < 3 || f[0] != c.String() || f[1] != "<"+c.Kind().String()+">" || strings.Join(f[2:], " ") != c.Help() {
				t.Errorf("--list-columns line %q for %v", lines[i], c)
			}
		}
		for _, args := range [][]string{{"-H", "-J"}, {"-H", "--output=json"}} {
			var doc struct {
				Columns []struct{ Holder, Type, Description string } `json:"columns"`
			}
			if err := json.Unmarshal([]byte(runText(t, args...)), &doc); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			if len(doc.Columns) != len(list.AllColumns()) || doc.Columns[0].Holder != "NS" || doc.Columns[0].Type != "<integer>" || doc.Columns[2].Type != "<string>" {
				t.Errorf("%v: %+v", args, doc.Columns)
			}
		}
	})

	t.Run("notruncate-nowrap", func(t *testing.T) {
		wide := []string{"-l", "--deep-scan", "-o", "NS,NSFS,TYPE", "-Q", fmt.Sprintf("NS == %d", s.net4)}
		plain := runText(t, wide...)
		if u := runText(t, append(wide, "-u")...); u != plain {
			t.Errorf("-u changed the output:\n%s\nvs\n%s", u, plain)
		}
		lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
		if len(lines) != 3 || !strings.Contains(lines[1], s.net4Mounts[0]) || strings.TrimSpace(lines[2]) != s.net4Mounts[1] {
			t.Errorf("NSFS is not one mount per line:\n%s", plain)
		}
		nowrap := strings.Split(strings.TrimSuffix(runText(t, append(wide, "-W")...), "\n"), "\n")
		if len(nowrap) != 2 || !strings.Contains(nowrap[1], strings.Join(s.net4Mounts, ",")) {
			t.Errorf("-W: %q, want the mounts comma-separated on one line", nowrap)
		}
	})

	t.Run("netnsid", func(t *testing.T) {
		name := fmt.Sprintf("i11-test-%d", os.Getpid())
		execOutput(t, time.Minute, "ip", "netns", "add", name)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
		execOutput(t, time.Minute, "ip", "netns", "set", name, "auto")
		ino := inodeOf(t, "/run/netns/"+name)
		m := regexp.MustCompile(`nsid ([0-9]+) \(iproute2 netns name: ` + regexp.QuoteMeta(name) + `\)`).FindStringSubmatch(execOutput(t, time.Minute, "ip", "netns", "list-id"))
		if m == nil {
			t.Fatal("ip netns list-id does not list the namespace")
		}
		out := runText(t, "-l", "-r", "-n", "--deep-scan", "-o", "NS,NETNSID", "-Q", fmt.Sprintf("NS == %d", ino))
		if want := fmt.Sprintf("%d %s\n", ino, m[1]); out != want {
			t.Errorf("NETNSID row %q, ip netns list-id says %q", out, want)
		}
		// One without an id.
		out = runText(t, "-l", "-r", "-n", "-o", "NS,NETNSID", "-Q", fmt.Sprintf("NS == %d", s.net1))
		if want := fmt.Sprintf("%d unassigned\n", s.net1); out != want {
			t.Errorf("NETNSID row %q, want %q", out, want)
		}
	})
}

// Column values equal lsns's for the columns both define, on the
// namespaces the test made (which have processes: Debian's lsns sees no
// others).
func TestLsnsColumnValues(t *testing.T) {
	if _, err := exec.LookPath("lsns"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("lsns (util-linux) is not installed; .ci/run installs it")
		}
		t.Skip("lsns (util-linux) is not installed")
	}
	s := startLsnsState(t)
	const cols = "NS,TYPE,NPROCS,PID,PPID,UID,USER,COMMAND,NETNSID,PNS,ONS"
	ours := outListRows(t, cols)
	theirs := outLsns(t, cols)
	for _, ino := range s.withProcs {
		k := strconv.FormatUint(ino, 10)
		if ours[k] == nil || theirs[k] == nil {
			t.Errorf("NS %s: ours %q, lsns %q", k, ours[k], theirs[k])
			continue
		}
		if !slices.Equal(ours[k], theirs[k]) {
			t.Errorf("NS %s:\n ours %q\n lsns %q", k, ours[k], theirs[k])
		}
	}
}

// Acceptance 4: the default list output shows the command name under
// COMMAND, as before, whatever lsns's COMMAND is; --no-headings and --raw
// are the same table. (render/list's golden files default, no_headings,
// raw and raw_no_headings are unchanged by this issue.)
func TestLsnsDefaultListUnchanged(t *testing.T) {
	s := startLsnsState(t)
	want := func(args ...string) map[string]string {
		rows := map[string]string{}
		out := runText(t, args...)
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if i == 0 && strings.Contains(line, "TYPE") {
				rows["heading"] = line
				continue
			}
			rows[strings.Fields(line)[0]] = line
		}
		return rows
	}
	for _, mode := range [][]string{nil, {"--no-headings"}, {"--raw"}} {
		def := want(append([]string{"--output=list"}, mode...)...)
		explicit := want(append([]string{"--output=list", "--columns=NS,TYPE,NPROCS,PID,USER,COMM"}, mode...)...)
		if h, ok := def["heading"]; ok {
			if strings.Replace(explicit["heading"], "COMM", "COMMAND", 1) != h && !strings.HasSuffix(h, "COMMAND") {
				t.Errorf("%v heading %q", mode, h)
			}
		}
		keys := make([]string, 0)
		for _, ino := range s.withProcs {
			keys = append(keys, strconv.FormatUint(ino, 10))
		}
		sort.Strings(keys)
		for _, k := range keys {
			d, e := def[k], explicit[k]
			if d == "" {
				t.Errorf("%v: NS %s not listed", mode, k)
				continue
			}
			// Aligned widths depend on the whole table; compare fields.
			if !slices.Equal(strings.Fields(d), strings.Fields(e)) {
				t.Errorf("%v: NS %s: default %q, COMM %q", mode, k, d, e)
			}
			if f := strings.Fields(d); f[len(f)-1] != "nshelper" {
				t.Errorf("%v: NS %s: COMMAND %q, want the command name nshelper", mode, k, f[len(f)-1])
			}
		}
	}
}
