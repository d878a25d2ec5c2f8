// Command floor does the least work a namespace scan of every process can do:
// list /proc, and for each process readlinkat the 8 namespace links through a
// dirfd on /proc/PID/ns. It prints how many links it read. The benchmark
// runner uses its time as the anchor ("the floor") for namespaces_of.
package main

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// The 8 namespace types; pid_for_children and time_for_children are left out
// on purpose: the floor is "one link per namespace type per process".
var links = [...]string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

func main() {
	n, err := scan()
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

func scan() (int, error) {
	proc, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(proc)

	count := 0
	dents := make([]byte, 64<<10)
	target := make([]byte, 64)
	path := make([]byte, 0, 32)
	for {
		nr, err := unix.Getdents(proc, dents)
		if err != nil {
			return 0, err
		}
		if nr == 0 {
			return count, nil
		}
		for off := 0; off < nr; {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			reclen := int(binary.NativeEndian.Uint16(dents[off+16:]))
			name := dents[off+19 : off+reclen]
			off += reclen
			if name[0] < '1' || name[0] > '9' {
				continue
			}
			path = path[:0]
			for _, c := range name {
				if c == 0 {
					break
				}
				path = append(path, c)
			}
			path = append(path, "/ns"...)
			// Processes come and go during a scan; one that vanished is skipped.
			ns, err := unix.Openat(proc, string(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			for _, l := range links {
				if _, err := unix.Readlinkat(ns, l, target); err == nil {
					count++
				}
			}
			unix.Close(ns)
		}
	}
}
