package grade

import "sync"

// tail keeps the last bytes written to it, and counts all of them: a
// program that prints 100 MB costs the lab the size of the tail.
//
//	offset 0                       total-size        total
//	│ forgotten ...                │ kept (ring) ... │
//
// Offsets are absolute (bytes written since the start), so a mark taken
// now still names the same byte after the ring has wrapped.
type tail struct {
	mu    sync.Mutex
	ring  []byte
	total int64
}

func newTail(size int) *tail { return &tail{ring: make([]byte, size)} }

// Write keeps the last len(ring) bytes of everything written.
func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	size := len(t.ring)
	if size == 0 {
		t.total += int64(n)
		return n, nil
	}
	if len(b) > size {
		t.total += int64(len(b) - size)
		b = b[len(b)-size:]
	}
	at := int(t.total % int64(size))
	c := copy(t.ring[at:], b)
	copy(t.ring, b[c:])
	t.total += int64(len(b))
	return n, nil
}

// Total is how many bytes were written.
func (t *tail) Total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Since returns the bytes written from offset on that are still kept, and
// how many of those from offset on are forgotten.
func (t *tail) Since(offset int64) (b []byte, lost int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	size := int64(len(t.ring))
	first := max(t.total-size, 0) // the oldest byte kept
	if offset < first {
		lost = first - offset
		offset = first
	}
	if offset >= t.total {
		return []byte{}, lost
	}
	b = make([]byte, 0, t.total-offset)
	at := offset % size
	end := t.total % size
	if at < end {
		return append(b, t.ring[at:end]...), lost
	}
	b = append(b, t.ring[at:]...)
	return append(b, t.ring[:end]...), lost
}

// Bytes returns every byte kept.
func (t *tail) Bytes() []byte {
	b, _ := t.Since(0)
	return b
}

// tee writes to several tails: a stream's own and the one both streams
// share (their order there is the order the lab read them in).
type tee []*tail

func (w tee) Write(b []byte) (int, error) {
	for _, t := range w {
		t.Write(b)
	}
	return len(b), nil
}
