package demos

import (
	"strings"
	"testing"
)

// TestPeerHTTPRequest: the web server's request parser at its edges.
func TestPeerHTTPRequest(t *testing.T) {
	for _, c := range []struct {
		in     string
		status string // "" when it parses
		close  bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"GET / HTTP/1.1\nHost: x\n\n", "", false}, // nc: \n alone
		{"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "", true},
		{"GET / HTTP/1.0\r\n\r\n", "", true},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", true},
		{"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", false},
		{"GET / HTTP/1.1\r\n\r\n", "400 Bad Request", false}, // no Host
		{"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400 Bad Request", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", "400 Bad Request", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", "413 Content Too Large", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "501 Not Implemented", false},
		{"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400 Bad Request", false},
		{"GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", "400 Bad Request", false},
		{"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", false},
	} {
		end := httpHeadEnd([]byte(c.in))
		if end != len(c.in) {
			t.Errorf("%q: the head ends at %d, want %d", c.in, end, len(c.in))
			continue
		}
		r, err := parseHTTPRequest([]byte(c.in))
		status := ""
		if br, ok := err.(*httpBadRequest); ok {
			status = br.status
		} else if err != nil {
			t.Errorf("%q: %v", c.in, err)
		}
		if status != c.status || err == nil && r.close != c.close {
			t.Errorf("%q: status %q close %v (%v), want %q close %v", c.in, status, r.close, err, c.status, c.close)
		}
	}
	if httpHeadEnd([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) >= 0 {
		t.Error("a head without its blank line has an end")
	}
}

func FuzzPeerHTTPRequest(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.0\n\n", "\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > httpMaxReqHead {
			in = in[:httpMaxReqHead]
		}
		end := httpHeadEnd(in)
		if end < 0 {
			return
		}
		r, err := parseHTTPRequest(in[:end])
		if err == nil && (r.length < 0 || r.length > httpMaxBody || strings.ContainsAny(r.target, " \r\n")) {
			t.Fatalf("%q parsed as %+v", in, r)
		}
	})
}
