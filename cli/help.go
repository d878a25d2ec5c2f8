package cli

const helpText = `Usage: namespaces_of [options] [--subtree=<pid> | <pid>...]
       namespaces_of --diff=OLD.json [--diff=NEW.json] [options] [<pid>...]
       namespaces_of --watch[=INTERVAL] [options] [--subtree=<pid> | <pid>...]

Show the namespaces of a Linux host in the context of the user namespace
hierarchy (the default) or the PID namespace hierarchy (--pidns), with the
processes that are members of each namespace.

  * With PID arguments, show only the namespaces of those processes (and
    their ancestor namespaces).
  * Otherwise, with --subtree=<pid>, scan all processes but show only the
    subtree rooted at the user (with --pidns: PID) namespace of <pid>.
  * Otherwise, show the namespaces of every process on the system.

In the user namespace hierarchy, each user namespace is followed, indented,
by the non-user namespaces it owns (ordered by type: cgroup, ipc, mnt, net,
pid, time, uts; then by inode number) and then by its child user namespaces
(by inode number). Several topmost visible namespaces are printed one after
the other, the one containing namespaces_of itself first. Namespaces whose
owning user namespace is not visible (when run inside a user namespace) are
grouped under "[invisible ancestor user NS]" at the end.

Each namespace is shown as "<type> {<device> <inode>}". A user namespace line
adds "<UID: <creator uid>; u: <uid map>; g: <gid map>>" (maps only when no PID
arguments are given; "?" when no member process's map could be read).

Options:
      --all-pids          For each member, show its PIDs in every PID
                          namespace it is in, e.g. "{ 4312 1 }" (needs --pidns).
      --color=WHEN        Colour the output: auto (the default: only when stdout
                          is a terminal and NO_COLOR is not set), always, never.
      --deep-scan         Also find namespaces with no member process, kept
                          alive by pid_for_children/time_for_children links,
                          open file descriptors, bind mounts, or non-leader
                          threads. Only namespace files are ever opened.
      --containers        Say whose each namespace is: under each namespace
                          the containers (docker, podman, containerd, CRI-O,
                          runc, crun, LXC, systemd-nspawn), Kubernetes pods
                          and systemd units whose processes are in it, read
                          from cgroups, parent processes and engines' state
                          files (never from a daemon). Adds the list columns
                          CONTAINER, ENGINE, POD, UNIT and JSON "workloads".
      --container=NAME    Show only the namespaces of this container, pod
                          container or unit, by name or (prefix of) ID, and
                          their ancestors; may be repeated.
      --holders           Under each namespace, list what keeps it alive
                          (fds, bind mounts, *_for_children links, threads;
                          for namespaces with nothing else, their descendants).
      --namespaces=LIST   Show only these types in the user namespace tree:
                          comma-separated cgroup,ipc,mnt,net,pid,time,user,uts.
                          User namespaces are always shown; --namespaces=user
                          shows just the user namespace tree.
      --no-color          Same as --color=never.
      --no-pids           Do not list member processes.
      --output=FORMAT     Output format: tree (the default); json (one document
                          with every namespace, see docs/json.md); list (one
                          row per namespace, like lsns); dot (a Graphviz graph:
                          namespaces_of --output=dot | dot -Tsvg > ns.svg);
                          html (one self-contained page to explore in a
                          browser: namespaces_of --deep-scan --output=html >
                          host.html).
  -o, --columns=LIST      With --output=list: comma-separated columns among
                          NS, ID, TYPE, NPROCS, PID, PPID, USER, UID, COMMAND,
                          COMM, PARENT, OWNER, PNS, ONS, HOLDERS, PATH, NSFS,
                          NETNSID, CONTAINER, ENGINE, POD, UNIT (default:
                          NS,TYPE,NPROCS,PID,USER,COMMAND, where COMMAND is
                          the command name; named, COMMAND is the command
                          line, as in lsns; --containers adds the last four).
                          "+LIST" adds to the default columns. See
                          --list-columns.
      --output-all        With --output=list: every column.
      --no-headings       With --output=list: no heading line.
  -n, --noheadings        Same as --no-headings (lsns's spelling).
  -r, --raw               With --output=list: unaligned, one space between
                          fields, empty for missing values.
      --diff=FILE         Compare the scan saved in FILE (by --output=json) with
                          a new scan made the same way, or, given twice, two
                          saved scans. One line per namespace that differs:
                          "+" added, "-" removed, "~" changed (members joined
                          or left, holders, owner or parent visibility, maps),
                          "!" a new namespace that got the inode number of an
                          old one (another type, owner or NSID). The scanning
                          process itself is left out. --output=json gives one
                          document (see docs/diff.md).
      --watch[=INTERVAL]  Scan every INTERVAL (default 1s; e.g. 500ms, 2m) and
                          print each change as --diff does, after the time it
                          was seen, until SIGINT or SIGTERM (then exit 0).
                          --output=json gives one object per line.
  -W, --nowrap            With --output=list: NSFS's mounts comma-separated
                          (by default one per line).
  -u, --notruncate        With --output=list: accepted for lsns; nothing is
                          ever truncated.
  -l, --list              Same as --output=list.
  -J, --json              Same as --output=json (namespaces_of's document,
                          not lsns's table).
  -H, --list-columns      List the columns: name, type for --filter, meaning
                          (as JSON with --output=json or -J, unaligned with
                          --raw), and exit.
  -Q, --filter=EXPR       Show only the namespaces for which EXPR, over the
                          list columns, holds; lsns's syntax (scols-filter(5)):
                          == != < <= > >= (eq ne lt le gt ge), =~ !~ with a
                          regular expression, && || ! (and or not),
                          parentheses, "strings", numbers, column names.
                          && and || bind equally, left to right, as in lsns.
                          E.g. 'TYPE == "net" && NPROCS == 0'.
  -t, --type=TYPE         Show only namespaces of this type (repeatable).
  -p, --task=PID          Show only the namespaces PID is in (repeatable).
  -P, --persistent        Show only namespaces no process or thread is in,
                          with what holds them (implies --deep-scan; add
                          --holders for the tree): the leak hunt.
      --pidns             Show the PID namespace hierarchy instead.
      --search-tasks      Find namespaces through every thread
                          (/proc/PID/task/TID/ns), including namespaces that
                          only non-leader threads are in; members are TIDs.
      --serve[=ADDR]      Run as a read-only HTTP service on ADDR (HOST:PORT;
                          default 127.0.0.1:9743, loopback only; other
                          addresses only when given): / (page), /api/v1/scan
                          (the JSON document; query parameters deep, tasks,
                          pidns, containers, types), /metrics (Prometheus),
                          /healthz. Logs JSON lines on stderr; stops on
                          SIGTERM or SIGINT.
      --scan-interval=DURATION
                          With --serve: the minimum time between two scans
                          of the same kind (default 10s); requests in between
                          share the last result.
      --show-comm         List members one per line with their command name.
      --subtree=PID       Show only the subtree rooted at PID's namespace.
  -v, --verbose           Say on stderr which discovery sources ran, and which
                          processes could not be inspected.
  -h, --help              Show this help and exit.
  -V, --version           Show the version and the revision it was built
                          from, and exit.
      --completion=SHELL  Print the completion script for SHELL (bash, zsh or
                          fish) and exit: source <(namespaces_of
                          --completion=bash), for example.

Rules: PID arguments and --task cannot be combined with --deep-scan,
--persistent, --search-tasks or --subtree; --namespaces cannot be combined
with --pidns; --all-pids needs --pidns; --no-pids cannot be combined with
--show-comm or --all-pids; --columns, --output-all, --no-headings, --raw,
--nowrap and --notruncate need --output=list; --container cannot be combined
with PID arguments, --subtree, --deep-scan or --search-tasks; --serve takes
no other option but --scan-interval and -v. --pidns, --namespaces, --subtree
and PID arguments select what every output format shows.
--filter, --type, --task and --persistent select namespaces in every format:
in the tree, DOT and JSON the ancestors of a selected namespace stay, marked
as context ("(context)" in the tree, dashed in DOT, "context": true in
JSON); the list shows only the selected ones.
Options may come before or after PID arguments; "--" ends the options.

--diff and --watch cannot be combined, write text or --output=json, and
take no --no-pids, --show-comm, --all-pids or --holders. Two --diff files
are compared without a scan (PID arguments, --deep-scan, --search-tasks and
--subtree do not apply). With one, the new scan uses the saved scan's
--pidns, --namespaces, --subtree, --deep-scan and --search-tasks; give it
the same PID arguments.

Processes that vanish during the scan are skipped. Processes whose namespaces
cannot be read (not running as root, or protected processes) are skipped, and
one line on stderr says how many.

Exit status: 0 success (--diff: nothing differs); 1 the scan or output
failed; 2 bad options or arguments (unknown option, bad value, forbidden
combination, bad PID, a --container that names nothing or is ambiguous, a
--filter syntax error, whose position is given, a --diff file that cannot be
read or is not a namespaces_of JSON document of a supported schema_version);
3 --diff found differences.
`
