package procfs_test

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/procfs"
)

// mountinfo is modelled on a real /proc/self/mountinfo of a Linux 6.18
// host, with namespace bind mounts and decoys added. The last line is a
// cifs mount as Linux <= 3.9 could show it, with spaces in its last field
// that happen to read " - nsfs ": its type is still cifs.
const mountinfo = `43 42 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
45 43 0:21 / /proc rw,relatime - proc proc rw
46 43 0:22 / /sys rw,relatime - sysfs sysfs rw
57 46 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw
58 43 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334492k,nr_inodes=3083623,mode=755
61 58 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
26 43 0:45 / /run/netns rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755
63 26 0:4 net:[4026532281] /run/netns/blue rw shared:5 - nsfs nsfs rw
64 26 0:4 uts:[4026531838] /run/netns/with\040space rw - nsfs nsfs rw
70 43 254:0 /srv/nsfs-archive /srv/nsfs-archive rw,relatime - ext4 /dev/vda rw,discard
71 26 0:4 net:[4026532350] /run/netns/green rw shared:5 master:1 - nsfs nsfs rw
65 43 0:39 /fifo /tmp/nsfs-fifo rw,relatime - tmpfs tmpfs rw
72 43 0:39 / /tmp/x\040-\040nsfs\040y rw,relatime - tmpfs tmpfs rw
73 43 0:40 / /mnt/nsfs rw,relatime - tmpfs nsfs rw
74 43 0:4 mnt:[4026532400] /run/mntns/tab\011and\134slash rw - nsfs nsfs rw
80 43 0:50 / /mnt/share rw - cifs //srv/share rw,unc=//srv/x - nsfs y
`

func TestNSFSMounts(t *testing.T) {
	got, err := procfs.NSFSMounts(strings.NewReader(mountinfo))
	if err != nil {
		t.Fatalf("NSFSMounts: %v", err)
	}
	want := []string{
		"/run/netns/blue",
		"/run/netns/with space",
		"/run/netns/green",
		"/run/mntns/tab\tand\\slash",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NSFSMounts = %q, want %q", got, want)
	}
}

func TestNSFSMountsNone(t *testing.T) {
	for _, data := range []string{
		"",
		"\n",
		"43 42 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
		// Decoys only: "nsfs" in paths, in the source, escaped in a path.
		"65 43 0:39 /fifo /tmp/nsfs-fifo rw,relatime - tmpfs tmpfs rw\n" +
			"70 43 254:0 /srv/nsfs /srv/nsfs rw,relatime - ext4 /dev/vda rw\n" +
			"72 43 0:39 / /tmp/x\\040-\\040nsfs\\040y rw,relatime - tmpfs tmpfs rw\n" +
			"73 43 0:40 / /mnt/nsfs rw,relatime - tmpfs nsfs rw\n" +
			"80 43 0:50 / /mnt/share rw - cifs //srv/share rw,unc=//srv/x - nsfs y\n",
	} {
		got, err := procfs.NSFSMounts(strings.NewReader(data))
		if err != nil {
			t.Errorf("NSFSMounts(%q): %v", data, err)
		}
		if len(got) != 0 {
			t.Errorf("NSFSMounts(%q) = %q, want nothing", data, got)
		}
	}
}

func TestNSFSMountsNoTrailingNewline(t *testing.T) {
	got, err := procfs.NSFSMounts(strings.NewReader("63 26 0:4 net:[4026532281] /run/netns/blue rw - nsfs nsfs rw"))
	if err != nil || !reflect.DeepEqual(got, []string{"/run/netns/blue"}) {
		t.Errorf("NSFSMounts = %q, %v; want [/run/netns/blue], nil", got, err)
	}
}

func FuzzNSFSMounts(f *testing.F) {
	f.Add([]byte(mountinfo))
	for _, seed := range []string{
		"",
		"63 26 0:4 net:[4026532281] /run/netns/blue rw - nsfs nsfs rw",
		"64 26 0:4 uts:[1] /a\\040b rw shared:5 master:1 - nsfs nsfs rw\r\n",
		"1 2 - nsfs nsfs rw\n",
		"1 2 0:4 / /x rw - nsfs nsfs rw - ext4 /dev/vda rw\n",
		"1 2 0:4 / /x rw - ext4 /dev/vda rw - nsfs nsfs rw\n",
		"1 2 0:4 / /x\\ rw - nsf\\163 nsfs rw\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		paths, _ := procfs.NSFSMounts(bytes.NewReader(data))
		// Each path must be the mount point of its own nsfs line, in
		// input order. Errors may cut the list short but never add to it.
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, len(data)+1)
		next := 0
		for next < len(paths) && sc.Scan() {
			if mountPoint, ok := nsfsLine(sc.Text()); ok && mountPoint == paths[next] {
				next++
			}
		}
		if next < len(paths) {
			t.Fatalf("NSFSMounts(%q) = %q: %q is not the mount point of an nsfs line", data, paths, paths[next])
		}
	})
}

// nsfsLine reports whether a mountinfo line has filesystem type nsfs, and
// returns its decoded mount point. The type is the field after a "-"
// separator that follows the 6 mandatory fields, with 3 fields after it.
func nsfsLine(line string) (mountPoint string, ok bool) {
	fields := strings.Split(line, " ")
	for sep := 6; sep+3 < len(fields); sep++ {
		if fields[sep] == "-" && decodeOctal(fields[sep+1]) == "nsfs" {
			return decodeOctal(fields[4]), true
		}
	}
	return "", false
}

// decodeOctal decodes the \ooo escapes the kernel puts in mountinfo for
// ASCII characters (space, tab, newline, backslash, '#').
func decodeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && (s[i+1] == '0' || s[i+1] == '1') &&
			'0' <= s[i+2] && s[i+2] <= '7' && '0' <= s[i+3] && s[i+3] <= '7' {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
