package lab

import (
	"context"
	"errors"
	"io"
	"sync"
)

// KeyFeed carries keys pressed somewhere other than the terminal: the
// buttons and keys of the web page. Pressed keys wait in order, a few at
// most, for the stepper to ask for them.
type KeyFeed struct {
	ch chan Key
}

// feedKeys is how many pressed keys may wait.
const feedKeys = 16

// NewKeyFeed returns an empty feed.
func NewKeyFeed() *KeyFeed { return &KeyFeed{ch: make(chan Key, feedKeys)} }

// Press queues k for the next wait for a key. It never blocks: it reports
// false when feedKeys keys are waiting already.
func (f *KeyFeed) Press(k Key) bool {
	select {
	case f.ch <- k:
		return true
	default:
		return false
	}
}

// Drain drops the keys waiting, so a new run does not start with the last
// one's.
func (f *KeyFeed) Drain() {
	for {
		select {
		case <-f.ch:
		default:
			return
		}
	}
}

// MergeKeys returns keys that come from the terminal's keys term and from
// the feed, whichever comes first, so a terminal and a page step the same
// run: a key from either makes one call, and both see it happen. Typed
// lines come from term only. When term's input ends (a pipe at EOF) the
// feed's keys go on; term may be nil (no terminal: lab web).
func MergeKeys(term Keys, feed *KeyFeed) Keys { return &mergedKeys{term: term, feed: feed} }

type mergedKeys struct {
	term Keys
	feed *KeyFeed

	mu       sync.Mutex
	pending  *keyResult // a terminal key that came while the feed's won
	termDone bool
}

// Live: the page can press a key at any time.
func (m *mergedKeys) Live() bool { return true }

func (m *mergedKeys) Key(ctx context.Context) (Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.pending; p != nil {
		m.pending = nil
		return p.key, nil
	}
	if m.term == nil || m.termDone {
		select {
		case k := <-m.feed.ch:
			return k, nil
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
	// The terminal's read is given up when the feed wins: LineKeys keeps a
	// line it was reading for the next call, TermKeys its bytes, so nothing
	// typed is lost.
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := make(chan keyResult, 1)
	go func() {
		k, err := m.term.Key(tctx)
		res <- keyResult{k, err}
	}()
	select {
	case r := <-res:
		if errors.Is(r.err, io.EOF) {
			m.termDone = true
			select {
			case k := <-m.feed.ch:
				return k, nil
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
		}
		return r.key, r.err
	case k := <-m.feed.ch:
		cancel()
		switch r := <-res; {
		case r.err == nil:
			m.pending = &r // pressed at the same moment: it is the next key
		case errors.Is(r.err, io.EOF):
			m.termDone = true
		}
		return k, nil
	case <-ctx.Done():
		cancel()
		<-res
		return 0, context.Cause(ctx)
	}
}

func (m *mergedKeys) Line(ctx context.Context) (string, error) {
	if m.term == nil {
		return "", io.EOF
	}
	return m.term.Line(ctx)
}
