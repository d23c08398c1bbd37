package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

var crlf = []byte("\r\n")

// AppendLine appends line and the "\r\n" that ends it. A line that contains
// "\r\n" is refused: the reader would see two lines.
func AppendLine(dst, line []byte) ([]byte, error) {
	if i := bytes.Index(line, crlf); i >= 0 {
		return dst, fmt.Errorf("%w line: \\r\\n at byte %d", ErrMalformed, i)
	}
	return append(append(dst, line...), crlf...), nil
}

// WriteLine writes line and the "\r\n" that ends it in a single Write.
func WriteLine(w io.Writer, line []byte) error {
	b, err := AppendLine(nil, line)
	if err != nil {
		return fmt.Errorf("encode line: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write line: %w", err)
	}
	return nil
}

// ReadLine reads a line that ends in "\r\n" and returns it without the
// "\r\n". A "\n" alone does not end a line; it is part of it. The line may
// be at most max bytes long (DefaultMax if max <= 0), not counting the
// "\r\n"; ReadLine stops reading soon after a longer line passes the limit.
//
// ReadLine reads no further than the "\r\n": whatever follows, such as the
// body after HTTP headers, stays in r for the next read, which must go
// through r too. It returns io.EOF if r ends before the first byte of a
// line. After any other error, r is no longer at the start of a line.
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	lim := limit(max)
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil && bytes.HasSuffix(line, crlf) {
			line = line[:len(line)-len(crlf)]
			if int64(len(line)) > lim {
				break
			}
			return line, nil
		}
		if int64(len(line)) > lim+1 {
			// Even if the next byte is the "\n" after a final "\r", the
			// line is too long.
			break
		}
		switch {
		case err == nil || err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, fmt.Errorf("read line: %w after %d bytes, before \\r\\n", io.ErrUnexpectedEOF, len(line))
		default:
			return nil, fmt.Errorf("read line: %w", err)
		}
	}
	return nil, fmt.Errorf("read line: line %w of %d bytes", ErrTooLarge, lim)
}
