package menu

import "io"

// NoBell returns a writer that passes everything to w except the terminal
// bell (BEL, 0x07). readline rings it for every key it has no use for, and a
// menu driven by arrow keys would beep at each one. A BEL that ends an OSC
// sequence (ESC ] … BEL, such as a window title) is not a bell and is kept.
// Closing it does not close w.
func NoBell(w io.Writer) io.WriteCloser { return &noBell{w: w} }

const (
	bel = 0x07
	esc = 0x1b
)

// States of the escape-sequence scanner.
const (
	plain  = iota
	escape // after ESC
	osc    // inside ESC ] …
	oscEsc // ESC inside an OSC: maybe the ESC \ that ends it
)

type noBell struct {
	w     io.Writer
	state int
	buf   []byte
}

func (b *noBell) Write(p []byte) (int, error) {
	out := b.buf[:0]
	for _, c := range p {
		if b.keep(c) {
			out = append(out, c)
		}
	}
	b.buf = out
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := b.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// keep advances the scanner over c and reports whether c is written.
func (b *noBell) keep(c byte) bool {
	switch b.state {
	case osc:
		switch c {
		case bel:
			b.state = plain
		case esc:
			b.state = oscEsc
		}
		return true
	case oscEsc:
		b.state = osc
		if c == '\\' {
			b.state = plain
		}
		return true
	case escape:
		if c == ']' {
			b.state = osc
			return true
		}
		b.state = plain
	}
	switch c {
	case bel:
		return false
	case esc:
		b.state = escape
	}
	return true
}

func (b *noBell) Close() error { return nil }
