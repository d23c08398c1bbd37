//go:build ignore

// upload-server, reference solution in Go (demo 15, proto=json): each file
// comes as a 4-byte little-endian length h (Python's struct.pack('i', h)),
// h bytes of UTF-8 JSON {"cmd": "put", "filename", "filesize": n}, then n
// bytes; several files may follow on one connection. Files go into uploads/
// under the working folder through an os.Root, which cannot leave it, and a
// name that is not a plain file name is refused first, its bytes read and
// thrown away to stay in step. A file is written as a hidden .part file and
// renamed when whole. A bad length or header closes that connection only.
// Each file gets a reply framed the same way.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	maxHeader = 64 << 10
	maxFile   = 1 << 30
	maxName   = 255
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

// unsafe says why name is not a plain file name, or "" when it is one.
func unsafe(name string) string {
	switch {
	case name == "":
		return "empty"
	case name == "." || name == "..":
		return "not a file name"
	case strings.ContainsAny(name, `/\`):
		return "contains a path separator: only a plain name may be given"
	case len(name) >= 2 && name[1] == ':':
		return "names a drive"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	case len(name) > maxName:
		return fmt.Sprintf("longer than %d bytes", maxName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "contains a control character"
	}
	return ""
}

// header is the put header; sizes are pointers to tell a missing field.
type header struct {
	Cmd      string `json:"cmd"`
	FileName string `json:"filename"`
	FileSize *int64 `json:"filesize"`
	DataSize *int64 `json:"datasize"`
}

func reply(conn net.Conn, fields map[string]any) error {
	obj, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	msg := binary.LittleEndian.AppendUint32(nil, uint32(len(obj))) // struct.pack('i', len(head))
	_, err = conn.Write(append(msg, obj...))
	return err
}

// put receives one file after its header.
func put(conn net.Conn, root *os.Root, h header) error {
	size := h.FileSize
	if size == nil {
		size = h.DataSize
	}
	if size == nil || *size < 0 || *size > maxFile {
		return errors.New("the header has no filesize from 0 to 1 GiB")
	}
	n := *size
	why := unsafe(h.FileName)
	if why == "" && h.Cmd != "put" {
		why = fmt.Sprintf("unknown command %q", h.Cmd)
	}
	if why != "" {
		if _, err := io.CopyN(io.Discard, conn, n); err != nil { // discard, to stay in step
			return err
		}
		fmt.Printf("refused %q: %s\n", h.FileName, why)
		return reply(conn, map[string]any{"cmd": h.Cmd, "filename": h.FileName, "datasize": 0,
			"status": "refused", "error": fmt.Sprintf("unsafe file name %q: %s", h.FileName, why)})
	}
	part := ".upload-" + rand.Text() + ".part"
	f, err := root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	sum := sha256.New()
	_, err = io.CopyN(io.MultiWriter(f, sum), conn, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(part, h.FileName)
	}
	if err != nil {
		root.Remove(part) // a cut transfer leaves nothing behind
		return err
	}
	fmt.Printf("stored %s (%d bytes)\n", h.FileName, n)
	return reply(conn, map[string]any{"cmd": "put", "filename": h.FileName, "filesize": n, "datasize": 0,
		"sha256": hex.EncodeToString(sum.Sum(nil)), "status": "stored"})
}

func serve(conn net.Conn, root *os.Root) error {
	for { // several files per connection
		var head [4]byte
		if _, err := io.ReadFull(conn, head[:]); errors.Is(err, io.EOF) {
			return nil // a clean end between two files
		} else if err != nil {
			return err
		}
		n := int32(binary.LittleEndian.Uint32(head[:]))
		if n <= 0 || n > maxHeader {
			return fmt.Errorf("header length %d", n)
		}
		obj := make([]byte, n)
		if _, err := io.ReadFull(conn, obj); err != nil {
			return err
		}
		var h header
		if !utf8.Valid(obj) {
			return errors.New("the header is not UTF-8")
		}
		if err := json.Unmarshal(obj, &h); err != nil {
			return fmt.Errorf("the header is not a put header: %w", err)
		}
		if err := put(conn, root, h); err != nil {
			return err
		}
	}
}

func main() {
	if err := os.MkdirAll("uploads", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, err := os.OpenRoot("uploads")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", address())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr(), "storing into uploads/")
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go func() {
			defer conn.Close()
			if err := serve(conn, root); err != nil {
				fmt.Println("client", conn.RemoteAddr(), "closed:", err)
			}
		}()
	}
}
