package menu

import (
	"context"
	"io"
	"os"
	"sync"
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
