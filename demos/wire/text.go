package wire

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// TextHeaderSize is the size of a text header: f"{n:<10}" is 10 characters.
const TextHeaderSize = 10

// maxText is the largest length a text header can hold: ten nines.
const maxText = 9_999_999_999

// AppendText appends the 10-character text header announcing a payload of n
// bytes: n in decimal, left-aligned and padded with spaces, as Python's
// f"{n:<10}".encode() writes it. A length that needs more than 10 digits is
// refused (Python would silently write a longer, broken header).
func AppendText(dst []byte, n int) ([]byte, error) {
	if err := checkLength("length", int64(n), maxText); err != nil {
		return dst, err
	}
	start := len(dst)
	dst = strconv.AppendInt(dst, int64(n), 10)
	for len(dst)-start < TextHeaderSize {
		dst = append(dst, ' ')
	}
	return dst, nil
}

// ParseText decodes a 10-character text header and checks the length against
// max (DefaultMax if max <= 0). Spaces around the number are allowed, as
// Python's int() allows them; anything else that is not a decimal digit,
// apart from a leading minus sign, is refused.
func ParseText(h []byte, max int) (int, error) {
	if len(h) != TextHeaderSize {
		return 0, fmt.Errorf("%w text header: %d bytes, want %d", ErrMalformed, len(h), TextHeaderSize)
	}
	number := bytes.Trim(h, " ")
	digits := bytes.TrimPrefix(number, []byte("-"))
	if len(digits) == 0 || bytes.ContainsFunc(digits, notDigit) {
		return 0, fmt.Errorf("%w length field %q", ErrMalformed, h)
	}
	// At most 10 characters, so it cannot overflow an int64.
	n, err := strconv.ParseInt(string(number), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w length field %q: %w", ErrMalformed, h, err)
	}
	if err := checkLength("frame length", n, limit(max)); err != nil {
		return 0, err
	}
	return int(n), nil
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// WriteText writes the text header announcing payload, then payload, in a
// single Write: Python's sendall(f"{len(payload):<10}".encode() + payload).
func WriteText(w io.Writer, payload []byte) error {
	h, err := AppendText(nil, len(payload))
	if err != nil {
		return fmt.Errorf("encode header: %w", err)
	}
	if _, err := w.Write(slices.Concat(h, payload)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadText reads a 10-character text header and the payload it announces,
// which may be at most max bytes (DefaultMax if max <= 0). It returns io.EOF
// if r ends before the first byte of the header.
func ReadText(r io.Reader, max int) ([]byte, error) {
	h, err := ReadN(r, TextHeaderSize)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	n, err := ParseText(h, max)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	payload, err := readAnnounced(r, n)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return payload, nil
}
