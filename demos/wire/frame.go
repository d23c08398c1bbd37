package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
)

// DefaultMax is the limit a decoder applies when its max argument is zero or
// negative: 64 MiB.
const DefaultMax = 64 << 20

// HeaderSize is the size of a length header: struct.pack('i', n) is 4 bytes.
const HeaderSize = 4

// Errors that decoding and encoding errors wrap, to be matched with
// errors.Is. The sentinels are words that the wrapping errors use in a
// sentence, such as "frame length 2147483647 exceeds limit 67108864" or
// "negative frame length -5".
var (
	// ErrTooLarge is wrapped by the errors for a length above the limit.
	ErrTooLarge = errors.New("exceeds limit")

	// ErrNegative is wrapped by the errors for a negative length.
	ErrNegative = errors.New("negative")

	// ErrMalformed is wrapped by the errors for bytes that do not follow the
	// framing, such as a text header that is not a number or a JSON header
	// that is not a JSON object.
	ErrMalformed = errors.New("malformed")
)

// A ShortError reports a peer that closed the connection in the middle of a
// header or a body: only Got of the Want bytes arrived. It matches
// io.ErrUnexpectedEOF with errors.Is.
type ShortError struct {
	Got, Want int64
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("unexpected EOF: got %d of %d bytes, %d missing", e.Got, e.Want, e.Want-e.Got)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *ShortError) Unwrap() error { return io.ErrUnexpectedEOF }

// An Order is the byte order of a 4-byte length header.
type Order uint8

const (
	// Little is Python's struct.pack('i', n): "native" order, which is
	// little-endian on x86 and ARM. 5 is 05 00 00 00.
	Little Order = iota

	// Big is Python's struct.pack('!i', n) or struct.pack('!I', n): network
	// byte order, the same on every machine. 5 is 00 00 00 05.
	Big
)

func (o Order) String() string {
	switch o {
	case Little:
		return "little-endian"
	case Big:
		return "big-endian"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

// byteOrder is what encoding/binary's LittleEndian and BigEndian provide.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func (o Order) byteOrder() byteOrder {
	switch o {
	case Little:
		return binary.LittleEndian
	case Big:
		return binary.BigEndian
	}
	panic("wire: invalid " + o.String())
}

// AppendHeader appends the 4-byte header announcing a payload of n bytes, as
// Python's struct.pack('i', n) (Little) or struct.pack('!i', n) (Big) does.
// As in Python, n must fit in a signed 32-bit integer; a negative n is
// refused too, since no payload has a negative length.
func AppendHeader(dst []byte, o Order, n int) ([]byte, error) {
	if err := checkLength("frame length", int64(n), math.MaxInt32); err != nil {
		return dst, err
	}
	return o.byteOrder().AppendUint32(dst, uint32(n)), nil
}

// ParseHeader decodes a 4-byte header as a signed 32-bit length, as Python's
// struct.unpack('i', h) does, and checks it against max (DefaultMax if
// max <= 0). Headers from 0x80000000 up are negative lengths. The '!I'
// format (unsigned) writes the same bytes as '!i' for every length up to
// 2147483647, which is more than any limit allows.
func ParseHeader(h []byte, o Order, max int) (int, error) {
	return parseLength(h, o, "frame length", limit(max))
}

func parseLength(h []byte, o Order, what string, max int64) (int, error) {
	if len(h) != HeaderSize {
		return 0, fmt.Errorf("%w header: %d bytes, want %d", ErrMalformed, len(h), HeaderSize)
	}
	n := int64(int32(o.byteOrder().Uint32(h)))
	if err := checkLength(what, n, max); err != nil {
		return 0, err
	}
	return int(n), nil
}

// WriteFrame writes the header announcing payload, then payload:
// Python's sendall(struct.pack('i', len(payload)) + payload). To a TCP or
// Unix socket it is one writev(2) of both (net.Buffers), so the payload is
// never copied; to any other writer, one Write of header and payload
// joined (see writeJoined).
func WriteFrame(w io.Writer, o Order, payload []byte) error {
	var h [HeaderSize]byte
	if _, err := AppendHeader(h[:0], o, len(payload)); err != nil {
		return fmt.Errorf("encode header: %w", err)
	}
	if err := writeJoined(w, h[:], payload); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// writeJoined writes head then body as if joined: one writev(2) to a
// socket of the net package, which takes a net.Buffers whole; one Write of
// a joined copy to any other writer (a traced lab.Conn records one
// sendall, a test's writer sees one Write).
func writeJoined(w io.Writer, head, body []byte) error {
	switch w.(type) {
	case *net.TCPConn, *net.UnixConn:
		bufs := net.Buffers{head, body}
		_, err := bufs.WriteTo(w)
		return err
	}
	_, err := w.Write(slices.Concat(head, body))
	return err
}

// ReadFrame reads a 4-byte header in order o and the payload it announces,
// which may be at most max bytes (DefaultMax if max <= 0). It returns io.EOF
// if r ends before the first byte of the header.
func ReadFrame(r io.Reader, o Order, max int) ([]byte, error) {
	return ReadFrameInto(r, o, max, nil)
}

// ReadFrameInto is ReadFrame reading the payload into buf's memory when it
// has room for it (growing it as ReadN does when not), so that a loop
// that passes back what it got reads frame after frame without allocating:
//
//	var buf []byte
//	for {
//		buf, err = wire.ReadFrameInto(conn, wire.Little, 0, buf)
//		…
//	}
//
// The payload returned may share buf's memory: it is valid until the next call.
func ReadFrameInto(r io.Reader, o Order, max int, buf []byte) ([]byte, error) {
	var hb [HeaderSize]byte
	h, err := readNInto(r, HeaderSize, hb[:0])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	n, err := ParseHeader(h, o, max)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	payload, err := readNInto(r, n, buf[:0])
	if err == io.EOF {
		err = &ShortError{Got: 0, Want: int64(n)}
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return payload, nil
}

// chunkSize is the most ReadN allocates before any byte has arrived, and
// growth the factor by which its buffer grows as bytes keep arriving.
const (
	chunkSize = 32 << 10
	growth    = 8
)

// ReadN reads exactly n bytes from r. Like io.ReadFull, it returns io.EOF if r
// ends before the first byte; if r ends later, the error is a *ShortError.
//
// The buffer is sized from n, which the caller has checked against its
// limit, but only as bytes arrive: it starts at 32 KiB and, each time it
// is full, grows eightfold, the last step to exactly n. A peer that
// announces a large n and then sends little costs at most about nine
// times what it sent; an honest 64 MiB frame is read in five steps (1.3 n
// allocated, 18 MiB copied), never into small reads copied again.
func ReadN(r io.Reader, n int) ([]byte, error) {
	return readNInto(r, n, nil)
}

// readNInto is ReadN appending to buf (len 0): into its memory at once when
// it has room for n bytes, else growing from it as bytes arrive.
func readNInto(r io.Reader, n int, buf []byte) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w length %d", ErrNegative, n)
	}
	switch {
	case cap(buf) >= n:
		buf = buf[:0:n] // the caller's memory: nothing to allocate
	case cap(buf) < min(n, chunkSize):
		buf = make([]byte, 0, min(n, chunkSize))
	}
	for len(buf) < n {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(n, len(buf)*growth))
			copy(next, buf)
			buf = next
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, eofError(err, int64(len(buf)), int64(n))
		}
	}
	return buf, nil
}

// readAnnounced is ReadN for bytes that a header announced: r ending before
// the first of them is a *ShortError too.
func readAnnounced(r io.Reader, n int) ([]byte, error) {
	b, err := ReadN(r, n)
	if err == io.EOF {
		return nil, &ShortError{Got: 0, Want: int64(n)}
	}
	return b, err
}

// CopyN copies exactly n bytes from src to dst, for a body too large to hold
// in memory (a file server streams it to disk). Unlike ReadN, src ending
// before the first byte is a *ShortError too: a header announced the body.
func CopyN(dst io.Writer, src io.Reader, n int64) (int64, error) {
	if n < 0 {
		return 0, fmt.Errorf("%w length %d", ErrNegative, n)
	}
	written, err := io.CopyN(dst, src, n)
	if err == io.EOF {
		return written, &ShortError{Got: written, Want: n}
	}
	return written, err
}

// eofError turns the io.EOF or io.ErrUnexpectedEOF of io.ReadFull into the
// package's errors, given that got of want bytes arrived.
func eofError(err error, got, want int64) error {
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if got == 0 {
		return io.EOF
	}
	return &ShortError{Got: got, Want: want}
}

// checkLength refuses a length n that is negative or above max. what names
// the length in the error, such as "frame length".
func checkLength(what string, n, max int64) error {
	switch {
	case n < 0:
		return fmt.Errorf("%w %s %d", ErrNegative, what, n)
	case n > max:
		return fmt.Errorf("%s %d %w %d", what, n, ErrTooLarge, max)
	}
	return nil
}

// limit returns max, or DefaultMax if max <= 0.
func limit(max int) int64 {
	if max <= 0 {
		return DefaultMax
	}
	return int64(max)
}
