package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// state is what down needs to find everything up started, written to
// stateDir/state.json by up as soon as the supervisor runs (so an interrupted
// up can be torn down too). Only up writes it.
type state struct {
	Supervisor int    `json:"supervisor"`
	StartTime  uint64 `json:"start_time"` // /proc/PID/stat field 22, guards against PID reuse
	Sleepers   int    `json:"sleepers"`
	Groups     int    `json:"groups"`
	Threads    int    `json:"threads,omitempty"`
	BindMount  string `json:"bind_mount,omitempty"`
	// CgroupParents are the directories of the groups' .../docker/<id64>
	// cgroups (--cgroups).
	CgroupParents []string `json:"cgroup_parents,omitempty"`
}

func statePath() string { return filepath.Join(stateDir, "state.json") }

// bindTarget is where --bind-mount pins a group's net namespace, like
// `ip netns add` does under /run/netns.
func bindTarget() string { return filepath.Join(stateDir, "netns") }

func readState() (*state, error) {
	b, err := os.ReadFile(statePath())
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(), err)
	}
	return &st, nil
}

// writeState replaces the state file atomically so down never reads half of it.
func writeState(st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, statePath())
}

// procStat is the part of /proc/PID/stat the landscape needs.
type procStat struct {
	state     byte
	pgrp, sid int
	startTime uint64
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// comm may contain spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 20 {
		return procStat{}, errors.New("short stat")
	}
	var ps procStat
	ps.state = f[0][0]
	ps.pgrp, _ = strconv.Atoi(f[2])
	ps.sid, _ = strconv.Atoi(f[3])
	ps.startTime, _ = strconv.ParseUint(f[19], 10, 64)
	return ps, nil
}

// sessionMembers lists the processes of session sid, the supervisor's: it
// called setsid and nothing it starts leaves the session, so this is exactly
// what the landscape consists of (zombies included until they are reaped).
func sessionMembers(sid int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ps, err := readProcStat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		if ps.sid == sid {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}
