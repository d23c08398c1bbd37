package lab

import "net"

// sendOnce on Windows uses Go's Write, which loops until all is sent: the
// short count of a single send() cannot be shown here, and the lab cannot
// tell when a writer waits for room, so it never reports it as blocked.
func sendOnce(c net.Conn, b []byte, blocked func(bool)) (int, error) { return c.Write(b) }

// sendAll writes all of b with Go's Write.
func sendAll(c net.Conn, b []byte, blocked func(bool)) (int, error) { return c.Write(b) }
