package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"socketlab/demos/wire"
)

var orders = []wire.Order{wire.Little, wire.Big}

// header returns the 4 bytes of a length header holding v as they are,
// without AppendHeader's checks, so that tests can send what a hostile peer
// sends.
func header(o wire.Order, v uint32) []byte {
	if o == wire.Big {
		return binary.BigEndian.AppendUint32(nil, v)
	}
	return binary.LittleEndian.AppendUint32(nil, v)
}

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		order wire.Order
		n     int
		hex   string
		err   error
		msg   string
	}{
		{wire.Little, 0, "00000000", nil, ""},
		{wire.Little, 5, "05000000", nil, ""},
		{wire.Big, 5, "00000005", nil, ""},
		{wire.Little, 0x01020304, "04030201", nil, ""},
		{wire.Big, 0x01020304, "01020304", nil, ""},
		{wire.Little, math.MaxInt32, "ffffff7f", nil, ""},
		{wire.Big, math.MaxInt32, "7fffffff", nil, ""},
		{wire.Little, math.MaxInt32 + 1, "", wire.ErrTooLarge, "frame length 2147483648 exceeds limit 2147483647"},
		{wire.Big, -1, "", wire.ErrNegative, "negative frame length -1"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.order, tt.n), func(t *testing.T) {
			got, err := wire.AppendHeader([]byte("prefix"), tt.order, tt.n)
			wantErr(t, err, tt.err, tt.msg)
			if err != nil {
				if string(got) != "prefix" {
					t.Errorf("after an error, dst = %q, want it unchanged", got)
				}
				return
			}
			if hex := fmt.Sprintf("%x", bytes.TrimPrefix(got, []byte("prefix"))); hex != tt.hex {
				t.Errorf("header = %s, want %s", hex, tt.hex)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	for _, o := range orders {
		n, err := wire.ParseHeader(header(o, 100), o, 100)
		if err != nil || n != 100 {
			t.Errorf("%v: ParseHeader(100) = %d, %v", o, n, err)
		}
		_, err = wire.ParseHeader(header(o, 100)[:3], o, 100)
		wantErr(t, err, wire.ErrMalformed, "malformed header: 3 bytes, want 4")
		_, err = wire.ParseHeader(header(o, wire.DefaultMax+1), o, 0)
		wantErr(t, err, wire.ErrTooLarge, "frame length 67108865 exceeds limit 67108864")
	}
}

// TestReadFrameSizes reads frames whose header announces lengths around the
// limit, including the 2 GB headers a Python 'i' reads as 2147483647 and as
// a negative number, in both byte orders and every chunking.
func TestReadFrameSizes(t *testing.T) {
	const max = 100
	tests := []struct {
		name   string
		header uint32 // as sent, before any check
		body   int    // bytes actually sent after the header
		err    error
		msg    string
	}{
		{"0", 0, 0, nil, ""},
		{"1", 1, 1, nil, ""},
		{"max-1", max - 1, max - 1, nil, ""},
		{"max", max, max, nil, ""},
		{"max+1", max + 1, max + 1, wire.ErrTooLarge, "read header: frame length 101 exceeds limit 100"},
		{"-1", 0xffffffff, 0, wire.ErrNegative, "read header: negative frame length -1"},
		{"-5", 0xfffffffb, 5, wire.ErrNegative, "read header: negative frame length -5"},
		{"0x7fffffff", 0x7fffffff, 10, wire.ErrTooLarge, "read header: frame length 2147483647 exceeds limit 100"},
		{"0x80000000", 0x80000000, 10, wire.ErrNegative, "read header: negative frame length -2147483648"},
	}
	for _, o := range orders {
		for _, tt := range tests {
			for _, c := range chunkings {
				t.Run(fmt.Sprintf("%v/%s/%s", o, tt.name, c.name), func(t *testing.T) {
					body := pattern(tt.body)
					r := c.wrap(bytes.NewReader(slices.Concat(header(o, tt.header), body)))
					got, err := wire.ReadFrame(r, o, max)
					wantErr(t, err, tt.err, tt.msg)
					if err != nil {
						return
					}
					if !bytes.Equal(got, body) {
						t.Fatalf("payload = %q, want %q", got, body)
					}
					if _, err := wire.ReadFrame(r, o, max); err != io.EOF {
						t.Fatalf("after the last frame: error = %v, want io.EOF", err)
					}
				})
			}
		}
	}
}

func TestReadFrameShort(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		err   error
		msg   string
		short *wire.ShortError
	}{
		{"empty", nil, io.EOF, "EOF", nil},
		{"header 1 of 4", []byte{10}, io.ErrUnexpectedEOF, "read header: unexpected EOF: got 1 of 4 bytes, 3 missing", &wire.ShortError{Got: 1, Want: 4}},
		{"header 3 of 4", []byte{10, 0, 0}, io.ErrUnexpectedEOF, "read header: unexpected EOF: got 3 of 4 bytes, 1 missing", &wire.ShortError{Got: 3, Want: 4}},
		{"body 0 of 10", header(wire.Little, 10), io.ErrUnexpectedEOF, "read body: unexpected EOF: got 0 of 10 bytes, 10 missing", &wire.ShortError{Got: 0, Want: 10}},
		{"body 3 of 10", slices.Concat(header(wire.Little, 10), []byte("abc")), io.ErrUnexpectedEOF, "read body: unexpected EOF: got 3 of 10 bytes, 7 missing", &wire.ShortError{Got: 3, Want: 10}},
		{"body 9 of 10", slices.Concat(header(wire.Little, 10), pattern(9)), io.ErrUnexpectedEOF, "read body: unexpected EOF: got 9 of 10 bytes, 1 missing", &wire.ShortError{Got: 9, Want: 10}},
	}
	for _, tt := range tests {
		for _, c := range chunkings {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				_, err := wire.ReadFrame(c.wrap(bytes.NewReader(tt.input)), wire.Little, 100)
				wantErr(t, err, tt.err, tt.msg)
				if tt.err == io.EOF && err != io.EOF {
					t.Fatalf("error = %#v, want io.EOF itself, so that read loops end", err)
				}
				var short *wire.ShortError
				if errors.As(err, &short) != (tt.short != nil) || tt.short != nil && *short != *tt.short {
					t.Fatalf("ShortError = %+v, want %+v", short, tt.short)
				}
			})
		}
	}
}

func TestReadFrameReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := wire.ReadFrame(iotest.ErrReader(boom), wire.Little, 100)
	wantErr(t, err, boom, "read header: boom")

	// TimeoutReader gives the header, then times out reading the body.
	input := slices.Concat(header(wire.Little, 5), []byte("hello"))
	r := iotest.TimeoutReader(bytes.NewReader(input))
	_, err = wire.ReadFrame(r, wire.Little, 100)
	wantErr(t, err, iotest.ErrTimeout, "read body: timeout")
}

func TestReadFrameDefaultMax(t *testing.T) {
	for _, max := range []int{0, -1} {
		input := slices.Concat(header(wire.Little, 1000), pattern(1000))
		got, err := wire.ReadFrame(bytes.NewReader(input), wire.Little, max)
		if err != nil || len(got) != 1000 {
			t.Errorf("max %d: ReadFrame(1000 bytes) = %d bytes, %v", max, len(got), err)
		}
		_, err = wire.ReadFrame(bytes.NewReader(header(wire.Little, wire.DefaultMax+1)), wire.Little, max)
		wantErr(t, err, wire.ErrTooLarge, "read header: frame length 67108865 exceeds limit 67108864")
	}
}

// TestFrameStream writes frames back to back, as a sender does, and reads
// them back in every chunking.
func TestFrameStream(t *testing.T) {
	payloads := [][]byte{[]byte("hello"), {}, pattern(100), []byte("\x00\x00\x00\x00"), pattern(70_000)}
	for _, o := range orders {
		var stream bytes.Buffer
		for _, p := range payloads {
			if err := wire.WriteFrame(&stream, o, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range chunkings {
			r := c.wrap(bytes.NewReader(stream.Bytes()))
			for i, want := range payloads {
				got, err := wire.ReadFrame(r, o, 100_000)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%v/%s: frame %d = %d bytes, %v; want %d bytes", o, c.name, i, len(got), err, len(want))
				}
			}
			if _, err := wire.ReadFrame(r, o, 100_000); err != io.EOF {
				t.Fatalf("%v/%s: after the last frame: error = %v, want io.EOF", o, c.name, err)
			}
		}
	}
}

// writes records each Write call.
type writes [][]byte

func (w *writes) Write(p []byte) (int, error) {
	*w = append(*w, slices.Clone(p))
	return len(p), nil
}

func TestWriteFrameOneWrite(t *testing.T) {
	var w writes
	if err := wire.WriteFrame(&w, wire.Big, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || string(w[0]) != "\x00\x00\x00\x05hello" {
		t.Errorf("writes = %q, want one write of header and payload", w)
	}
}

func TestWriteFrameError(t *testing.T) {
	_, w := io.Pipe()
	w.Close()
	err := wire.WriteFrame(w, wire.Little, []byte("x"))
	wantErr(t, err, io.ErrClosedPipe, "write frame: io: read/write on closed pipe")
}

func TestReadN(t *testing.T) {
	// Sizes around the first allocation (32 KiB) and its doublings.
	for _, n := range []int{0, 1, 32<<10 - 1, 32 << 10, 32<<10 + 1, 200_000} {
		for _, c := range chunkings {
			want := pattern(n)
			r := c.wrap(bytes.NewReader(slices.Concat(want, []byte("next"))))
			got, err := wire.ReadN(r, n)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: ReadN(%d) = %d bytes, %v", c.name, n, len(got), err)
			}
			if rest, _ := io.ReadAll(r); string(rest) != "next" {
				t.Fatalf("%s: ReadN(%d) left %q, want %q", c.name, n, rest, "next")
			}
		}
	}
	_, err := wire.ReadN(strings.NewReader("abc"), 100_000)
	wantErr(t, err, io.ErrUnexpectedEOF, "unexpected EOF: got 3 of 100000 bytes, 99997 missing")
	_, err = wire.ReadN(strings.NewReader(""), 1)
	wantErr(t, err, io.EOF, "EOF")
	_, err = wire.ReadN(strings.NewReader(""), -1)
	wantErr(t, err, wire.ErrNegative, "negative length -1")
}

func TestCopyN(t *testing.T) {
	var dst bytes.Buffer
	n, err := wire.CopyN(&dst, strings.NewReader("hello, world"), 5)
	if err != nil || n != 5 || dst.String() != "hello" {
		t.Errorf("CopyN(5) = %d, %v, copied %q", n, err, dst.String())
	}
	tests := []struct {
		input string
		n     int64
		err   error
		msg   string
	}{
		{"", 0, nil, ""},
		{"", 10, io.ErrUnexpectedEOF, "unexpected EOF: got 0 of 10 bytes, 10 missing"},
		{"abc", 10, io.ErrUnexpectedEOF, "unexpected EOF: got 3 of 10 bytes, 7 missing"},
		{"abc", -1, wire.ErrNegative, "negative length -1"},
	}
	for _, tt := range tests {
		_, err := wire.CopyN(io.Discard, iotest.OneByteReader(strings.NewReader(tt.input)), tt.n)
		wantErr(t, err, tt.err, tt.msg)
	}
}

func TestOrderString(t *testing.T) {
	for o, want := range map[wire.Order]string{wire.Little: "little-endian", wire.Big: "big-endian", 7: "Order(7)"} {
		if got := o.String(); got != want {
			t.Errorf("Order(%d).String() = %q, want %q", uint8(o), got, want)
		}
	}
}

// TestReadFrameIntoReuses reads frames into the memory of the last one:
// the right bytes each time, nothing allocated once the buffer is big
// enough, a bigger frame grown into, and a short body still an error.
func TestReadFrameIntoReuses(t *testing.T) {
	var stream bytes.Buffer
	for _, p := range []string{"hello", "hi", "a longer payload", ""} {
		if err := wire.WriteFrame(&stream, wire.Little, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 0, 8)
	first := &buf[:1][0]
	for i, want := range []string{"hello", "hi", "a longer payload", ""} {
		got, err := wire.ReadFrameInto(&stream, wire.Little, 0, buf)
		if err != nil || string(got) != want {
			t.Fatalf("frame %d: %q, %v; want %q", i, got, err, want)
		}
		if i < 2 && &got[:1][0] != first {
			t.Errorf("frame %d was not read into the buffer passed", i)
		}
		buf = got
	}
	r := bytes.NewReader(append(header(wire.Little, 5), "abc"...))
	if _, err := wire.ReadFrameInto(r, wire.Little, 0, make([]byte, 0, 64)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short body: %v, want io.ErrUnexpectedEOF", err)
	}
	reuse := make([]byte, 0, 1<<10)
	data := append(header(wire.Little, 1000), make([]byte, 1000)...)
	r = bytes.NewReader(data)
	if n := allocatedBy(func() { wire.ReadFrameInto(r, wire.Little, 0, reuse) }); n >= 1000 {
		t.Errorf("allocated %d bytes for a 1000-byte frame read into a big enough buffer", n)
	}
}
