package menu

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
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
type Keys struct {
	mu   sync.Mutex
	q    []byte
	eof  bool          // an end of input follows the bytes in q
	err  error         // the input failed; nothing more will come
	wake chan struct{} // closed and replaced when something is queued
	took *sync.Cond    // signalled when a reader takes the queued end
}

// NewKeys starts reading r. The goroutine it starts ends when r fails with
// an error other than io.EOF.
func NewKeys(r io.Reader) *Keys {
	k := &Keys{wake: make(chan struct{})}
	k.took = sync.NewCond(&k.mu)
	go k.pump(r)
	return k
}

func (k *Keys) pump(r io.Reader) {
	buf := make([]byte, 256)
	for {
		n, err := r.Read(buf)
		k.mu.Lock()
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
	return &keyReader{k: k, ctx: ctx, done: make(chan struct{})}
}

// menuReader is a Reader for a promptui Select (which has no search here)
// on which q, Ctrl-C and Ctrl-D read as Enter and set quit. promptui reacts
// to Ctrl-C and Ctrl-D by redrawing the menu from readline's goroutine while
// its own goroutine clears it: a data race, and a garbled screen. Enter is
// the one key it handles without drawing.
func (k *Keys) menuReader(ctx context.Context) *keyReader {
	return &keyReader{k: k, ctx: ctx, done: make(chan struct{}), menu: true}
}

// Keys as a terminal in raw mode sends them.
const (
	keyEnter = '\r'
	keyCtrlC = 0x03
	keyCtrlD = 0x04
)

type keyReader struct {
	k    *Keys
	ctx  context.Context
	done chan struct{}
	once sync.Once
	menu bool        // quit keys read as Enter
	quit atomic.Bool // a quit key was read
}

func (r *keyReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		b, ok, wake, err := r.take()
		if err != nil || ok {
			if ok {
				p[0] = b
				return 1, nil
			}
			return 0, err
		}
		select {
		case <-wake:
		case <-r.done:
			return 0, io.EOF
		case <-r.ctx.Done():
			return 0, context.Cause(r.ctx)
		}
	}
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
		if r.menu && (b == 'q' || b == keyCtrlC || b == keyCtrlD) {
			r.quit.Store(true)
			b = keyEnter
		}
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
