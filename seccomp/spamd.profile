role: spamd (id 5)
helper: qscan-spamd
user: qscan-spamd (default; own uid and gid, no supplementary groups, no capabilities)
namespaces: user pid net ipc mount (clone flags 0x78020000)
descriptors: 0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; the spool file arrives on it); 2 log pipe; 3 the spamd socket the broker connected (unix or TCP); all others closed
rlimits (soft hard; when; why):
  RLIMIT_CORE     0 0; before exec, by the spawner; no core files: they would hold message bytes
  RLIMIT_NOFILE   16 16; before exec, by the spawner, but not for a zygote: its children set it after their fork; the fixed descriptors, the spamd socket and the message in hand
  RLIMIT_AS       268435456 268435456; before exec, by the spawner; records, one 64 KiB send buffer and one 64 KiB reply; the message is read by offset and sent, never parsed here
  RLIMIT_CPU      30 31; before exec, by the spawner, but not for a zygote: its children set it after their fork; the soft limit's SIGXCPU is ignored (pid 1 of its namespace, no handler); the hard limit's SIGKILL one second later ends it, read as a limit, not a crash
  RLIMIT_FSIZE    0 0; before exec, by the spawner; writes no file: only the request on the socket and records
  RLIMIT_MEMLOCK  0 0; before exec, by the spawner; no pinned memory
  RLIMIT_NPROC    0 0; after exec, by sandbox_role_lockdown; no processes; after exec, since execve fails with EAGAIN when NPROC is exceeded
outer filter (the spawner installs it before exec; default allow; arch x86_64 only, other arches and x32 kill the process):
  kill process  socket (41) if arg0 domain != AF_UNIX [!= 0x1, 64 bits]
      why: no network: only AF_UNIX (checked on all 64 bits)
  kill process  socketpair (53) if arg0 domain != AF_UNIX [!= 0x1, 64 bits]
      why: no network protocol families
  kill process  clone (56) if arg0 flags & CLONE_NEWUSER == CLONE_NEWUSER [& 0x10000000 == 0x10000000]
      why: no new namespaces: user namespaces open kernel attack surface
  kill process  clone (56) if arg0 flags & CLONE_NEWNS == CLONE_NEWNS [& 0x20000 == 0x20000]
      why: no new namespaces
  kill process  clone (56) if arg0 flags & CLONE_NEWPID == CLONE_NEWPID [& 0x20000000 == 0x20000000]
      why: no new namespaces
  kill process  clone (56) if arg0 flags & CLONE_NEWNET == CLONE_NEWNET [& 0x40000000 == 0x40000000]
      why: no new namespaces
  kill process  clone (56) if arg0 flags & CLONE_NEWIPC == CLONE_NEWIPC [& 0x8000000 == 0x8000000]
      why: no new namespaces
  kill process  clone (56) if arg0 flags & CLONE_NEWUTS == CLONE_NEWUTS [& 0x4000000 == 0x4000000]
      why: no new namespaces
  kill process  clone (56) if arg0 flags & CLONE_NEWCGROUP == CLONE_NEWCGROUP [& 0x2000000 == 0x2000000]
      why: no new namespaces
  errno ENOSYS  clone3 (435)
      why: flags in memory seccomp cannot read; glibc falls back to clone
  kill process  ioctl (16) if arg1 request & 0xffffffffu == TIOCSTI [& 0xffffffff == 0x5412]
      why: no typing into a terminal (CVE-2017-5226)
  kill process  ioctl (16) if arg1 request & 0xffffffffu == TIOCLINUX [& 0xffffffff == 0x541c]
      why: no console selection paste
  kill process  ptrace (101)
      why: no reaching into other processes
  kill process  process_vm_readv (310)
      why: no reading another process
  kill process  process_vm_writev (311)
      why: no writing another process
  kill process  pidfd_getfd (438)
      why: no stealing another process's descriptors
  kill process  kcmp (312)
      why: no probing another process's kernel objects
  kill process  mount (165)
      why: the mount namespace is the spawner's
  kill process  umount2 (166)
      why: the mount namespace is the spawner's
  kill process  pivot_root (155)
      why: the mount namespace is the spawner's
  kill process  chroot (161)
      why: the root is the spawner's
  kill process  open_tree (428)
      why: new mount API
  kill process  move_mount (429)
      why: new mount API
  kill process  fsopen (430)
      why: new mount API
  kill process  fsconfig (431)
      why: new mount API
  kill process  fsmount (432)
      why: new mount API
  kill process  fspick (433)
      why: new mount API
  kill process  mount_setattr (442)
      why: new mount API
  kill process  setns (308)
      why: no joining other namespaces
  kill process  unshare (272)
      why: no new namespaces
  kill process  bpf (321)
      why: kernel attack surface (verifier, maps)
  kill process  perf_event_open (298)
      why: kernel attack surface, side channels
  kill process  userfaultfd (323)
      why: stalls the kernel at will: exploit helper
  kill process  io_uring_setup (425)
      why: io_uring runs syscalls seccomp never sees
  kill process  io_uring_enter (426)
      why: as io_uring_setup
  kill process  io_uring_register (427)
      why: as io_uring_setup
  kill process  keyctl (250)
      why: kernel keyrings are shared state
  kill process  add_key (248)
      why: kernel keyrings are shared state
  kill process  request_key (249)
      why: kernel keyrings, may call user helpers
  kill process  kexec_load (246)
      why: replacing the kernel
  kill process  kexec_file_load (320)
      why: replacing the kernel
  kill process  init_module (175)
      why: loading kernel code
  kill process  finit_module (313)
      why: loading kernel code
  kill process  delete_module (176)
      why: unloading kernel code
  kill process  swapon (167)
      why: host administration
  kill process  swapoff (168)
      why: host administration
  kill process  reboot (169)
      why: host administration
  kill process  acct (163)
      why: host administration
  kill process  sethostname (170)
      why: host administration
  kill process  setdomainname (171)
      why: host administration
  kill process  settimeofday (164)
      why: the host's clock
  kill process  clock_settime (227)
      why: the host's clock
  kill process  clock_adjtime (305)
      why: the host's clock
  kill process  adjtimex (159)
      why: the host's clock
  kill process  open_by_handle_at (304)
      why: bypasses paths and mounts (the shocker container escape)
  kill process  name_to_handle_at (303)
      why: companion of open_by_handle_at
  kill process  personality (135)
      why: READ_IMPLIES_EXEC and layout switches
  kill process  quotactl (179)
      why: host administration
  kill process  quotactl_fd (443)
      why: host administration
  kill process  lookup_dcookie (212)
      why: kernel profiling interface
  kill process  syslog (103)
      why: the kernel log leaks addresses
  kill process  uselib (134)
      why: obsolete library loading
  kill process  vhangup (153)
      why: terminal control
  kill process  iopl (172)
      why: raw hardware access
  kill process  ioperm (173)
      why: raw hardware access
  kill process  modify_ldt (154)
      why: x86 segment tricks, exploit helper
  kill process  fanotify_init (300)
      why: watching the host's files
  kill process  mknod (133)
      why: device nodes
  kill process  mknodat (259)
      why: device nodes
landlock: no-files (required; every right the kernel's ABI knows is handled, none granted)
  file system rights handled:
    - fs.execute                   (ABI >= 1)
    - fs.write_file                (ABI >= 1)
    - fs.read_file                 (ABI >= 1)
    - fs.read_dir                  (ABI >= 1)
    - fs.remove_dir                (ABI >= 1)
    - fs.remove_file               (ABI >= 1)
    - fs.make_char                 (ABI >= 1)
    - fs.make_dir                  (ABI >= 1)
    - fs.make_reg                  (ABI >= 1)
    - fs.make_sock                 (ABI >= 1)
    - fs.make_fifo                 (ABI >= 1)
    - fs.make_block                (ABI >= 1)
    - fs.make_sym                  (ABI >= 1)
    - fs.refer                     (ABI >= 2)
    - fs.truncate                  (ABI >= 3)
    - fs.ioctl_dev                 (ABI >= 5)
  network rights handled:
    - net.bind_tcp                 (ABI >= 4)
    - net.connect_tcp              (ABI >= 4)
  scoped (denied across the domain boundary):
    - scope.abstract_unix_socket   (ABI >= 6)
    - scope.signal                 (ABI >= 6)
final filter (the role installs it at lockdown, before reading the message; default kill process; arch x86_64 only, other arches and x32 kill the process):
 common to every role:
  allow         exit (60)
      why: a thread ends (glibc's _exit falls back to it)
  allow         exit_group (231)
      why: the role ends: _exit() after REC_END or on failure
  allow         rt_sigreturn (15)
      why: return from a signal handler the kernel set up
  allow         read (0)
      why: read the descriptors the role was given
  replaced      write (1): spamd's own entries below replace this one
  allow         close (3)
      why: release descriptors (GMime streams, memfds after sending)
  allow         brk (12)
      why: malloc grows and trims the heap
  allow         mmap (9) if arg2 prot & PROT_EXEC == 0 [& 0x4 == 0x0]
      why: malloc's large blocks; nothing executable is mapped after lockdown (W^X: no code can be brought in)
  allow         mprotect (10) if arg2 prot & PROT_EXEC == 0 [& 0x4 == 0x0]
      why: malloc's arena growth; never to make memory executable
  allow         munmap (11)
      why: free() returns large blocks
  allow         mremap (25)
      why: realloc() of large blocks (GMime, GLib byte arrays)
  allow         madvise (28) if arg2 advice == MADV_DONTNEED [== 0x4, 64 bits]
      why: free() of non-main arena memory; only gives pages back
  allow         madvise (28) if arg2 advice == MADV_FREE [== 0x8, 64 bits]
      why: malloc trimming; only gives pages back
  allow         futex (202) if arg1 op & ~FUTEX_CLOCK_REALTIME == FUTEX_WAIT_PRIVATE [& 0xfffffffffffffeff == 0x80]
      why: glibc and GLib locks, process-private only
  allow         futex (202) if arg1 op & ~FUTEX_CLOCK_REALTIME == FUTEX_WAKE_PRIVATE [& 0xfffffffffffffeff == 0x81]
      why: glibc and GLib locks, process-private only (one-time init wakes)
  allow         futex (202) if arg1 op & ~FUTEX_CLOCK_REALTIME == FUTEX_WAIT_BITSET_PRIVATE [& 0xfffffffffffffeff == 0x89]
      why: glibc condition variables and timed lock waits, process-private
  allow         getpid (39)
      why: abort() -> raise() addresses its own pid
  allow         gettid (186)
      why: abort() -> raise() addresses its own thread
  allow         rt_sigprocmask (14)
      why: abort() blocks signals around raise()
  allow         tgkill (234) if arg0 tgid == own pid [== getpid() at lockdown, 64 bits] and arg2 sig == SIGABRT [== 0x6, 64 bits]
      why: abort() -> raise(SIGABRT) reaches the lockdown's handler, which exits 76 (aborted, not a violation: a role is pid 1 of its pid namespace, where its own unhandled SIGABRT is ignored); only at itself: a warm child shares its zygote's pid namespace, where the zygote is pid 1 (docs/warm.md); other processes are out of reach (pid namespace, Landlock signal scope, own uid)
  allow         sendmsg (46) if arg0 fd == ROLE_FD_RECORDS [== 0x1, 64 bits] and arg2 flags == MSG_NOSIGNAL [== 0x4000, 64 bits]
      why: records to the broker (rec_send), sealed memfds attached; only on the records socket
  errno EACCES  open (2)
      why: soft: gconv and zoneinfo probes degrade instead of dying; Landlock would refuse the open anyway
  errno EACCES  openat (257)
      why: soft: a charset module nobody pre-loaded (GMime goes on without it)
  errno EACCES  stat (4)
      why: soft: path probes of libraries
  errno EACCES  lstat (6)
      why: soft: path probes of libraries
  errno EACCES  newfstatat (262)
      why: soft: gconv hwcaps probes; glibc's fstat() is newfstatat too, so a role must fstat before lockdown
  errno EACCES  statx (332)
      why: soft: path probes of libraries
  errno EACCES  access (21)
      why: soft: path probes of libraries
  errno EACCES  faccessat (269)
      why: soft: path probes of libraries
  errno EACCES  faccessat2 (439)
      why: soft: glibc's access() on new kernels
  errno ENOSYS  clone3 (435)
      why: its flags live in memory seccomp cannot read; ENOSYS makes glibc fall back to clone, which kills
 spamd only:
  allow         write (1) if arg0 fd == ROLE_FD_LOG [== 0x2, 64 bits]
      why: log lines on fd 2 only: spamd gets send(), and the role creates no files
  allow         recvfrom (45) if arg0 fd == ROLE_FD_PEER [== 0x3, 64 bits] and arg3 flags == MSG_DONTWAIT [== 0x40, 64 bits]
      why: spamd's reply (recv() with MSG_DONTWAIT after poll): only fd 3
  allow         sendto (44) if arg0 fd == ROLE_FD_PEER [== 0x3, 64 bits] and arg3 flags == MSG_DONTWAIT | MSG_NOSIGNAL [== 0x4040, 64 bits] and arg4 dest_addr == 0 [== 0x0, 64 bits]
      why: the SYMBOLS request and the message (send()): only fd 3, never blocking, never SIGPIPE, no address
  allow         recvmsg (47) if arg0 fd == ROLE_FD_RECORDS [== 0x1, 64 bits] and arg2 flags == MSG_CMSG_CLOEXEC [== 0x40000000, 64 bits]
      why: REC_SCAN from the broker with the spool file (role_recv); only on the records socket
  allow         poll (7) if arg1 nfds == 1 [== 0x1, 64 bits]
      why: waiting for spamd (fd 3) with the read timeout: one descriptor
  allow         pread64 (17) if arg0 fd in ROLE_FD_PEER + 1 .. SPAMD_NOFILE - 1 [4..15, 64 bits, as aligned masked blocks]
      why: reads the message by offset; never the fixed fds
 killed by the default action (listed for the reader, not compiled):
  kill process  execve (59)
      why: no new program, ever
  kill process  execveat (322)
      why: no new program, ever
  kill process  clone (56)
      why: no process or thread: one role, one process (fork too)
  kill process  fork (57)
      why: no process
  kill process  vfork (58)
      why: no process
  kill process  socket (41)
      why: no new endpoint: the broker hands out every socket
  kill process  socketpair (53)
      why: no new endpoint
  kill process  connect (42)
      why: no choosing where to connect
  kill process  ptrace (101)
      why: no reaching into processes
  kill process  kill (62)
      why: no signals to anyone
  kill process  tkill (200)
      why: no signals to anyone
  kill process  process_vm_readv (310)
      why: no reading others
  kill process  process_vm_writev (311)
      why: no writing others
  kill process  bpf (321)
      why: kernel attack surface
  kill process  io_uring_setup (425)
      why: io_uring runs syscalls seccomp never sees
  kill process  io_uring_enter (426)
      why: as io_uring_setup
  kill process  io_uring_register (427)
      why: as io_uring_setup
  kill process  prlimit64 (302)
      why: limits stay as set
  kill process  prctl (157)
      why: the sandbox is final
bpf (libseccomp 2.5.4, x86_64):
  outer: 104 instructions, sha256 ab7c1c1945455298153a175aad7888da61bd4ce9bfa4b267b7abe042d830843b
  final: 120 instructions, sha256 fd53f06a44feabbdcc76baad2e8af44720830b20e8917d3045af5352c4d874fa
