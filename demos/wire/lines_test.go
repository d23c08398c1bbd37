package wire_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"socketlab/demos/wire"
)

// bufferSizes are the bufio.Reader sizes the line tests use: the smallest
// bufio allows, so that lines span several buffers, and the default.
var bufferSizes = []int{16, 4096}

func TestReadLineKeepsBody(t *testing.T) {
	input := "GET / HTTP/1.0\r\nHost: example.com\r\nX: a\nb\r\n\r\nbody\r\nafter"
	want := []string{"GET / HTTP/1.0", "Host: example.com", "X: a\nb", ""}
	for _, size := range bufferSizes {
		for _, c := range chunkings {
			r := bufio.NewReaderSize(c.wrap(strings.NewReader(input)), size)
			var got []string
			for range want {
				line, err := wire.ReadLine(r, 100)
				if err != nil {
					t.Fatalf("%d/%s: %v", size, c.name, err)
				}
				got = append(got, string(line))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d/%s: lines = %q, want %q", size, c.name, got, want)
			}
			if rest, err := io.ReadAll(r); err != nil || string(rest) != "body\r\nafter" {
				t.Errorf("%d/%s: after the headers: %q, %v; want %q", size, c.name, rest, err, "body\r\nafter")
			}
		}
	}
}

func TestReadLineSizes(t *testing.T) {
	const max = 100
	tests := []struct {
		name  string
		input string
		want  string
		err   error
		msg   string
	}{
		{"0", "\r\n", "", nil, ""},
		{"1", "a\r\n", "a", nil, ""},
		{"max-1", strings.Repeat("a", max-1) + "\r\n", strings.Repeat("a", max-1), nil, ""},
		{"max", strings.Repeat("a", max) + "\r\n", strings.Repeat("a", max), nil, ""},
		{"max ending in \\r", strings.Repeat("a", max-1) + "\r\r\n", strings.Repeat("a", max-1) + "\r", nil, ""},
		{"max+1", strings.Repeat("a", max+1) + "\r\n", "", wire.ErrTooLarge, "read line: line exceeds limit of 100 bytes"},
		{"max+1 ending in \\r", strings.Repeat("a", max) + "\r\r\n", "", wire.ErrTooLarge, "read line: line exceeds limit of 100 bytes"},
		{"no end in sight", strings.Repeat("a", 10_000), "", wire.ErrTooLarge, "read line: line exceeds limit of 100 bytes"},
		{"bare \\n", "a\nb\r\n", "a\nb", nil, ""},
		{"\\r alone", "a\rb\r\n", "a\rb", nil, ""},
		{"empty", "", "", io.EOF, "EOF"},
		{"no \\r\\n", "abc", "", io.ErrUnexpectedEOF, `read line: unexpected EOF after 3 bytes, before \r\n`},
		{"\\r then EOF", "abc\r", "", io.ErrUnexpectedEOF, `read line: unexpected EOF after 4 bytes, before \r\n`},
		{"\\n then EOF", "abc\n", "", io.ErrUnexpectedEOF, `read line: unexpected EOF after 4 bytes, before \r\n`},
	}
	for _, tt := range tests {
		for _, size := range bufferSizes {
			for _, c := range chunkings {
				t.Run(fmt.Sprintf("%s/%d/%s", tt.name, size, c.name), func(t *testing.T) {
					r := bufio.NewReaderSize(c.wrap(strings.NewReader(tt.input)), size)
					got, err := wire.ReadLine(r, max)
					wantErr(t, err, tt.err, tt.msg)
					if err != nil {
						return
					}
					if string(got) != tt.want {
						t.Fatalf("line = %q, want %q", got, tt.want)
					}
					if _, err := wire.ReadLine(r, max); err != io.EOF {
						t.Fatalf("after the last line: error = %v, want io.EOF", err)
					}
				})
			}
		}
	}
}

// endless is a reader of the same byte forever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// TestReadLineEndless checks that a peer that never sends "\r\n" gets an
// error once it passes the limit, instead of filling memory.
func TestReadLineEndless(t *testing.T) {
	r := bufio.NewReaderSize(endless('a'), 16)
	_, err := wire.ReadLine(r, 1000)
	wantErr(t, err, wire.ErrTooLarge, "read line: line exceeds limit of 1000 bytes")
}

func TestReadLineReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := bufio.NewReader(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)))
	_, err := wire.ReadLine(r, 100)
	wantErr(t, err, boom, "read line: boom")
}

func TestWriteLine(t *testing.T) {
	var w writes
	if err := wire.WriteLine(&w, []byte("Host: x")); err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || string(w[0]) != "Host: x\r\n" {
		t.Errorf("writes = %q, want one write %q", w, "Host: x\r\n")
	}
	err := wire.WriteLine(&w, []byte("a\r\nb"))
	wantErr(t, err, wire.ErrMalformed, `encode line: malformed line: \r\n at byte 1`)
	if got, err := wire.AppendLine(nil, []byte("a\n\r")); err != nil || !bytes.Equal(got, []byte("a\n\r\r\n")) {
		t.Errorf("AppendLine(%q) = %q, %v", "a\n\r", got, err)
	}
}
