package menu

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Keys reads a terminal's input in one goroutine and hands it to one reader
// at a time. promptui (through readline) leaves a goroutine blocked reading
// its input after a prompt ends; if that goroutine read the terminal itself,
// the next key typed would vanish into a finished prompt. Here a finished
// prompt's reader is closed, and a closed reader takes nothing from the
// queue, so the key waits for whoever reads next.
//
//	terminal ──pump──▶ queue ──▶ reader of the current prompt (closed after it)
//
// A terminal can report end of input (Ctrl-D in cooked mode) and go on: the
// end is queued after the bytes before it, given to one reader, and only then
// does the pump read again.
//
// While another program (a pager) reads the terminal, the pump can be
// paused: see [Keys.Pause].
type Keys struct {
	mu      sync.Mutex
	q       []byte
	eof     bool          // an end of input follows the bytes in q
	err     error         // the input failed; nothing more will come
	wake    chan struct{} // closed and replaced when something is queued
	took    *sync.Cond    // signalled when a reader takes the queued end
	src     source
	paused  bool       // the pump must not read until Resume
	reading bool       // the pump is in src.Read
	idle    *sync.Cond // signalled when the pump leaves src.Read or paused ends
}

// source is what the pump reads. A source that can stop a waiting Read
// returns errWoken from it after interrupt, without having read anything.
type source interface {
	io.Reader
	interrupt() bool // false: a waiting Read cannot be stopped
}

// plainSource is a reader whose Read cannot be interrupted.
type plainSource struct{ io.Reader }

func (plainSource) interrupt() bool { return false }

// NewKeys starts reading r. The goroutine it starts ends when r fails with
// an error other than io.EOF. A terminal (an *os.File) is read so that the
// pump can be paused where the platform allows it.
func NewKeys(r io.Reader) *Keys {
	var src source = plainSource{r}
	if f, ok := r.(*os.File); ok {
		if s, err := newTTYSource(f); err == nil {
			src = s
		}
	}
	k := &Keys{wake: make(chan struct{}), src: src}
	k.took = sync.NewCond(&k.mu)
	k.idle = sync.NewCond(&k.mu)
	go k.pump()
	return k
}

func (k *Keys) pump() {
	buf := make([]byte, 256)
	for {
		k.mu.Lock()
		for k.paused {
			k.idle.Wait()
		}
		k.reading = true
		k.mu.Unlock()
		n, err := k.src.Read(buf)
		k.mu.Lock()
		k.reading = false
		k.idle.Broadcast()
		if err == errWoken {
			k.mu.Unlock()
			continue
		}
		k.q = append(k.q, buf[:n]...)
		switch {
		case err == io.EOF:
			k.eof = true
		case err != nil:
			k.err = err
		}
		close(k.wake)
		k.wake = make(chan struct{})
		for k.eof {
			k.took.Wait()
		}
		failed := k.err != nil
		k.mu.Unlock()
		if failed {
			return
		}
	}
}

// Pause stops the pump reading the terminal until Resume, so that another
// program reading it (a pager) gets every key. It reports false when the
// input cannot be paused (it is not a terminal, or the platform cannot stop
// a waiting read): keys may then go to either.
func (k *Keys) Pause() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.paused = true
	if !k.reading {
		return true
	}
	if !k.src.interrupt() {
		return false
	}
	for k.reading {
		k.idle.Wait()
	}
	return true
}

// Resume lets the pump read again after Pause.
func (k *Keys) Resume() {
	k.mu.Lock()
	k.paused = false
	k.idle.Broadcast()
	k.mu.Unlock()
}

// Discard drops the bytes typed ahead that no one has read yet.
func (k *Keys) Discard() {
	k.mu.Lock()
	k.q = k.q[:0]
	k.mu.Unlock()
}

// Reader returns a reader of the keys that ends when ctx does (with its
// cause) or when it is closed (with io.EOF). Each Read returns one byte, so
// a buffered reader above it never holds a key meant for the next reader.
func (k *Keys) Reader(ctx context.Context) io.ReadCloser {
	return k.reader(ctx)
}

func (k *Keys) reader(ctx context.Context) *keyReader {
	return &keyReader{k: k, ctx: ctx, done: make(chan struct{})}
}

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
