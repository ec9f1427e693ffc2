//go:build !linux

package devpg

import "syscall"

// setParentDeathSignal is a no-op where the kernel has no parent-death signal: a killed
// parent leaves the postmaster running, and the next Start reuses it.
func setParentDeathSignal(*syscall.SysProcAttr, syscall.Signal) {}
