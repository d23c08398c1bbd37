//go:build ignore

// reader-client, reference solution in Go (demo 3): the server sends one
// message and closes. Read 7 bytes at a time until EOF (an empty recv in Python),
// keep the raw bytes, and decode only the whole message: a 7-byte piece
// can end in the middle of a character. Prints the message once.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"unicode/utf8"
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
	var msg []byte
	buf := make([]byte, 7) // a small buffer, as in the tutorial
	for {
		n, err := conn.Read(buf) // data = client.recv(7)
		msg = append(msg, buf[:n]...)
		if errors.Is(err, io.EOF) { // b'': the whole message is here
			break
		}
		if err != nil {
			return err
		}
	}
	if !utf8.Valid(msg) {
		return fmt.Errorf("the %d bytes are not UTF-8", len(msg))
	}
	fmt.Println(string(msg)) // decode once, at the end
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reader-client:", err)
		os.Exit(1)
	}
}
