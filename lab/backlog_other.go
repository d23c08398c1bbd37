//go:build !linux

package lab

// SystemBacklog is the longest accept queue the system grants a listen():
// a classroom server asks for it. (On macOS the kernel caps it at
// kern.ipc.somaxconn; Windows takes what it is given.)
func SystemBacklog() int { return 4096 }
