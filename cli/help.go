package cli

const helpText = `Usage: namespaces_of [options] [--subtree=<pid> | <pid>...]

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
                          namespaces_of --output=dot | dot -Tsvg > ns.svg).
      --columns=LIST      With --output=list: comma-separated columns among
                          NS, ID, TYPE, NPROCS, PID, PPID, USER, UID, COMMAND,
                          PARENT, OWNER, HOLDERS, PATH, NSFS (default:
                          NS,TYPE,NPROCS,PID,USER,COMMAND).
      --no-headings       With --output=list: no heading line.
      --raw               With --output=list: unaligned, one space between
                          fields, empty for missing values.
      --pidns             Show the PID namespace hierarchy instead.
      --search-tasks      Find namespaces through every thread
                          (/proc/PID/task/TID/ns), including namespaces that
                          only non-leader threads are in; members are TIDs.
      --show-comm         List members one per line with their command name.
      --subtree=PID       Show only the subtree rooted at PID's namespace.
  -v, --verbose           Say on stderr which discovery sources ran, and which
                          processes could not be inspected.
  -h, --help              Show this help and exit.
      --version           Show the version and the revision it was built
                          from, and exit.
      --completion=SHELL  Print the completion script for SHELL (bash, zsh or
                          fish) and exit: source <(namespaces_of
                          --completion=bash), for example.

Rules: PID arguments cannot be combined with --deep-scan, --search-tasks or
--subtree; --namespaces cannot be combined with --pidns; --all-pids needs
--pidns; --no-pids cannot be combined with --show-comm or --all-pids;
--columns, --no-headings and --raw need --output=list. --pidns, --namespaces,
--subtree and PID arguments select what every output format shows.
Options may come before or after PID arguments; "--" ends the options.

Processes that vanish during the scan are skipped. Processes whose namespaces
cannot be read (not running as root, or protected processes) are skipped, and
one line on stderr says how many.

Exit status: 0 success; 1 the scan or output failed; 2 bad options or
arguments (unknown option, bad value, forbidden combination, bad PID).
`
