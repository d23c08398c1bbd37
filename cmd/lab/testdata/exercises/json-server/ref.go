//go:build ignore

// json-server, reference solution in Go (demo 6): each command name
// arrives with one read (the client sends it in one send); the answer is a
// 4-byte little-endian length h (Python's struct.pack('i', h)), h bytes of
// UTF-8 JSON {"datasize": n}, then the n bytes of the command's output from
// the lab's fixed table of harmless texts (demos/commands.go). Nothing is ever run. A goroutine per client.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const lsOutput = `total 88
-rw-r--r--  1 learner  staff    1204 Mar  3 10:00 Makefile
-rw-r--r--  1 learner  staff    5873 Mar  4 10:03 README.md
-rw-r--r--  1 learner  staff     102 Mar  5 10:06 go.mod
-rw-r--r--  1 learner  staff    1431 Mar  6 10:09 go.sum
-rw-r--r--  1 learner  staff    4096 Mar  7 10:12 main.go
-rw-r--r--  1 learner  staff    2210 Mar  8 10:15 main_test.go
-rw-r--r--  1 learner  staff    1822 Mar  9 10:18 client.py
-rw-r--r--  1 learner  staff    2654 Mar 10 10:21 server.py
-rw-r--r--  1 learner  staff    9321 Mar 11 10:24 socket_notes.txt
-rw-r--r--  1 learner  staff    1377 Mar  3 10:27 struct_header.py
-rw-r--r--  1 learner  staff    1803 Mar  4 10:30 json_header.py
-rw-r--r--  1 learner  staff    1134 Mar  5 10:33 pickle_demo.py
-rw-r--r--  1 learner  staff    2966 Mar  6 10:36 remote_cmd.py
-rw-r--r--  1 learner  staff    7640 Mar  7 10:39 sticky_packets.md
-rw-r--r--  1 learner  staff    3312 Mar  8 10:42 upload.py
-rw-r--r--  1 learner  staff    2875 Mar  9 10:45 download.py
-rw-r--r--  1 learner  staff    1598 Mar 10 10:48 chat_bot.py
-rw-r--r--  1 learner  staff     907 Mar 11 10:51 udp_echo.py
-rw-r--r--  1 learner  staff      36 Mar  3 10:54 requirements.txt
-rw-r--r--  1 learner  staff     412 Mar  4 10:57 setup.cfg
-rw-r--r--  1 learner  staff    2281 Mar  5 10:00 chat_server.py
-rw-r--r--  1 learner  staff    4409 Mar  6 10:03 file_server.py
-rw-r--r--  1 learner  staff    1975 Mar  7 10:06 ssh_like.py
-rw-r--r--  1 learner  staff    1660 Mar  8 10:09 thread_server.py
`

var outputs = map[string]string{
	"ls -l":    lsOutput,
	"dir":      lsOutput,
	"whoami":   "learner\n",
	"pwd":      "/home/learner/socket-lab\n",
	"hostname": "socket-lab\n",
	"date":     "Mon Mar  3 10:00:00 CST 2025\n",
	"uname -a": "Linux socket-lab 6.1.0 #1 SMP x86_64 GNU/Linux\n",
	"echo 你好":  "你好\n",
}

// output is what a command "prints": from the table, never from a shell.
func output(cmd string) []byte {
	cmd = strings.TrimSpace(cmd)
	if out, ok := outputs[cmd]; ok {
		return []byte(out)
	}
	if len(cmd) > 64 { // repeat at most 64 bytes, whole characters
		cut := 64
		for cut > 0 && !utf8.RuneStart(cmd[cut]) {
			cut--
		}
		cmd = cmd[:cut] + "…"
	}
	var known []string
	for k := range outputs {
		known = append(known, k)
	}
	slices.Sort(known)
	return []byte("lab: " + cmd + ": command not found (the lab runs nothing; known: " + strings.Join(known, ", ") + ")\n")
}

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

func talk(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 1024)
	for {
		n, err := conn.Read(buf) // cmd = conn.recv(1024)
		if err != nil {          // io.EOF (b'') or a reset: this client is done
			return
		}
		out := output(string(buf[:n]))
		header, _ := json.Marshal(map[string]int{"datasize": len(out)})   // json.dumps({"datasize": n})
		msg := binary.LittleEndian.AppendUint32(nil, uint32(len(header))) // struct.pack('i', len(header))
		msg = append(append(msg, header...), out...)
		if _, err := conn.Write(msg); err != nil { // one write: the three parts
			fmt.Println("client went away:", err)
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
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go talk(conn)
	}
}
