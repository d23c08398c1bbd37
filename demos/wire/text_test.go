package wire_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"

	"socketlab/demos/wire"
)

func TestAppendText(t *testing.T) {
	tests := []struct {
		n    int64
		want string
		err  error
		msg  string
	}{
		{0, "0         ", nil, ""},
		{5, "5         ", nil, ""},
		{1234567890, "1234567890", nil, ""},
		{9_999_999_999, "9999999999", nil, ""},
		{10_000_000_000, "", wire.ErrTooLarge, "length 10000000000 exceeds limit 9999999999"},
		{-1, "", wire.ErrNegative, "negative length -1"},
	}
	for _, tt := range tests {
		if int64(int(tt.n)) != tt.n {
			t.Logf("skipping %d: does not fit in a %d-bit int", tt.n, strconv.IntSize)
			continue
		}
		got, err := wire.AppendText([]byte("x"), int(tt.n))
		wantErr(t, err, tt.err, tt.msg)
		if err == nil && string(got) != "x"+tt.want {
			t.Errorf("AppendText(%d) = %q, want %q", tt.n, got, "x"+tt.want)
		}
	}
}

func TestParseText(t *testing.T) {
	const max = 100
	tests := []struct {
		header string
		want   int
		err    error
		msg    string
	}{
		{"0         ", 0, nil, ""},
		{"1         ", 1, nil, ""},
		{"99        ", 99, nil, ""},
		{"100       ", 100, nil, ""},
		{"101       ", 0, wire.ErrTooLarge, "frame length 101 exceeds limit 100"},
		{"9999999999", 0, wire.ErrTooLarge, "frame length 9999999999 exceeds limit 100"},
		{"2147483648", 0, wire.ErrTooLarge, "frame length 2147483648 exceeds limit 100"},
		{"0000000100", 100, nil, ""},
		{"       100", 100, nil, ""},
		{"   100    ", 100, nil, ""},
		{"-5        ", 0, wire.ErrNegative, "negative frame length -5"},
		{"-999999999", 0, wire.ErrNegative, "negative frame length -999999999"},
		{"-0        ", 0, nil, ""},
		{"          ", 0, wire.ErrMalformed, `malformed length field "          "`},
		{"-         ", 0, wire.ErrMalformed, `malformed length field "-         "`},
		{"--5       ", 0, wire.ErrMalformed, `malformed length field "--5       "`},
		{"+5        ", 0, wire.ErrMalformed, `malformed length field "+5        "`},
		{"abc       ", 0, wire.ErrMalformed, `malformed length field "abc       "`},
		{"5 5       ", 0, wire.ErrMalformed, `malformed length field "5 5       "`},
		{"5\t        ", 0, wire.ErrMalformed, `malformed length field "5\t        "`},
		{"5\x00\x00\x00\x00\x00\x00\x00\x00\x00", 0, wire.ErrMalformed, `malformed length field "5\x00\x00\x00\x00\x00\x00\x00\x00\x00"`},
		{"0x10      ", 0, wire.ErrMalformed, `malformed length field "0x10      "`},
		{"１       ", 0, wire.ErrMalformed, `malformed length field "１       "`},
		{"5", 0, wire.ErrMalformed, "malformed text header: 1 bytes, want 10"},
		{"5          ", 0, wire.ErrMalformed, "malformed text header: 11 bytes, want 10"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, err := wire.ParseText([]byte(tt.header), max)
			wantErr(t, err, tt.err, tt.msg)
			if got != tt.want {
				t.Errorf("ParseText(%q) = %d, want %d", tt.header, got, tt.want)
			}
		})
	}
}

func TestReadTextSizes(t *testing.T) {
	const max = 100
	text := func(n int) []byte { return fmt.Appendf(nil, "%-10d", n) }
	tests := []struct {
		name  string
		input []byte
		body  int
		err   error
		msg   string
	}{
		{"0", text(0), 0, nil, ""},
		{"1", slices.Concat(text(1), pattern(1)), 1, nil, ""},
		{"max-1", slices.Concat(text(max-1), pattern(max-1)), max - 1, nil, ""},
		{"max", slices.Concat(text(max), pattern(max)), max, nil, ""},
		{"max+1", slices.Concat(text(max+1), pattern(max+1)), 0, wire.ErrTooLarge, "read header: frame length 101 exceeds limit 100"},
		{"negative", slices.Concat(text(-5), pattern(5)), 0, wire.ErrNegative, "read header: negative frame length -5"},
		{"garbage", []byte("hello, world"), 0, wire.ErrMalformed, `read header: malformed length field "hello, wor"`},
		{"empty", nil, 0, io.EOF, "EOF"},
		{"header 3 of 10", []byte("12 "), 0, io.ErrUnexpectedEOF, "read header: unexpected EOF: got 3 of 10 bytes, 7 missing"},
		{"body 0 of 10", text(10), 0, io.ErrUnexpectedEOF, "read body: unexpected EOF: got 0 of 10 bytes, 10 missing"},
		{"body 3 of 10", slices.Concat(text(10), pattern(3)), 0, io.ErrUnexpectedEOF, "read body: unexpected EOF: got 3 of 10 bytes, 7 missing"},
	}
	for _, tt := range tests {
		for _, c := range chunkings {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				r := c.wrap(bytes.NewReader(tt.input))
				got, err := wire.ReadText(r, max)
				wantErr(t, err, tt.err, tt.msg)
				if err != nil {
					return
				}
				if !bytes.Equal(got, pattern(tt.body)) {
					t.Fatalf("payload = %q, want %d bytes", got, tt.body)
				}
				if _, err := wire.ReadText(r, max); err != io.EOF {
					t.Fatalf("after the last frame: error = %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestWriteText(t *testing.T) {
	var w writes
	if err := wire.WriteText(&w, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || string(w[0]) != "5         hello" {
		t.Errorf("writes = %q, want one write %q", w, "5         hello")
	}
}
