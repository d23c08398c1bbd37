//go:build ignore

// chat-server, reference solution in Go (demo 14): on accept a welcome
// line, then every message comes back with ",你好" added, and "q" ends the
// conversation (the server closes). A line end (\n or \r\n) ends a message:
// it is taken off before the echo and the q test and put back after ",你好".
// Bytes with no line end are a message once nothing more arrives for a
// moment (a program that sends "hello" and waits). A goroutine per client.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

const (
	welcome = "Welcome to the chat room. 欢迎来到聊天室！(q quits)\n"
	suffix  = ",你好"
	pause   = 200 * time.Millisecond // quiet that ends a message with no line end
	longest = 64 << 10               // a longer message is answered as it is
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

var errQuit = errors.New("q")

// answer echoes one message, or says it was q.
func answer(conn net.Conn, msg []byte, end string) error {
	if string(msg) == "q" {
		return errQuit
	}
	_, err := conn.Write(append(append(append([]byte(nil), msg...), suffix...), end...))
	return err
}

func chat(conn net.Conn) error {
	if _, err := conn.Write([]byte(welcome)); err != nil {
		return err
	}
	var pending []byte
	buf := make([]byte, 1024)
	for {
		if len(pending) > 0 {
			conn.SetReadDeadline(time.Now().Add(pause)) // no line end yet: wait a moment
		} else {
			conn.SetReadDeadline(time.Time{})
		}
		n, err := conn.Read(buf)
		if ne, ok := err.(net.Error); ok && ne.Timeout() || len(pending) > longest {
			msg := pending
			pending = nil
			if err := answer(conn, msg, ""); err != nil {
				return err
			}
			continue
		}
		if err != nil { // io.EOF: the client left without q; or a reset
			return err
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			line, end := pending[:i], "\n"
			pending = pending[i+1:]
			if bytes.HasSuffix(line, []byte("\r")) {
				line, end = line[:len(line)-1], "\r\n"
			}
			if err := answer(conn, line, end); err != nil {
				return err
			}
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
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go func() {
			defer conn.Close()
			if err := chat(conn); err != nil && err != errQuit {
				fmt.Println("client", conn.RemoteAddr(), "ended:", err)
			}
		}()
	}
}
