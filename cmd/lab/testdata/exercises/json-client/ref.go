//go:build ignore

// json-client, reference solution in Go (demo 6): sends whoami, ls -l and
// pwd one at a time and reads each answer in three parts with io.ReadFull,
// however the bytes are cut on the way: a 4-byte little-endian length h
// (Python's struct.pack('i', h)), h bytes of JSON with "datasize", then
// exactly datasize bytes, written to stdout unchanged. Nothing else goes to
// stdout.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
)

var commands = []string{"whoami", "ls -l", "pwd"}

const (
	limit       = 64 << 20 // never allocate from a nonsense length
	headerLimit = 64 << 10
)

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
		var head [4]byte
		if _, err := io.ReadFull(conn, head[:]); err != nil { // a receive-exactly loop
			return fmt.Errorf("%q: header length: %w", cmd, err)
		}
		h := int32(binary.LittleEndian.Uint32(head[:])) // struct.unpack('i', head)[0]
		if h <= 0 || h > headerLimit {
			return fmt.Errorf("%q: header length % x: %d is not a header's size", cmd, head, h)
		}
		obj := make([]byte, h)
		if _, err := io.ReadFull(conn, obj); err != nil {
			return fmt.Errorf("%q: header: %w", cmd, err)
		}
		var header struct {
			DataSize *int64 `json:"datasize"`
		}
		if err := json.Unmarshal(obj, &header); err != nil || header.DataSize == nil {
			return fmt.Errorf("%q: header %q has no datasize", cmd, obj)
		}
		n := *header.DataSize
		if n < 0 || n > limit {
			return fmt.Errorf("%q: datasize %d is not a size", cmd, n)
		}
		if _, err := io.CopyN(out, conn, int64(n)); err != nil {
			return fmt.Errorf("%q: output: %w", cmd, err)
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "json-client:", err)
		os.Exit(1)
	}
}
