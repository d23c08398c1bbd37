package lab

// Eliding: a demo that moves many megabytes (a file upload) cannot keep a
// copy of every byte in the trace. Elide tells a connection to keep only the
// first bytes of each data call; the call is still recorded with its real
// counts (Req, N, Offset), and Event.Elided says how many bytes were moved
// but not kept, so every renderer can say so instead of pretending the
// call moved less.
//
//	sendall() → 65536/65536 bytes      Data: the first keep bytes
//	                                   Elided: 65536 - keep

// KeepAll turns eliding off: Elide(KeepAll) keeps every byte again.
const KeepAll = -1

// Elide makes the data calls on this connection, in both directions, keep
// at most keep bytes of what they moved in Event.Data (the rest is counted
// in Event.Elided), from the next call on. The sockets see no difference.
// Elide(KeepAll) keeps everything again, which is the default.
func (c *Conn) Elide(keep int) {
	if keep < 0 {
		c.elide.Store(0)
		return
	}
	c.elide.Store(int64(keep) + 1)
}

// Progress starts a transfer of total bytes on this connection (a file):
// each data call until Progress(0) carries the total and how much of it has
// moved, so a renderer can draw a progress bar. The sockets see no
// difference.
func (c *Conn) Progress(total int64) {
	c.transfer.Store(total)
	c.done.Store(0)
}

// kept returns e with its Data, which may still be the caller's buffer,
// copied: all of it, or when eliding only the first bytes, with Elided set
// and the marks cut to the bytes kept.
func (c *Conn) kept(e Event) Event {
	data := e.Data
	if at := c.elide.Load(); at > 0 && int64(len(data)) > at-1 {
		keep := int(at - 1)
		e.Elided = len(data) - keep
		data = data[:keep]
		e.Marks = clipMarks(e.Marks, keep)
	}
	e.Data = append([]byte(nil), data...)
	if total := c.transfer.Load(); total > 0 && e.Op.IsData() {
		e.Total, e.Done = total, c.done.Add(int64(e.N))
	}
	return e
}

// clipMarks cuts marks to the first n bytes, dropping those that start past them.
func clipMarks(marks []Mark, n int) []Mark {
	var out []Mark
	for _, m := range marks {
		if m.From >= n {
			continue
		}
		m.To = min(m.To, n)
		out = append(out, m)
	}
	return out
}
