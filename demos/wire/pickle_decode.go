package wire

// The pickle decoder: ParsePickle, the safe stand-in for pickle.loads. It
// reads one opcode at a time (pickle_read.go) and runs it on a small stack
// machine whose handlers, one per opcode, are in pickle_run.go; the value
// left on the stack at STOP becomes plain Go values in pickle_value.go.

import (
	"fmt"
	"math/big"
	"slices"
)

// Values on the decoder's stack. Lists and dicts are pointers because
// APPEND and SETITEM change them after they were memoized; bytes are, so
// that the first reference to them can take them and later ones copy.
type (
	pyList  struct{ items []any }
	pyDict  struct{ keys, vals []any }
	pyTuple struct{ items []any }
	pyBytes struct {
		b     []byte
		taken bool // the result holds b: another reference copies it
	}
)

// ParsePickle decodes a pickle of at most max bytes (DefaultMax if max <= 0)
// that holds plain data: None, bool, int, float, str, bytes, bytearray,
// list, tuple and dict. It is the safe stand-in for pickle.loads.
//
// The result uses nil, bool, int64 (or *big.Int for larger ints), float64,
// string, []byte, []any (lists and tuples) and map[string]any (a dict whose
// keys are all strings) or map[any]any (other keys that Go can compare).
//
// Any opcode that imports or calls something or builds an object (GLOBAL,
// STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, EXT*, PERSID, buffers) is
// refused with an *UnsafePickleError, which names the callable when the
// pickle named one; nothing after it is run. ParsePickle never panics.
//
// A pickle can refer back to a value it built before (the memo: BINGET,
// DUP), so a few hundred bytes can name a list that holds one value a
// million times over. Python shares that value; the result here is a tree
// of Go values in which every reference is a copy. The decoded value may
// therefore cost at most pickleGrowth (128) bytes for each byte of b, plus
// 64 KiB, counting every reference to a shared value each time it is
// expanded (a string or bytes its length plus a header, a number, list or
// dict the memory Go holds it in, at least 16 bytes per value); a pickle
// whose value would cost more is refused with an error matching
// ErrTooLarge before it is built. So the memory ParsePickle uses, and the
// work of anything that walks its result, is linear in len(b).
func ParsePickle(b []byte, max int) (any, error) {
	if int64(len(b)) > limit(max) {
		return nil, fmt.Errorf("pickle length %d %w %d", len(b), ErrTooLarge, limit(max))
	}
	m := pickleMachine{memo: map[int64]any{}, size: len(b)}
	r := pickleReader{b: b}
	for {
		op, err := r.next()
		if err != nil {
			return nil, err
		}
		if err := m.run(op); err != nil {
			return nil, err
		}
		if m.done {
			return m.result, nil
		}
	}
}

// pickleMachine is the stack machine a pickle runs on.
type pickleMachine struct {
	stack []any
	marks []int // stack heights at each MARK
	memo  map[int64]any
	size  int // the pickle's length, which sets the budget of the result

	done   bool // STOP ran: result is the decoded value
	result any
}

// run refuses an unsafe opcode, naming its callable, and runs a safe one.
func (m *pickleMachine) run(op pickleOp) error {
	if unsafeOps[op.code] {
		return m.unsafe(op)
	}
	h := pickleHandlers[op.code]
	if h == nil {
		return fmt.Errorf("%w pickle: opcode %s at byte %d is not supported", ErrMalformed, op.name(), op.off)
	}
	return h(m, op)
}

// unsafe is the error for an unsafe opcode, with the callable it names:
// GLOBAL and INST in their argument, STACK_GLOBAL in the two strings on
// top of the stack.
func (m *pickleMachine) unsafe(op pickleOp) error {
	e := &UnsafePickleError{Op: op.name(), Offset: op.off}
	switch op.code {
	case opGlobal, opInst:
		e.Callable = string(op.data)
	case opStackGlobal:
		if len(m.stack) >= 2 {
			mod, ok1 := m.stack[len(m.stack)-2].(string)
			name, ok2 := m.stack[len(m.stack)-1].(string)
			if ok1 && ok2 {
				e.Callable = mod + "." + name
			}
		}
	}
	return e
}

func (m *pickleMachine) push(v any) { m.stack = append(m.stack, v) }

// underMark reports whether the stack holds nothing above the last MARK.
func (m *pickleMachine) underMark() bool {
	return len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) == m.marks[len(m.marks)-1])
}

func (m *pickleMachine) pop() (any, error) {
	if m.underMark() {
		return nil, fmt.Errorf("%w pickle: stack underflow", ErrMalformed)
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

// popMark removes the last MARK and returns the values above it.
func (m *pickleMachine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, fmt.Errorf("%w pickle: no MARK", ErrMalformed)
	}
	at := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := slices.Clone(m.stack[at:])
	m.stack = m.stack[:at]
	return items, nil
}

func (m *pickleMachine) top() (any, error) {
	if m.underMark() {
		return nil, fmt.Errorf("%w pickle: stack underflow", ErrMalformed)
	}
	return m.stack[len(m.stack)-1], nil
}

// set adds key, value pairs to d, checking that each key is hashable.
func (d *pyDict) set(items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("%w pickle: odd number of items for a dict", ErrMalformed)
	}
	for i := 0; i < len(items); i += 2 {
		switch items[i].(type) {
		case nil, bool, int64, float64, string:
		default:
			return fmt.Errorf("%w pickle: a dict key of type %s (the lab takes None, bool, int, float and str keys)", ErrMalformed, pyType(items[i]))
		}
		d.keys = append(d.keys, items[i])
		d.vals = append(d.vals, items[i+1])
	}
	return nil
}

func pyType(v any) string {
	switch v.(type) {
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	case *pyTuple:
		return "tuple"
	case *pyBytes:
		return "bytes"
	case *big.Int:
		return "int"
	}
	return fmt.Sprintf("%T", v)
}
