// Package discover finds the namespaces of a Linux host by walking /proc and
// returns them as a [model.Model].
//
// # The pipeline
//
// [Scan] runs these steps, in this order (see scan.run):
//
//  1. list the processes (the numeric entries of /proc, or [Options.PIDs]);
//  2. read each process's namespace links once (every thread's links with
//     [Options.Tasks]), in parallel workers;
//  3. run the per-process sources on each process, handing each the links,
//     thread list and fd table the pipeline read (see process);
//  4. resolve every newly seen namespace once: open it, ask its type, owner,
//     parent, creator and ID (see resolver);
//  5. run the host-wide sources (mount-namespace list, process-less mount
//     namespaces, listns), each handed what is already known and returning
//     only what is new, which is resolved in turn;
//  6. read the ID maps of user namespaces;
//  7. report which sources ran, and why the others could not;
//  8. with [Options.Workloads], attribute: turn the per-process facts the
//     workloads source read into the model's workloads, and record on each
//     namespace those of its members, threads and holders (package
//     workload; see attributeWorkloads).
//
// # Adding a source
//
// A source is one file: a type that implements processSource (called for
// every process) or hostSource (called once per scan, after the processes),
// or both; its about method declares its name, whether it needs
// CAP_SYS_PTRACE to see other users' processes, and which kernel interface
// it needs. It reports what it finds through found (members and holders)
// and nothing else. Then add one line to the sources table in sources.go
// saying when a scan uses it. The -v report is derived from about and
// outcome.
//
// # Safety
//
// The scan never changes the namespaces of any thread of the calling
// process that outlives it, never opens anything that is not a namespace
// file, and skips processes that vanish or cannot be read.
//
// One caveat for programs that embed the library: to look into a mount
// namespace that no process is in, a deep scan enters it from a locked OS
// thread that is then discarded (never the main thread). Linux sends a
// child's parent-death signal (SysProcAttr.Pdeathsig) when the thread that
// started the child ends, so children started with Pdeathsig from an
// unlocked goroutine may be signalled by such a scan. Start them from a
// goroutine locked to its thread (runtime.LockOSThread) if that matters.
package discover
