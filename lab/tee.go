package lab

// Tee is a Sink that hands every event to several sinks, each with as many
// of a call's bytes as it needs (ByteSink): `lab run --save FILE` draws the
// text lanes from the first bytes of each call while the JSON trace it
// saves gets every byte.
type Tee []Sink

// Needs is the most any of the sinks needs: -1 when one needs every byte.
func (t Tee) Needs() int {
	most := 0
	for _, s := range t {
		n := -1
		if bs, ok := s.(ByteSink); ok {
			n = bs.Needs()
		}
		if n < 0 {
			return -1
		}
		most = max(most, n)
	}
	return most
}

// Emit hands e to every sink.
func (t Tee) Emit(e Event) {
	for _, s := range t {
		s.Emit(trimFor(s, e))
	}
}

// Flush flushes the sinks that buffer.
func (t Tee) Flush() {
	for _, s := range t {
		if f, ok := s.(flusher); ok {
			f.Flush()
		}
	}
}

// trimFor is e with no more of its bytes than s needs: what a sink gets
// when it is the only one, so it draws the same either way.
func trimFor(s Sink, e Event) Event {
	bs, ok := s.(ByteSink)
	if !ok || bs.Needs() < 0 || !e.Op.IsData() {
		return e
	}
	n := bs.Needs()
	if n > 0 && len(e.Marks) > 0 {
		n += e.Marks[len(e.Marks)-1].From
	}
	if len(e.Data) > n {
		e.Data = e.Data[:n]
		if e.borrowed {
			// The caller's buffer, lent until the sinks have handled the
			// event (Conn.kept): a sink that keeps its head past Emit (a
			// view's fold, the web hub's row detail) gets a copy of it.
			e.Data, e.borrowed = append([]byte(nil), e.Data...), false
		}
	}
	return e
}
