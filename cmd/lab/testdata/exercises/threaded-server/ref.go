//go:build ignore

// threaded-server, reference solution in Go (demo 11): every message
// comes back upper-cased the way Python's bytes.upper() does it (ASCII
// letters only), and every client is served at once: a goroutine per
// connection, the tutorial's ThreadingTCPServer. A client that leaves,
// resets or stops reading ends only its own connection.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

// address is where to listen: argv {host} {port}, argv {port}, or
// LAB_HOST / LAB_PORT.
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

// upper is bytes.upper(): a-z become A-Z, every other byte stays.
func upper(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func serve(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 65536)
	for {
		n, err := conn.Read(buf) // data = conn.recv(65536)
		if n > 0 {
			if _, werr := conn.Write(upper(buf[:n])); werr != nil { // sendall: Write loops
				fmt.Println("client went away:", werr)
				return
			}
		}
		if err != nil { // io.EOF is b''; a reset is an error: both end this client
			return
		}
	}
}

func main() {
	ln, err := net.Listen("tcp", address())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			time.Sleep(100 * time.Millisecond) // out of file descriptors: wait, do not spin
			continue
		}
		fmt.Println("client", conn.RemoteAddr())
		go serve(conn) // a goroutine per connection: the next accept() comes at once
	}
}
