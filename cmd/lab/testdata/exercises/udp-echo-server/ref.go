//go:build ignore

// udp-echo-server, reference solution in Go (demo 2): bind, then answer
// every datagram to its sender, upper-cased the way Python's bytes.upper()
// does it. A 65,535-byte buffer takes any datagram whole; an empty datagram
// is answered like any other.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"fmt"
	"net"
	"os"
)

// address is where to bind: argv {host} {port}, argv {port}, or
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

func main() {
	pc, err := net.ListenPacket("udp", address()) // server.bind(addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("bound to", pc.LocalAddr())
	buf := make([]byte, 65535)
	for {
		n, addr, err := pc.ReadFrom(buf) // data, addr = server.recvfrom(65535)
		if err != nil {
			fmt.Println("datagram error:", err)
			continue
		}
		if _, err := pc.WriteTo(upper(buf[:n]), addr); err != nil { // server.sendto(data.upper(), addr)
			fmt.Println("could not answer", addr, err)
		}
	}
}
