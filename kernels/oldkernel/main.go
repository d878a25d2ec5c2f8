// Command oldkernel runs a command as if on an older Linux kernel: a seccomp
// filter, installed before exec and inherited by every descendant, makes the
// system calls that kernel lacks fail with ENOSYS and the namespace and
// pidfd ioctls it lacks fail with ENOTTY, as the real kernel answers.
//
//	oldkernel VERSION -- COMMAND [ARG...]
//	oldkernel -describe VERSION
//
// It proves that the tool takes its fallbacks when a call is missing. It
// cannot hide /proc files (a host with time namespaces still shows
// /proc/PID/ns/time under the 4.18 rules), look inside structures passed by
// pointer, or reproduce any other difference of a real kernel: for that,
// boot one (../debian-kernel). See ../README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernel is what one kernel version offers, as the newest system call
// number (x86_64 numbers were assigned in release order) and the highest
// request numbers of the nsfs (type 0xb7) and pidfd (type 0xff) ioctls.
type kernel struct {
	lastSyscall    uint32
	lastSyscallIs  string
	lastNSIoctl    uint32 // 4: NS_GET_OWNER_UID (4.11)
	lastPidfdIoctl uint32 // 0: none (PIDFD_GET_*_NAMESPACE came in 6.11)
	lacks          string
}

var kernels = map[string]kernel{
	"4.18": {334, "rseq", 4, 0, "pidfd_send_signal, pidfd_open, clone3, openat2, pidfd_getfd, close_range, faccessat2 and everything newer; NS_GET_MNTNS_ID and later nsfs ioctls; every pidfd ioctl"},
	"5.4":  {435, "clone3", 4, 0, "close_range, openat2, pidfd_getfd, faccessat2 and everything newer; NS_GET_MNTNS_ID and later nsfs ioctls; every pidfd ioctl"},
	"5.10": {440, "process_madvise", 4, 0, "epoll_pwait2, mount_setattr and everything newer; NS_GET_MNTNS_ID and later nsfs ioctls; every pidfd ioctl"},
	"6.1":  {450, "set_mempolicy_home_node", 4, 0, "cachestat, fchmodat2, statmount, listmount, listns and everything newer; NS_GET_MNTNS_ID and later nsfs ioctls; every pidfd ioctl"},
	"6.12": {462, "mseal", 12, 10, "setxattrat and later system calls, listns; NS_GET_ID; PIDFD_GET_INFO"},
}

const (
	auditArchX86_64 = 0xc000003e
	x32SyscallBit   = 0x40000000
	nsIoctlType     = 0xb7
	pidfdIoctlType  = 0xff
	// offsets into struct seccomp_data
	offNr    = 0
	offArch  = 4
	offArg1  = 16 + 8 // low 32 bits of args[1] (little-endian): the ioctl request
	retAllow = unix.SECCOMP_RET_ALLOW
)

func main() {
	describe := flag.Bool("describe", false, "print what the named kernel lacks and exit")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: oldkernel VERSION -- COMMAND [ARG...]\n       oldkernel -describe VERSION\nVERSION: %s\n", strings.Join(versions(), ", "))
	}
	flag.Parse()
	args := flag.Args()
	if len(args) < 1 {
		flag.Usage()
		os.Exit(2)
	}
	k, ok := kernels[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "oldkernel: unknown kernel %q (known: %s)\n", args[0], strings.Join(versions(), ", "))
		os.Exit(2)
	}
	if *describe {
		fmt.Printf("Linux %s: system calls after %s (%d) answer ENOSYS; nsfs ioctls after nr %d and pidfd ioctls after nr %d answer ENOTTY.\nMissing: %s.\nNot emulated: /proc/PID/ns entries (time namespaces stay visible), struct sizes, other behaviour.\n",
			args[0], k.lastSyscallIs, k.lastSyscall, k.lastNSIoctl, k.lastPidfdIoctl, k.lacks)
		return
	}
	if len(args) < 3 || args[1] != "--" {
		flag.Usage()
		os.Exit(2)
	}
	path, err := exec.LookPath(args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "oldkernel: %v\n", err)
		os.Exit(127)
	}
	if err := install(filter(k)); err != nil {
		fmt.Fprintf(os.Stderr, "oldkernel: installing the seccomp filter: %v\n", err)
		os.Exit(1)
	}
	err = syscall.Exec(path, args[2:], os.Environ())
	fmt.Fprintf(os.Stderr, "oldkernel: exec %s: %v\n", path, err)
	os.Exit(126)
}

func versions() []string {
	var v []string
	for name := range kernels {
		v = append(v, name)
	}
	sort.Strings(v)
	return v
}

// step is one BPF instruction whose jumps name labels; assemble resolves
// them into relative offsets.
type step struct {
	label  string // this instruction's label, if a jump target
	op     uint16
	k      uint32
	jt, jf string // jump targets ("" = next instruction)
}

func filter(k kernel) []unix.SockFilter {
	errno := func(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }
	ld := func(off uint32) step { return step{op: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, k: off} }
	jgt := func(v uint32, jt, jf string) step {
		return step{op: unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, k: v, jt: jt, jf: jf}
	}
	jge := func(v uint32, jt, jf string) step {
		return step{op: unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, k: v, jt: jt, jf: jf}
	}
	jeq := func(v uint32, jt, jf string) step {
		return step{op: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, k: v, jt: jt, jf: jf}
	}
	ret := func(label string, v uint32) step {
		return step{label: label, op: unix.BPF_RET | unix.BPF_K, k: v}
	}
	prog := []step{
		ld(offArch),
		jeq(auditArchX86_64, "", "allow"), // other ABIs (i386) are not emulated
		ld(offNr),
		jge(x32SyscallBit, "allow", ""),
		jgt(k.lastSyscall, "enosys", ""),
		jeq(unix.SYS_IOCTL, "", "allow"),
		ld(offArg1),
		{op: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, k: 0xffff}, // type and number, whatever the size and direction
		jgt(nsIoctlType<<8|0xff, "pidfd", ""),
		jgt(nsIoctlType<<8|k.lastNSIoctl, "enotty", "allow"),
		{label: "pidfd", op: unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, k: pidfdIoctlType << 8, jt: "", jf: "allow"},
		jgt(pidfdIoctlType<<8|k.lastPidfdIoctl, "enotty", "allow"),
		ret("allow", retAllow),
		ret("enosys", errno(unix.ENOSYS)),
		ret("enotty", errno(unix.ENOTTY)),
	}
	return assemble(prog)
}

func assemble(prog []step) []unix.SockFilter {
	at := map[string]int{}
	for i, s := range prog {
		if s.label != "" {
			at[s.label] = i
		}
	}
	offset := func(from int, label string) uint8 {
		if label == "" {
			return 0
		}
		to, ok := at[label]
		if !ok || to <= from || to-from-1 > 255 {
			panic("oldkernel: bad jump to " + label)
		}
		return uint8(to - from - 1)
	}
	out := make([]unix.SockFilter, len(prog))
	for i, s := range prog {
		out[i] = unix.SockFilter{Code: s.op, K: s.k}
		if s.op&0x07 == unix.BPF_JMP {
			out[i].Jt, out[i].Jf = offset(i, s.jt), offset(i, s.jf)
		}
	}
	return out
}

// install loads the filter for this thread and every thread it creates (the
// exec that follows keeps it). Root may do that directly; anyone else must
// first give up gaining privileges (PR_SET_NO_NEW_PRIVS).
func install(f []unix.SockFilter) error {
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	load := func() error {
		_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
		if e != 0 {
			return e
		}
		return nil
	}
	err := load()
	if err == unix.EACCES {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return err
		}
		err = load()
	}
	return err
}
