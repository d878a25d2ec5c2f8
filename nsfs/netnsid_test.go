package nsfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// nlmsg builds one netlink message of type typ, sequence seq.
func nlmsg(typ uint16, seq uint32, body []byte) []byte {
	b := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body)+3)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	ne.PutUint16(b[4:], typ)
	ne.PutUint32(b[8:], seq)
	b = append(b, body...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func nsidBody(attrs ...[]byte) []byte {
	body := []byte{unix.AF_UNSPEC, 0, 0, 0}
	for _, a := range attrs {
		body = append(body, a...)
	}
	return body
}

func attr(typ uint16, v int32) []byte {
	a := make([]byte, 8)
	binary.NativeEndian.PutUint16(a[0:], 8)
	binary.NativeEndian.PutUint16(a[2:], typ)
	binary.NativeEndian.PutUint32(a[4:], uint32(v))
	return a
}

func errBody(errno int32) []byte {
	b := make([]byte, unix.SizeofNlMsgerr)
	binary.NativeEndian.PutUint32(b, uint32(-errno))
	return b
}

func TestParseNSIDReply(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		id      int32
		done    bool
		wantErr bool
	}{
		{"id", nlmsg(unix.RTM_NEWNSID, 7, nsidBody(attr(unix.NETNSA_NSID, 3))), 3, true, false},
		{"unassigned", nlmsg(unix.RTM_NEWNSID, 7, nsidBody(attr(unix.NETNSA_NSID, -1))), -1, true, false},
		{"other attribute first", nlmsg(unix.RTM_NEWNSID, 7, nsidBody(attr(unix.NETNSA_PID, 9), attr(unix.NETNSA_NSID, 0))), 0, true, false},
		{"stale then answer", append(nlmsg(unix.RTM_NEWNSID, 6, nsidBody(attr(unix.NETNSA_NSID, 1))), nlmsg(unix.RTM_NEWNSID, 7, nsidBody(attr(unix.NETNSA_NSID, 2)))...), 2, true, false},
		{"stale only", nlmsg(unix.RTM_NEWNSID, 6, nsidBody(attr(unix.NETNSA_NSID, 1))), 0, false, false},
		{"error", nlmsg(unix.NLMSG_ERROR, 7, errBody(int32(unix.EINVAL))), 0, true, true},
		{"no id", nlmsg(unix.RTM_NEWNSID, 7, nsidBody()), 0, true, true},
		{"bad length", []byte{200, 0, 0, 0, 0x58, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0}, 0, true, true},
		{"empty", nil, 0, false, false},
	}
	for _, tt := range tests {
		id, done, err := parseNSIDReply(tt.msg, 7)
		if id != tt.id || done != tt.done || (err != nil) != tt.wantErr {
			t.Errorf("%s: got %d, %v, %v", tt.name, id, done, err)
		}
	}
}

func FuzzParseNSIDReply(f *testing.F) {
	f.Add(nlmsg(unix.RTM_NEWNSID, 1, nsidBody(attr(unix.NETNSA_NSID, 3))))
	f.Add(nlmsg(unix.NLMSG_ERROR, 1, errBody(1)))
	f.Fuzz(func(t *testing.T, b []byte) { parseNSIDReply(b, 1) })
}

// The id agrees with `ip netns list-id`, before and after one is assigned.
func TestNetNSIDs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a named network namespace")
	}
	name := fmt.Sprintf("nsfs-test-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	q, err := OpenNetNSIDs()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	of := func() int32 {
		procFD, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(procFD)
		fd, err := OpenVetted(procFD, unix.AT_FDCWD, "/run/netns/"+name, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		id, err := q.Of(fd)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := of(); id != NetNSIDNotAssigned {
		t.Errorf("new namespace has id %d, want none", id)
	}
	if out, err := exec.Command("ip", "netns", "set", name, "auto").CombinedOutput(); err != nil {
		t.Fatalf("ip netns set: %v: %s", err, out)
	}
	out, err := exec.Command("ip", "netns", "list-id").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`nsid (\d+) \(iproute2 netns name: ` + regexp.QuoteMeta(name) + `\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("ip netns list-id does not list %s:\n%s", name, out)
	}
	want, _ := strconv.Atoi(string(m[1]))
	if id := of(); id != int32(want) {
		t.Errorf("id %d, ip netns list-id says %d", id, want)
	}
	// Not a network namespace: the kernel refuses.
	fd, err := unix.Open("/proc/self/ns/uts", OpenFlags, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := q.Of(fd); !errors.Is(err, unix.EINVAL) {
		t.Errorf("uts namespace: %v, want EINVAL", err)
	}
}
