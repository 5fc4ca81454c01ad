service: qscand's front and its workers (uid qscand, no capability, not dumpable)
service filter (the front installs it before it accepts a connection; its workers inherit it; default allow; arch x86_64 only, other arches and x32 kill the process):
  kill process  execve (59)
      why: a worker never execs: the hook runs qmail-queue, the monitor execs the zygotes
  kill process  execveat (322)
      why: as execve
  kill process  clone (56) if arg0 flags & CLONE_NEWUSER == CLONE_NEWUSER [& 0x10000000 == 0x10000000]
      why: no new namespaces: a worker only forks
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
  kill process  unshare (272)
      why: no new namespaces
  kill process  setns (308)
      why: no joining other namespaces
  kill process  ptrace (101)
      why: no reaching into the zygotes or the roles
  kill process  process_vm_readv (310)
      why: no reading another process
  kill process  process_vm_writev (311)
      why: no writing another process
  kill process  pidfd_getfd (438)
      why: no stealing a child's descriptors
  kill process  kcmp (312)
      why: no probing another process's kernel objects
  kill process  mount (165)
      why: the mount namespace is the host's
  kill process  umount2 (166)
      why: the mount namespace is the host's
  kill process  pivot_root (155)
      why: the mount namespace is the host's
  kill process  chroot (161)
      why: the root is the host's
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
  kill process  personality (135)
      why: READ_IMPLIES_EXEC and layout switches
  kill process  setuid (105)
      why: no capability to change ids: trying is an attack
  kill process  setgid (106)
      why: as setuid
  kill process  setreuid (113)
      why: as setuid
  kill process  setregid (114)
      why: as setuid
  kill process  setresuid (117)
      why: as setuid
  kill process  setresgid (119)
      why: as setuid
  kill process  setfsuid (122)
      why: as setuid
  kill process  setfsgid (123)
      why: as setuid
  kill process  setgroups (116)
      why: as setuid
  kill process  capset (126)
      why: no capability to gain
  kill process  open_by_handle_at (304)
      why: bypasses paths and mounts
  kill process  name_to_handle_at (303)
      why: companion of open_by_handle_at
  kill process  modify_ldt (154)
      why: x86 segment tricks, exploit helper
  kill process  iopl (172)
      why: raw hardware access
  kill process  ioperm (173)
      why: raw hardware access
  kill process  swapon (167)
      why: host administration
  kill process  swapoff (168)
      why: host administration
  kill process  reboot (169)
      why: host administration
  kill process  syslog (103)
      why: the kernel log leaks addresses
  kill process  uselib (134)
      why: obsolete library loading
  kill process  mknod (133)
      why: device nodes
  kill process  mknodat (259)
      why: device nodes
bpf (libseccomp 2.5.4, x86_64):
  service: 91 instructions, sha256 506643acfb5f7e1a1ba81f1ffc1895e51b13d243fec0070605aad3c7e457b601
