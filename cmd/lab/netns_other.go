//go:build !linux

package main

import "io"

// inNetns reports whether the lab runs in a namespace it made: only on Linux.
func inNetns() bool { return false }

// reexecInNetns cannot make a network namespace here.
func reexecInNetns([]string, io.Reader, io.Writer, io.Writer) (int, bool) { return 0, false }

// setupNetns has nothing to do here.
func setupNetns() error { return nil }

const netnsUnusable = 97
