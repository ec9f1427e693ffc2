package devpg

import "syscall"

// setParentDeathSignal asks the kernel to send sig to the child when the thread that
// started it dies, so a crashed or killed parent does not leave an orphaned postmaster.
func setParentDeathSignal(attr *syscall.SysProcAttr, sig syscall.Signal) {
	attr.Pdeathsig = sig
}
