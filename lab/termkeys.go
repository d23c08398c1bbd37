package lab

import (
	"context"
	"io"
	"os"
)

// TermKeys reads keys from a terminal in cbreak mode, one key press each:
// Enter, n or → go one call, space pauses, c runs on, q quits. Typed lines
// (a demo the learner types into) are echoed as they are typed, with
// Backspace. Call restore when the run is over; where the terminal cannot
// be put in cbreak mode, the keys are lines as with LineKeys.
func TermKeys(in *os.File, echo io.Writer) (k Keys, restore func()) {
	undo, err := cbreak(in)
	if err != nil {
		return LineKeys(in), func() {}
	}
	t := &termKeys{bytes: make(chan byte, 64), echo: echo}
	go t.read(in)
	return t, undo
}

type termKeys struct {
	bytes chan byte // from the one goroutine that reads the terminal
	echo  io.Writer
}

func (t *termKeys) read(in io.Reader) {
	var b [1]byte
	for {
		n, err := in.Read(b[:])
		if n == 1 {
			t.bytes <- b[0]
		}
		if err != nil {
			close(t.bytes)
			return
		}
	}
}

func (t *termKeys) Live() bool { return true }

func (t *termKeys) next(ctx context.Context) (byte, error) {
	select {
	case b, ok := <-t.bytes:
		if !ok {
			return 0, io.EOF
		}
		return b, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

func (t *termKeys) Key(ctx context.Context) (Key, error) {
	for {
		b, err := t.next(ctx)
		if err != nil {
			return 0, err
		}
		switch b {
		case '\r', '\n', 'n', 'N':
			return KeyNext, nil
		case ' ', 'p', 'P':
			return KeyPause, nil
		case 'c', 'C':
			return KeyContinue, nil
		case 'q', 'Q', 4: // 4: Ctrl-D
			return KeyQuit, nil
		case 0x1b: // ESC [ C is →; other sequences are ignored
			if b, err = t.next(ctx); err != nil || b != '[' {
				continue
			}
			if b, err = t.next(ctx); err == nil && b == 'C' {
				return KeyNext, nil
			}
		}
	}
}

// Line reads a line, echoing what is typed, as cooked mode would.
func (t *termKeys) Line(ctx context.Context) (string, error) {
	var line []byte
	for {
		b, err := t.next(ctx)
		if err != nil {
			return string(line), err
		}
		switch {
		case b == '\r' || b == '\n':
			io.WriteString(t.echo, "\r\n")
			return string(line), nil
		case b == 4 && len(line) == 0: // Ctrl-D on an empty line
			return "", io.EOF
		case b == 0x7f || b == 8: // Backspace: one UTF-8 character
			i := len(line) - 1
			for i > 0 && line[i]&0xC0 == 0x80 {
				i--
			}
			if i >= 0 {
				line = line[:i]
				io.WriteString(t.echo, "\b \b")
			}
		case b >= 0x20 || b == '\t':
			line = append(line, b)
			t.echo.Write([]byte{b})
		}
	}
}
