package procfs_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/procfs"
)

// realStatus is /proc/self/status of "cat" run by root in a child PID
// namespace (unshare -pf cat /proc/self/status) on Linux 6.18, as captured.
const realStatus = "" +
	"Name:\tcat\n" +
	"Umask:\t0022\n" +
	"State:\tR (running)\n" +
	"Tgid:\t7542\n" +
	"Ngid:\t0\n" +
	"Pid:\t7542\n" +
	"PPid:\t7541\n" +
	"TracerPid:\t0\n" +
	"Uid:\t0\t0\t0\t0\n" +
	"Gid:\t0\t0\t0\t0\n" +
	"FDSize:\t256\n" +
	"Groups:\t \n" +
	"NStgid:\t7542\t1\n" +
	"NSpid:\t7542\t1\n" +
	"NSpgid:\t7539\t0\n" +
	"NSsid:\t2531\t0\n" +
	"Kthread:\t0\n" +
	"VmPeak:\t    3060 kB\n" +
	"VmSize:\t    3060 kB\n" +
	"VmLck:\t       0 kB\n" +
	"VmPin:\t       0 kB\n" +
	"VmHWM:\t    1612 kB\n" +
	"VmRSS:\t    1612 kB\n" +
	"RssAnon:\t     108 kB\n" +
	"RssFile:\t    1504 kB\n" +
	"RssShmem:\t       0 kB\n" +
	"VmData:\t     360 kB\n" +
	"VmStk:\t     132 kB\n" +
	"VmExe:\t      20 kB\n" +
	"VmLib:\t    1528 kB\n" +
	"VmPTE:\t      48 kB\n" +
	"VmSwap:\t       0 kB\n" +
	"HugetlbPages:\t       0 kB\n" +
	"CoreDumping:\t0\n" +
	"THP_enabled:\t1\n" +
	"untag_mask:\t0xffffffffffffffff\n" +
	"Threads:\t1\n" +
	"SigQ:\t0/96365\n" +
	"SigPnd:\t0000000000000000\n" +
	"ShdPnd:\t0000000000000000\n" +
	"SigBlk:\t0000000000000000\n" +
	"SigIgn:\t0000000000000000\n" +
	"SigCgt:\t0000000000000000\n" +
	"CapInh:\t0000000000000000\n" +
	"CapPrm:\t000001fffeffffff\n" +
	"CapEff:\t000001fffeffffff\n" +
	"CapBnd:\t000001fffeffffff\n" +
	"CapAmb:\t0000000000000000\n" +
	"NoNewPrivs:\t0\n" +
	"Seccomp:\t0\n" +
	"Seccomp_filters:\t0\n" +
	"Speculation_Store_Bypass:\tvulnerable\n" +
	"SpeculationIndirectBranch:\talways enabled\n" +
	"Cpus_allowed:\t3\n" +
	"Cpus_allowed_list:\t0-1\n" +
	"Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001\n" +
	"Mems_allowed_list:\t0\n" +
	"voluntary_ctxt_switches:\t0\n" +
	"nonvoluntary_ctxt_switches:\t0\n"

func TestParseStatusReal(t *testing.T) {
	st, err := procfs.ParseStatus([]byte(realStatus))
	if err != nil {
		t.Fatalf("ParseStatus(real status): %v", err)
	}
	want := procfs.Status{Name: "cat", TGID: 7542, PPID: 7541, UID: 0, NStgid: []int{7542, 1}}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("ParseStatus(real status) = %+v, want %+v", st, want)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		data string
		want procfs.Status
	}{
		{"empty", "", procfs.Status{}},
		{"only name", "Name:\tbash\n", procfs.Status{Name: "bash"}},
		{"missing NStgid", "Name:\tx\nTgid:\t5\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\n",
			procfs.Status{Name: "x", TGID: 5, PPID: 1, UID: 1000}},
		{"real uid is the first column", "Uid:\t1000\t0\t0\t0\n", procfs.Status{UID: 1000}},
		{"NStgid several levels", "Tgid:\t3000\nNStgid:\t3000\t200\t10\t1\n",
			procfs.Status{TGID: 3000, NStgid: []int{3000, 200, 10, 1}}},
		{"no trailing newline", "Name:\tcat\nTgid:\t42", procfs.Status{Name: "cat", TGID: 42}},
		{"no trailing newline NStgid", "Tgid:\t9\nNStgid:\t9\t1", procfs.Status{TGID: 9, NStgid: []int{9, 1}}},
		{"unknown fields are ignored even when unparsable", "Ngid:\tzzz\nVmPeak:\tlots\nTgid:\t7\n", procfs.Status{TGID: 7}},
		{"lines without a colon are ignored", "garbage\n\nTgid:\t7\n", procfs.Status{TGID: 7}},
		{"kernel thread name with colon", "Name:\tkworker/0:1H-kblockd\n", procfs.Status{Name: "kworker/0:1H-kblockd"}},
		{"name is kept as status escapes it", "Name:\ta\\nb\n", procfs.Status{Name: `a\nb`}},
		{"empty name", "Name:\t\nTgid:\t3\n", procfs.Status{TGID: 3}},
		// A comm can begin with blanks (prctl(PR_SET_NAME), or an
		// executable named so); only the tab after "Name:" is a separator.
		{"name with leading space and inner tab", "Name:\t lead\ttab\n", procfs.Status{Name: " lead\ttab"}},
		{"name with leading tab", "Name:\t\tx\n", procfs.Status{Name: "\tx"}},
		{"name with trailing space", "Name:\tx \n", procfs.Status{Name: "x "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := procfs.ParseStatus([]byte(tt.data))
			if err != nil {
				t.Fatalf("ParseStatus(%q): %v", tt.data, err)
			}
			if !reflect.DeepEqual(st, tt.want) {
				t.Errorf("ParseStatus(%q) = %#v, want %#v", tt.data, st, tt.want)
			}
		})
	}
}

func TestParseStatusErrors(t *testing.T) {
	for _, data := range []string{
		"Tgid:\tabc\n",
		"Tgid:\t\n",
		"Tgid:\t99999999999999999999999\n",
		"PPid:\t1x\n",
		"Uid:\tx\t0\t0\t0\n",
		"Uid:\t\n",
		"NStgid:\t12\tx\n",
		"NStgid:\t12\t0x1\n",
		"Name:\tok\nTgid:\t1\nPPid:\tnope", // bad field on an unterminated last line
		realStatus + "NStgid:\t1\tbad\n",   // a later bad line spoils a good status
	} {
		st, err := procfs.ParseStatus([]byte(data))
		if err == nil {
			t.Errorf("ParseStatus(%q) = %+v, want an error", data, st)
			continue
		}
		if !reflect.DeepEqual(st, procfs.Status{}) {
			t.Errorf("ParseStatus(%q) failed (%v) but returned %+v, want the zero Status", data, err, st)
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	for _, seed := range []string{
		realStatus,
		"",
		"Name:\tcat\nTgid:\t42",
		"Tgid:\t3000\nNStgid:\t3000\t200\t10\t1\n",
		"Uid:\t\n",
		"Name:\t lead\ttab\n",
		"NStgid:\t\n",
		"Tgid:\t-1\nPPid:\t+2\n",
		"Name:a:b\nUid:7",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := procfs.ParseStatus(data)
		if err != nil {
			if !reflect.DeepEqual(st, procfs.Status{}) {
				t.Fatalf("ParseStatus failed (%v) but returned %+v", err, st)
			}
			return
		}
		// The kernel writes "Name:\t" and then the comm, which may itself
		// start with blanks: Name is the rest of the last Name line.
		wantName := ""
		for line := range strings.SplitSeq(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "Name:"); ok {
				wantName = strings.TrimPrefix(rest, "\t")
			}
		}
		if st.Name != wantName {
			t.Fatalf("ParseStatus(%q).Name = %q, want %q", data, st.Name, wantName)
		}
		// What was parsed, written back the way the kernel writes it,
		// parses to the same thing.
		again, err := procfs.ParseStatus([]byte(renderStatus(st)))
		if err != nil {
			t.Fatalf("re-rendered %+v does not parse: %v", st, err)
		}
		if !reflect.DeepEqual(again, st) {
			t.Fatalf("ParseStatus(%q) = %#v; rendered back and parsed again: %#v", data, st, again)
		}
	})
}

// renderStatus writes st in the kernel's status format.
func renderStatus(st procfs.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name:\t%s\nTgid:\t%d\nPPid:\t%d\nUid:\t%d\t%d\t%d\t%d\n", st.Name, st.TGID, st.PPID, st.UID, st.UID, st.UID, st.UID)
	if st.NStgid != nil {
		levels := make([]string, len(st.NStgid))
		for i, n := range st.NStgid {
			levels[i] = strconv.Itoa(n)
		}
		fmt.Fprintf(&b, "NStgid:\t%s\n", strings.Join(levels, "\t"))
	}
	return b.String()
}
