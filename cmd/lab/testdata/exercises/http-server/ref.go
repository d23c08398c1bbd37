//go:build ignore

// http-server, reference solution in Go (demo 16), with Go's own net/http:
// a real HTTP/1.1 server, so a grader that passes this one accepts what real
// servers send (a Date header, keep-alive, chunked reading of requests).
// GET / answers 200 with "hello, 你好\n" and a Content-Length of 14 (bytes,
// not characters); any other path 404.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

const hello = "hello, 你好\n"

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

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { // GET and HEAD
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(hello))) // len of the bytes: 14
		w.Write([]byte(hello))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound) // Content-Length set by net/http
	})
	ln, err := net.Listen("tcp", address())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	fmt.Fprintln(os.Stderr, srv.Serve(ln))
	os.Exit(1)
}
