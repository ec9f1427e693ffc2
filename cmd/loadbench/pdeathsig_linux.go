package main

import "syscall"

// setParentDeathSignal has the kernel stop the server if the bench dies
// without stopping it (the thread that forks it stays locked for its life).
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGTERM
}
