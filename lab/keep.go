package lab

// What a data call keeps: the bytes a call moved go to the sink as it is
// recorded, as many as it needs (all for the JSON trace, the first few
// hundred of each part for a text view), and to the trace as many as the
// findings need (see Recorder). N always says how many moved, and Sum
// covers every one, so nothing claims a call moved less than it did.
//
//	recv(65536) → 65536 bytes   Data: the first bytes, N: 65536
//	                            Sum: the Digest of the stream so far

// Progress starts a transfer of total bytes on this connection (a file):
// each data call until Progress(0) carries the total and how much of it has
// moved, so a renderer can draw a progress bar. The sockets see no
// difference.
func (c *Conn) Progress(total int64) {
	c.transfer.Store(total)
	c.done.Store(0)
}

// borrowMin is the size from which a data call's bytes are lent to the
// sink instead of copied (see kept).
const borrowMin = 1 << 20

// kept returns e with its Data, which may still be the caller's buffer,
// copied: as much as the recorder's sink and trace need, with the marks cut
// to the bytes kept, and its stream's digest when the run keeps digests.
// A call of more than borrowMin bytes whose sink needs them all (the JSON
// trace) lends the caller's buffer instead: the event is marked borrowed,
// and the call waits (release) until the sink has written it, so a 16 MiB
// sendall is not held twice. The trace keeps a copy of its head.
func (c *Conn) kept(e Event) Event {
	rec := c.side.run.rec
	c.side.run.returned()
	data := e.Data
	if rec.digest && len(data) > 0 {
		sum := c.txSum
		if e.Op.IsRecv() {
			sum = c.rxSum
		}
		e.Sum = sum.add(data)
	}
	keep := rec.dataFor(streamKey{e.Conn, e.Op.IsRecv()}, len(data), e.Marks)
	if keep < len(data) {
		data = data[:keep] // the marks still describe all N bytes
	}
	if len(data) > borrowMin && rec.lends() {
		e.Data, e.borrowed = data, true
	} else {
		e.Data = append([]byte(nil), data...)
	}
	if total := c.transfer.Load(); total > 0 && e.Op.IsData() {
		e.Total, e.Done = total, c.done.Add(int64(e.N))
	}
	return e
}

// Part returns the bytes of e that mark m labels, as far as e kept them.
func (e Event) Part(m Mark) []byte {
	from, to := min(m.From, len(e.Data)), min(m.To, len(e.Data))
	if from > to {
		return nil
	}
	return e.Data[from:to]
}

// release returns a buffer lent to the sink (kept): it waits until the
// sink has handled the event.
func (c *Conn) release(e Event) {
	if e.borrowed {
		c.side.run.rec.Flush()
	}
}
