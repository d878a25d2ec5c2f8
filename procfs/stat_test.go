package procfs

import "testing"

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Stat
		ok   bool
	}{
		{"1 (systemd) S 0 1 1 0 -1 4194560\n", Stat{Comm: "systemd", PPID: 0}, true},
		{"4312 (sleep) S 4300 4312 4300 34816 4312 4194304 110 0\n", Stat{Comm: "sleep", PPID: 4300}, true},
		{"77 (a b) c) R 5 77\n", Stat{Comm: "a b) c", PPID: 5}, true},
		{"78 () S 1 78\n", Stat{Comm: "", PPID: 1}, true},
		{"79 ((x)) Z 2 79", Stat{Comm: "(x)", PPID: 2}, true},
		{"80 (<img src=x>) S 3 80\n", Stat{Comm: "<img src=x>", PPID: 3}, true},
		{"", Stat{}, false},
		{"81 sleep S 1", Stat{}, false},
		{"82 (sleep) S", Stat{}, false},
		{"83 (sleep) S x 1", Stat{}, false},
		{"84 (sleep) S -1 1", Stat{}, false},
		{"85 )sleep( S 1 1", Stat{}, false},
	} {
		got, err := ParseStat([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseStat(%q) = %+v, %v; want %+v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("4312 (sleep) S 4300 4312 4300 34816 4312 4194304 110 0\n"))
	f.Add([]byte("77 (a b) c) R 5 77\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStat(data)
		if err != nil {
			return
		}
		if st.PPID < 0 || len(st.Comm) > len(data) {
			t.Fatalf("ParseStat(%q) = %+v", data, st)
		}
	})
}
