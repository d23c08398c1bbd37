package menu

// The reader Keys hands out, one byte per Read, and how a menu's reader
// turns the keys promptui gets wrong (quit, back, a number) into Enter.

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// menuReader is a Reader for a promptui Select (which has no search here)
// that reads the keys promptui gets wrong itself, and hands it Enter for
// them, setting quit, back or jump for Select to see once it returns:
//
//   - Ctrl-C and Ctrl-D (quit), and q (quit at the top, back below): promptui
//     reacts to Ctrl-C and Ctrl-D by redrawing the menu from readline's
//     goroutine while its own goroutine clears it: a data race, and a
//     garbled screen. Enter is the one key it handles without drawing.
//   - Esc, Backspace and ← (back; nothing at the top): readline would wait
//     after a lone Esc for the key it starts, and ← pages up.
//   - a number naming an item (jump to it): promptui has no such keys.
//
// Every other key reaches promptui as typed.
func (k *Keys) menuReader(ctx context.Context, m *menuKeys) *keyReader {
	r := k.reader(ctx)
	r.menu = m
	return r
}

// menuKeys is what a menu's keys mean.
type menuKeys struct {
	top     bool          // q quits, and back keys do nothing
	numbers map[int]int   // a typed number → the index of the item it chooses
	wait    time.Duration // how long a number waits for its next digit
}

// extends reports whether typed digits are the start of a longer number
// that chooses an item.
func (m *menuKeys) extends(typed string) bool {
	typed = strings.TrimLeft(typed, "0")
	for n := range m.numbers {
		if s := strconv.Itoa(n); len(s) > len(typed) && strings.HasPrefix(s, typed) {
			return true
		}
	}
	return false
}

// Keys as a terminal in raw mode sends them.
const (
	keyEnter     = '\r'
	keyLF        = '\n'
	keyCtrlC     = 0x03
	keyCtrlD     = 0x04
	keyCtrlH     = 0x08
	keyEsc       = 0x1b
	keyBackspace = 0x7f
)

// escWait is how long a lone Esc waits for the rest of an escape sequence
// (an arrow key sends Esc [ D): a person cannot type that fast, a terminal
// sends the whole sequence at once.
const escWait = 100 * time.Millisecond

type keyReader struct {
	k    *Keys
	ctx  context.Context
	done chan struct{}
	once sync.Once

	menu *menuKeys // nil: the keys as typed
	pend []byte    // bytes of a key still to hand on (menu readers only)

	quit atomic.Bool  // a quit key was read
	back atomic.Bool  // a back key was read
	jump atomic.Int64 // 1 + the index of the item a typed number chose
}

func (r *keyReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.menu == nil {
		b, _, err := r.next(-1)
		if err != nil {
			return 0, err
		}
		p[0] = b
		return 1, nil
	}
	for len(r.pend) == 0 {
		k, err := r.key(-1)
		if err != nil {
			return 0, err
		}
		if err := r.menuKey(k); err != nil {
			return 0, err
		}
	}
	p[0] = r.pend[0]
	r.pend = r.pend[1:]
	return 1, nil
}

// menuKey decides what promptui gets for key k.
func (r *keyReader) menuKey(k key) error {
	m := r.menu
	switch {
	case k.kind == keyQuit || (k.is('q') && m.top):
		r.quit.Store(true)
		r.pend = []byte{keyEnter}
	case k.kind == keyBack || k.is('q'):
		if !m.top {
			r.back.Store(true)
			r.pend = []byte{keyEnter}
		}
	case k.digit() && m.numbers != nil:
		return r.number(k)
	default:
		r.pend = k.seq
	}
	return nil
}

// number reads the rest of a number whose first digit is first: it ends
// with Enter, when no longer number chooses an item, or when no digit
// follows for a moment. A number that chooses an item reads as Enter and
// sets jump; another key cancels it and is read as itself. A number that
// chooses nothing is dropped, with the Enter that ends it or follows it.
func (r *keyReader) number(first key) error {
	m := r.menu
	typed := string(first.seq)
	for m.extends(typed) {
		k, err := r.key(m.wait)
		switch {
		case err == errNoKey || (err == nil && k.kind == keyEnterKind):
			r.choose(typed)
			return nil
		case err != nil:
			return err
		case k.digit():
			typed += string(k.seq)
		default:
			return r.menuKey(k)
		}
	}
	if r.choose(typed) {
		return nil
	}
	k, err := r.key(m.wait) // 19 Enter with no 19 must not choose the item under the cursor
	switch {
	case err == errNoKey || (err == nil && k.kind == keyEnterKind):
		return nil
	case err != nil:
		return err
	}
	return r.menuKey(k)
}

// choose chooses the item typed names, if there is one.
func (r *keyReader) choose(typed string) bool {
	n, _ := strconv.Atoi(typed)
	i, ok := r.menu.numbers[n]
	if ok {
		r.jump.Store(int64(i) + 1)
		r.pend = []byte{keyEnter}
	}
	return ok
}
