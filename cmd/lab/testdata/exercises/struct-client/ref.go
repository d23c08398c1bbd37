//go:build ignore

// struct-client, reference solution in Go (demo 5): sends whoami, ls -l and
// pwd one at a time, reads each answer as a 4-byte little-endian length
// (Python's struct.pack('i', n)) and exactly n bytes with io.ReadFull,
// however the bytes are cut on the way, and writes each answer's bytes to
// stdout unchanged. Nothing else goes to stdout.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
)

var commands = []string{"whoami", "ls -l", "pwd"}

const limit = 64 << 20 // never allocate from a nonsense length

// address is the lab's: argv {host} {port}, argv {port}, or LAB_HOST / LAB_PORT.
func address() string {
	host, port := os.Getenv("LAB_HOST"), os.Getenv("LAB_PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "9000"
	}
	if args := os.Args[1:]; len(args) >= 2 {
		host, port = args[0], args[1]
	} else if len(args) == 1 {
		port = args[0]
	}
	return net.JoinHostPort(host, port)
}

func run() error {
	conn, err := net.Dial("tcp", address())
	if err != nil {
		return err
	}
	defer conn.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, cmd := range commands {
		if _, err := conn.Write([]byte(cmd)); err != nil { // client.sendall(cmd.encode())
			return err
		}
		var header [4]byte
		if _, err := io.ReadFull(conn, header[:]); err != nil { // a receive-exactly loop
			return fmt.Errorf("%q: header: %w", cmd, err)
		}
		n := int32(binary.LittleEndian.Uint32(header[:])) // struct.unpack('i', header)[0]
		if n < 0 || n > limit {
			return fmt.Errorf("%q: header % x: length %d is not a size", cmd, header, n)
		}
		if _, err := io.CopyN(out, conn, int64(n)); err != nil {
			return fmt.Errorf("%q: output: %w", cmd, err)
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "struct-client:", err)
		os.Exit(1)
	}
}
