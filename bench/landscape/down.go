package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// downTimeout bounds each wait of down; tearing down 10,000 processes takes
// well under a second, so hitting it means something is really stuck.
const downTimeout = 60 * time.Second

func down(out io.Writer) error {
	if !exists(stateDir) {
		fmt.Fprintln(out, "down: nothing is up")
		return nil
	}
	start := time.Now()
	// Unmount first: the bind mount lives in the host mount namespace and
	// would otherwise keep the net namespace alive after its processes die.
	for range 8 { // stacked mounts, if up was somehow run twice on the target
		if err := unmountBind(); err != nil {
			return err
		}
		if !isMountpoint(bindTarget()) {
			break
		}
	}
	st, err := readState()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	stopped := 0
	if st != nil && st.Supervisor > 0 {
		if stopped, err = stopSession(st); err != nil {
			return err
		}
	}
	if st != nil {
		removeGroupCgroups(st.CgroupParents)
	}
	if err := os.RemoveAll(stateDir); err != nil {
		return err
	}
	fmt.Fprintf(out, "down: %d processes gone, %s removed, in %.1fs\n", stopped, stateDir, time.Since(start).Seconds())
	return nil
}

// stopSession asks the supervisor to kill and reap its landscape (SIGTERM),
// then SIGKILLs anything left in its session and waits until the session is
// empty. The session id is the supervisor's PID; while any member exists the
// kernel keeps that id allocated, so it cannot name someone else's processes.
func stopSession(st *state) (int, error) {
	sid := st.Supervisor
	members, err := sessionMembers(sid)
	if err != nil {
		return 0, err
	}
	count := len(members)
	if ps, err := readProcStat(sid); err == nil && ps.startTime == st.StartTime && ps.state != 'Z' {
		pidfd, perr := unix.PidfdOpen(sid, 0)
		if err := unix.Kill(sid, unix.SIGTERM); err != nil && !errors.Is(err, unix.ESRCH) {
			return count, fmt.Errorf("signal supervisor %d: %w", sid, err)
		}
		if perr == nil {
			// A pidfd polls readable once the process has exited.
			fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
			deadline := time.Now().Add(downTimeout)
			for time.Now().Before(deadline) {
				n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds())+1)
				if n > 0 || (err != nil && !errors.Is(err, unix.EINTR)) {
					break
				}
			}
			unix.Close(pidfd)
		}
	}
	// Whatever is still there (supervisor stuck or killed earlier, orphans):
	// SIGKILL it and wait for its parent (the supervisor or init) to reap it.
	deadline := time.Now().Add(downTimeout)
	for {
		members, err := sessionMembers(sid)
		if err != nil {
			return count, err
		}
		if len(members) == 0 {
			return count, nil
		}
		// When up tears down a landscape it failed to build, the supervisor
		// is up's own child, and only up can reap it (ECHILD otherwise).
		unix.Wait4(sid, nil, unix.WNOHANG, nil)
		if time.Now().After(deadline) {
			return count, fmt.Errorf("%d processes of session %d still exist after %v (zombies nobody reaps?)", len(members), sid, downTimeout)
		}
		for _, pid := range members {
			if ps, err := readProcStat(pid); err == nil && ps.state != 'Z' {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
		// Not a pacing sleep: these are not our children, so there is nothing
		// to wait on but /proc.
		time.Sleep(20 * time.Millisecond)
	}
}

// isMountpoint reports whether p is the root of a mount, comparing the mount
// id of p with that of its directory.
func isMountpoint(p string) bool {
	var a, b unix.Statx_t
	if unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &a) != nil {
		return false
	}
	if unix.Statx(unix.AT_FDCWD, filepath.Dir(p), 0, unix.STATX_MNT_ID, &b) != nil {
		return false
	}
	return a.Mnt_id != b.Mnt_id
}
