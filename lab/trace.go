package lab

// Trace is the list of events of one run, in seq order.
type Trace []Event

// Filter returns the events for which keep is true.
func (t Trace) Filter(keep func(Event) bool) Trace {
	var out Trace
	for _, e := range t {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// Calls returns the successful events of one side and kind.
func (t Trace) Calls(side Role, op Op) Trace {
	return t.Filter(func(e Event) bool { return e.Side == side && e.Op == op && e.Err == "" })
}

// Bytes joins the data of the events.
func (t Trace) Bytes() []byte {
	var b []byte
	for _, e := range t {
		b = append(b, e.Data...)
	}
	return b
}

// Counts returns each event's N.
func (t Trace) Counts() []int {
	out := make([]int, len(t))
	for i, e := range t {
		out[i] = e.N
	}
	return out
}

// Ops returns the op names of the events, for checking a call sequence.
func (t Trace) Ops() []string {
	out := make([]string, len(t))
	for i, e := range t {
		out[i] = e.Op.String()
	}
	return out
}
