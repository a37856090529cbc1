"""The children's seccomp filter: a classic-BPF program, built here as bytes, that the kernel runs
on every system call of the child (and of anything it could ever start).

What it refuses (``EPERM``; ``ENOSYS`` for ``clone3``, so the C library falls back to ``clone``,
whose flags the filter can see):

* leaving or reshaping the sandbox: ``mount``, ``umount2``, the new mount API (``open_tree``,
  ``move_mount``, ``fsopen``, ``fsmount``, ``mount_setattr`` ...), ``pivot_root``, ``chroot``,
  ``unshare``, ``setns``, ``clone`` with a namespace flag;
* reaching other processes: ``ptrace``, ``process_vm_readv``/``writev``, ``kcmp``,
  ``pidfd_open``/``getfd``/``send_signal``; ``kill``, ``tkill``, ``tgkill`` and
  ``rt_(tg)sigqueueinfo`` unless aimed at the child itself; ``prlimit64``,
  ``sched_setaffinity``, ``sched_setscheduler``, ``sched_setparam`` and ``sched_setattr``
  unless aimed at itself (pid 0 or its own), ``setpriority`` and ``ioprio_set`` unless aimed at
  this one process -- every child has the same uid, so without this a child could lower the
  limits or the priority of another (in a batch, another student's) until it fails or times
  out; ``fcntl(F_SETOWN[_EX])`` and the ``ioctl`` equivalents (a SIGIO aimed elsewhere),
  ``TIOCSTI``; ``prctl(PR_SET_DUMPABLE)``;
* signalling between children through a file they all see (NumPy's, the standard library's;
  read-only for them, but a lock or a watch needs only reading): ``flock``, the ``fcntl`` locks
  (``F_GETLK``/``F_SETLK``/``F_SETLKW`` and their ``F_OFD_`` forms), leases (``F_SETLEASE``),
  directory notices (``F_NOTIFY``) and ``inotify`` -- without this, one student's hidden children
  could pass their inputs to a classmate's public children graded at the same time in a batch --,
  and a file system's usage (``statfs``, ``fstatfs``, ``ustat``: the free space of the one its job
  and submission live on moves with every child's results);
* running another program (``execve``, ``execveat``); ``socket`` of any family, ``AF_UNIX``
  included: a socket's file on the host (the docker daemon's, a D-Bus bus, an agent's) is
  reached by its path whatever the network namespace, and a grader run by an ordinary user
  keeps that user's groups in its children (``socketpair`` stays: it reaches no one);
* the kernel's own business (modules, kexec, reboot, swap, clocks, keys, BPF, perf events,
  ``userfaultfd``, ``io_uring`` -- whose operations never pass this filter --, file handles,
  quotas, ``personality``, ``syslog`` ...);
* any call of another ABI (``int 0x80`` i386 calls, x32) than the child's own.

The same idea as the filters of bubblewrap, nsjail, minijail or Docker's default profile (a deny
list over a default of allow), written here from the kernel's documentation
(``Documentation/userspace-api/seccomp_filter.rst``): ``struct seccomp_data`` is ``nr`` (u32),
``arch`` (u32), ``instruction_pointer`` (u64), ``args[6]`` (u64 each).  Argument checks read the
low 32 bits of an argument (the kernel takes ``pid_t``, ``int`` and ``unsigned int`` arguments
from there).  Standard library only; x86-64 and AArch64 (elsewhere :func:`program` says None).
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

# BPF opcodes (linux/filter.h, linux/bpf_common.h)
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
OFF_NR, OFF_ARCH = 0, 4


def _arg(n: int) -> int:
    """Offset of the low 32 bits of argument ``n`` (little endian)."""
    return 16 + 8 * n


@dataclass(frozen=True)
class Arch:
    """One architecture: its audit value, the calls refused outright, those checked."""

    audit: int
    x32_bit: int | None  # numbers from here on belong to another ABI (x32)
    deny: tuple[int, ...]
    self_signal: tuple[int, ...]  # kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo
    #: prlimit64 sched_setaffinity sched_setscheduler sched_setparam sched_setattr: first
    #: argument a pid, 0 meaning the caller
    self_or_zero: tuple[int, ...]
    #: setpriority, ioprio_set: (which, who); "this process" is which = PRIO_PROCESS (0) or
    #: IOPRIO_WHO_PROCESS (1)
    priority: tuple[tuple[int, int], ...]
    checked: dict[str, int]  # clone, fcntl, ioctl, prctl
    #: flock, inotify_init1, inotify_add_watch, statfs, fstatfs (and x86's inotify_init, ustat)
    shared_files: tuple[int, ...]


# fmt: off
ARCHES = {
    # mount umount2 pivot_root chroot unshare setns ptrace process_vm_readv process_vm_writev
    # kcmp execve execveat bpf perf_event_open userfaultfd keyctl add_key request_key
    # init_module finit_module delete_module kexec_load kexec_file_load reboot swapon swapoff
    # acct open_by_handle_at name_to_handle_at quotactl settimeofday clock_settime
    # clock_adjtime adjtimex sethostname setdomainname syslog vhangup personality
    # fanotify_init migrate_pages move_pages lookup_dcookie socket (then x86's iopl ioperm
    # modify_ldt uselib), from asm/unistd_64.h and asm-generic/unistd.h.
    "x86_64": Arch(
        audit=0xC000003E,
        x32_bit=0x40000000,
        deny=(165, 166, 155, 161, 272, 308, 101, 310, 311, 312, 59, 322, 321, 298, 323, 250,
              248, 249, 175, 313, 176, 246, 320, 169, 167, 168, 163, 304, 303, 179, 164, 227,
              305, 159, 170, 171, 103, 153, 135, 300, 256, 279, 212, 41, 172, 173, 154, 134),
        self_signal=(62, 200, 234, 129, 297),
        self_or_zero=(302, 203, 144, 142, 314),
        priority=((141, 0), (251, 1)),
        checked={"clone": 56, "fcntl": 72, "ioctl": 16, "prctl": 157},
        shared_files=(73, 294, 254, 137, 138, 253, 136),
    ),
    "aarch64": Arch(
        audit=0xC00000B7,
        x32_bit=None,
        deny=(40, 39, 41, 51, 97, 268, 117, 270, 271, 272, 221, 281, 280, 241, 282, 219, 217,
              218, 105, 273, 106, 104, 294, 142, 224, 225, 89, 265, 264, 60, 170, 112, 266,
              171, 161, 162, 116, 58, 92, 262, 238, 239, 18, 198),
        self_signal=(129, 130, 131, 138, 240),
        self_or_zero=(261, 122, 119, 118, 274),
        priority=((140, 0), (30, 1)),
        checked={"clone": 220, "fcntl": 25, "ioctl": 29, "prctl": 167},
        shared_files=(32, 26, 27, 43, 44),
    ),
}
# fmt: on
#: pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree move_mount fsopen
#: fsconfig fsmount fspick pidfd_open pidfd_getfd mount_setattr quotactl_fd open_tree_attr
COMMON_DENY = (424, 425, 426, 427, 428, 429, 430, 431, 432, 433, 434, 438, 442, 443, 467)
CLONE3 = 435
#: CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
CLONE_NAMESPACES |= 0x20000000 | 0x40000000
F_SETOWN, F_SETOWN_EX = 8, 15
#: F_GETLK F_SETLK F_SETLKW F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_SETLEASE F_NOTIFY
#: (asm-generic/fcntl.h, linux/fcntl.h: the same numbers on both architectures)
FCNTL_LOCKS = (5, 6, 7, 36, 37, 38, 1024, 1026)
TIOCSTI, FIOSETOWN, SIOCSPGRP = 0x5412, 0x8901, 0x8902
PR_SET_DUMPABLE = 4
#: What the report says the filter refuses (the sockets' part said only where a socket was
#: measured to be refused).
SUMMARY_WITHOUT_SOCKETS = (
    "seccomp filter: no mount, umount, unshare, setns, chroot, ptrace, process_vm_readv/writev, "
    "pidfd, execve, io_uring, BPF, kernel keys or modules; no file locks, leases, file "
    "watches (flock, fcntl locks, inotify, dnotify) or file-system usage (statfs); signals, "
    "prlimit, priorities, scheduling and CPU affinity only for itself"
)
SUMMARY = SUMMARY_WITHOUT_SOCKETS + "; no sockets (not even AF_UNIX)"


Instruction = list[int | str]  # [code, jt, jf, k]; a jump target may be a label


def _ins(code: int, k: int, jt: int | str = 0, jf: int | str = 0) -> Instruction:
    return [code, jt, jf, k]


def _checks(pid: int) -> dict[str, list[Instruction]]:
    """The blocks a jump may go to, by label."""
    return {
        "self": [_ins(LD_W_ABS, _arg(0)), _ins(JEQ, pid, "allow", "deny")],
        "self_or_zero": [
            _ins(LD_W_ABS, _arg(0)),
            _ins(JEQ, 0, "allow", 0),
            _ins(JEQ, pid, "allow", "deny"),
        ],
        # (which, who): which is checked at the jump here; who must be 0 or this process
        "who": [_ins(LD_W_ABS, _arg(1)), _ins(JEQ, 0, "allow", 0), _ins(JEQ, pid, "allow", "deny")],
        "clone": [_ins(LD_W_ABS, _arg(0)), _ins(JSET, CLONE_NAMESPACES, "deny", "allow")],
        "fcntl": [
            _ins(LD_W_ABS, _arg(1)),
            *(_ins(JEQ, cmd, "deny", 0) for cmd in (F_SETOWN, *FCNTL_LOCKS)),
            _ins(JEQ, F_SETOWN_EX, "deny", "allow"),
        ],
        "ioctl": [
            _ins(LD_W_ABS, _arg(1)),
            *(_ins(JEQ, cmd, "deny", 0) for cmd in (TIOCSTI, FIOSETOWN)),
            _ins(JEQ, SIOCSPGRP, "deny", "allow"),
        ],
        "prctl": [_ins(LD_W_ABS, _arg(0)), _ins(JEQ, PR_SET_DUMPABLE, "deny", "allow")],
        "allow": [_ins(RET, RET_ALLOW)],
        "deny": [_ins(RET, RET_ERRNO | errno.EPERM)],
        "nosys": [_ins(RET, RET_ERRNO | errno.ENOSYS)],
    }


def _instructions(arch: Arch, pid: int) -> list[Instruction]:
    """The whole program, jump targets resolved to offsets."""
    prog = [_ins(LD_W_ABS, OFF_ARCH), _ins(JEQ, arch.audit, 0, "nosys"), _ins(LD_W_ABS, OFF_NR)]
    if arch.x32_bit is not None:
        prog.append(_ins(JGE, arch.x32_bit, "nosys", 0))
    denied = sorted({*arch.deny, *arch.shared_files, *COMMON_DENY})
    prog += [_ins(JEQ, nr, "deny", 0) for nr in denied]
    prog.append(_ins(JEQ, CLONE3, "nosys", 0))
    prog += [_ins(JEQ, nr, "self", 0) for nr in arch.self_signal]
    prog += [_ins(JEQ, nr, "self_or_zero", 0) for nr in arch.self_or_zero]
    for nr, this_process in arch.priority:  # which must say "one process" (then who is checked)
        prog += [_ins(JEQ, nr, 0, 2), _ins(LD_W_ABS, _arg(0))]
        prog.append(_ins(JEQ, this_process, "who", "deny"))
    prog += [_ins(JEQ, nr, name, 0) for name, nr in arch.checked.items()]
    prog.append(_ins(RET, RET_ALLOW))
    starts: dict[str, int] = {}
    for label, block in _checks(pid).items():
        starts[label] = len(prog)
        prog += block
    for i, ins in enumerate(prog):  # a jump counts from the next instruction
        for j in (1, 2):
            target = ins[j]
            if isinstance(target, str):
                offset = starts[target] - i - 1
                if not 0 <= offset <= 255:
                    raise ValueError(f"a jump of {offset} instructions in the seccomp filter")
                ins[j] = offset
    return prog


def machine() -> str | None:
    """This machine's architecture name in :data:`ARCHES`, or None."""
    name = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name) if name else None


def program(pid: int, arch_name: str | None = None) -> bytes | None:
    """The filter for the process ``pid`` (the one it may signal) as an array of ``struct
    sock_filter`` (u16 code, u8 jt, u8 jf, u32 k), or None on an architecture not covered."""
    arch = ARCHES.get(arch_name or machine() or "")
    if arch is None:
        return None
    return b"".join(struct.pack("=HBBI", *ins) for ins in _instructions(arch, pid))
