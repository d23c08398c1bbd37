package exercise

import (
	"fmt"
	"strings"

	"socketlab/lab"
)

// Starter is the file `lab exercise init` writes: the statement as a
// comment, the address taken as every exercise program takes it ({port},
// or {host} {port}, or LAB_HOST / LAB_PORT), and the socket set up, with
// the part to write left to the learner.
func (e Exercise) Starter(goLang bool, l lab.Lang) string {
	comment, body := "# ", pyStarter(e)
	if goLang {
		comment, body = "// ", goStarter(e)
	}
	var b strings.Builder
	if goLang {
		b.WriteString("//go:build ignore\n\n")
	}
	for _, line := range strings.Split(strings.TrimRight(e.Statement(l), "\n"), "\n") {
		b.WriteString(strings.TrimRight(comment+line, " ") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(body)
	return b.String()
}

func pyStarter(e Exercise) string {
	if e.PyStarter != "" {
		return e.PyStarter
	}
	head := `import os
import socket
import sys

# {port}, or {host} {port}, or LAB_HOST / LAB_PORT: how lab check says where.
args = sys.argv[1:]
HOST = args[0] if len(args) >= 2 else os.environ.get("LAB_HOST", "127.0.0.1")
PORT = int(args[-1]) if args else int(os.environ.get("LAB_PORT", "9000"))

`
	switch {
	case e.Role == Client:
		return head + `client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((HOST, PORT))
# TODO: talk to the lab's server as the statement above says.
client.close()
`
	case e.Proto == "udp":
		return head + `server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((HOST, PORT))
while True:
    data, addr = server.recvfrom(65535)
    # TODO: answer as the statement above says.
`
	}
	return head + `server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(5)
while True:                     # the connection loop
    conn, addr = server.accept()
    # TODO: the communication loop, as the statement above says.
    conn.close()
`
}

func goStarter(e Exercise) string {
	head := `package main

import (
	"log"
	"net"
	"os"
)

// addr is where lab check says: {port}, or {host} {port}, or LAB_HOST / LAB_PORT.
func addr() string {
	host, port := os.Getenv("LAB_HOST"), os.Getenv("LAB_PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	switch args := os.Args[1:]; len(args) {
	case 1:
		port = args[0]
	case 2:
		host, port = args[0], args[1]
	}
	return net.JoinHostPort(host, port)
}

`
	switch {
	case e.Role == Client:
		return head + `func main() {
	conn, err := net.Dial("tcp", addr())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// TODO: talk to the lab's server as the statement above says.
}
`
	case e.Proto == "udp":
		return head + `func main() {
	pc, err := net.ListenPacket("udp", addr())
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			log.Fatal(err)
		}
		// TODO: answer buf[:n] to from, as the statement above says.
		_, _ = n, from
	}
}
`
	}
	return head + fmt.Sprintf(`func main() {
	ln, err := net.Listen("tcp", addr())
	if err != nil {
		log.Fatal(err)
	}
	for { // the connection loop
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		// TODO: the communication loop (%s), as the statement above says.
		conn.Close()
	}
}
`, e.Slug)
}
