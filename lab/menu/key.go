package menu

// One key press from the bytes a terminal in raw mode sends: escape
// sequences read whole, a lone Esc told apart by the time that follows it.

import (
	"context"
	"errors"
	"io"
	"time"
)

// key kinds, as a menu or pager reads them.
type keyKind int

const (
	keyOther     keyKind = iota // any other key: seq as typed
	keyEnterKind                // Enter (CR or LF)
	keyBack                     // Esc, Backspace, ←
	keyQuit                     // Ctrl-C, Ctrl-D
	keyUp                       // ↑
	keyDown                     // ↓
	keyPageUp                   // PgUp
	keyPageDown                 // PgDn
)

// key is one key press: its kind and the bytes the terminal sent for it.
type key struct {
	kind keyKind
	seq  []byte
}

func (k key) is(b byte) bool { return k.kind == keyOther && len(k.seq) == 1 && k.seq[0] == b }
func (k key) digit() bool {
	return k.kind == keyOther && len(k.seq) == 1 && k.seq[0] >= '0' && k.seq[0] <= '9'
}

// errNoKey is key's answer when no key came in time.
var errNoKey = errors.New("no key in time")

// key reads one key, waiting at most wait for its first byte (for ever if
// wait < 0): an escape sequence is read whole, and a lone Esc is told from
// the start of one by the escWait that follows it.
func (r *keyReader) key(wait time.Duration) (key, error) {
	b, ok, err := r.next(wait)
	if err != nil {
		return key{}, err
	}
	if !ok {
		return key{}, errNoKey
	}
	seq := []byte{b}
	switch b {
	case keyEnter, keyLF:
		return key{keyEnterKind, seq}, nil
	case keyBackspace, keyCtrlH:
		return key{keyBack, seq}, nil
	case keyCtrlC, keyCtrlD:
		return key{keyQuit, seq}, nil
	case keyEsc:
	default:
		return key{keyOther, seq}, nil
	}
	b, ok, err = r.next(escWait)
	if err != nil {
		return key{}, err
	}
	if !ok {
		return key{keyBack, seq}, nil // a lone Esc
	}
	if b != '[' && b != 'O' { // Esc and a key typed fast (or Alt and a key)
		r.unread(b)
		return key{keyBack, seq}, nil
	}
	seq = append(seq, b)
	for { // CSI or SS3: parameters, then a final byte in @..~
		b, ok, err = r.next(escWait)
		if err != nil {
			return key{}, err
		}
		if !ok {
			return key{keyOther, seq}, nil
		}
		seq = append(seq, b)
		if b >= '@' && b <= '~' {
			break
		}
	}
	params := string(seq[2 : len(seq)-1])
	switch final := seq[len(seq)-1]; {
	case final == 'A':
		return key{keyUp, seq}, nil
	case final == 'B':
		return key{keyDown, seq}, nil
	case final == 'D':
		return key{keyBack, seq}, nil
	case final == '~' && params == "5":
		return key{keyPageUp, seq}, nil
	case final == '~' && params == "6":
		return key{keyPageDown, seq}, nil
	}
	return key{keyOther, seq}, nil
}

// next returns the next byte, waiting at most wait for it (for ever if
// wait < 0); ok is false when none came in time.
func (r *keyReader) next(wait time.Duration) (b byte, ok bool, err error) {
	var timeout <-chan time.Time
	if wait >= 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for {
		b, ok, wake, err := r.take()
		if err != nil || ok {
			return b, ok, err
		}
		select {
		case <-wake:
		case <-timeout:
			return 0, false, nil
		case <-r.done:
			return 0, false, io.EOF
		case <-r.ctx.Done():
			return 0, false, context.Cause(r.ctx)
		}
	}
}

// unread puts b back in front of the keys still to be read.
func (r *keyReader) unread(b byte) {
	r.k.mu.Lock()
	r.k.q = append([]byte{b}, r.k.q...)
	r.k.mu.Unlock()
}

// take returns the next byte (ok), or the end or error to report, or else the
// channel to wait on for more.
func (r *keyReader) take() (b byte, ok bool, wake <-chan struct{}, err error) {
	k := r.k
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case <-r.done:
		return 0, false, nil, io.EOF
	default:
	}
	switch {
	case len(k.q) > 0:
		b = k.q[0]
		k.q = k.q[1:]
		return b, true, nil, nil
	case k.eof:
		k.eof = false
		k.took.Signal()
		return 0, false, nil, io.EOF
	case k.err != nil:
		return 0, false, nil, k.err
	}
	return 0, false, k.wake, nil
}

// Close ends the reader: a Read waiting in it returns io.EOF and takes
// nothing from the queue.
func (r *keyReader) Close() error {
	r.once.Do(func() { close(r.done) })
	return nil
}
