// Package monitor observes add-ins: it samples the CPU and memory of each add-in's
// process tree, tracks activations from start to ready, failure, timeout, end or crash,
// and finds add-in host processes that do not report their pids. It produces
// governance observations (governance.Sample, governance.Activation, governance.Crash)
// and makes no decisions.
//
// # Sampler
//
// An add-in is bound to processes, each identified by (pid, creation time) so that a
// later process reusing the pid is never attributed to it. A tick costs in proportion
// to the bound trees, not to the machine: each process in a bound tree is read once,
// through a handle kept per pid between ticks (on Linux its open /proc/<pid>/stat,
// whose one read gives CPU times, memory, state and start time; on Windows an open
// process handle), and its children are listed from its own
// /proc/<pid>/task/<tid>/children files. Only where the system keeps no such list
// (Windows, or a Linux kernel without CONFIG_PROC_CHILDREN) is the whole process table
// read, once per tick (on Windows one Toolhelp snapshot). A tree is the bound processes
// and all their descendants; a descendant must not be older than its parent.
//
//   - CPU is percent of one core (200 means two full cores): the tree's user plus system
//     CPU time used since the previous tick divided by the wall time between the ticks.
//     A process seen for the first time adds no CPU on that tick (there is nothing to
//     take a difference from); from its second tick on it counts. The first sample of a
//     newly bound add-in therefore has CPU 0.
//   - Memory is MemoryKind: the resident set outside Windows, the private commit on
//     Windows. Device memory (total, percent used) is read once per tick.
//   - A bound process that no longer exists, or whose pid now names a process with
//     another creation time, or that exited and awaits reaping (a Unix zombie), is
//     reported as an Exit and unbound. Its exit code comes from SamplerOptions.ExitCodes
//     when the daemon launched and reaped it, else it is -1.
//   - When no add-in is bound, Tick reads nothing.
//
// # Tracker
//
// A Tracker turns host reports into activations: Start, then exactly one of Ready or
// Fail, or a timeout from Expire after governance.HostUnresponsive. End marks a normal
// close. Crashes turns the sampler's exits into crashes: an exit of a process with a
// live activation (started or ready, not ended) is a crash. Activation ids are
// "act-<n>-<12 hex digits>"; unknown ids give ErrUnknownActivation, a second outcome
// gives ErrActivationFinished. Latencies are measured on the monotonic clock. Call
// Expire on every tick: it also forgets activations finished more than ten minutes ago.
//
// # Discovery
//
// Hosts that do not report pids are found by rules in the daemon's JSON config file,
// under the top-level key "discovery" (other keys belong to other parts of the daemon):
//
//	{
//	  "discovery": [
//	    {
//	      "executable": "outlook-addin-host.exe",
//	      "path": "C:\\Program Files\\Contoso\\outlook-addin-host.exe",
//	      "cmdline": "--addin=(?P<id>[a-z0-9-]+)"
//	    }
//	  ]
//	}
//
// "executable" (required) is the program's file name, compared case-insensitively with
// the base name of the process's executable or first argument (under Wine only the
// latter names the Windows program). "path" (optional) requires the executable to be
// that exact file (Windows paths compare case-insensitively); without it a renamed copy
// of any program matches, so set it where local users are not trusted. "cmdline" (required) is a Go regular expression over the
// command line whose "id" group captures the add-in id; every match binds, so a host
// serving several add-ins binds to each. Unknown keys inside a rule are errors.
package monitor
