package wire

// What each safe opcode does to the decoder's stack machine: one short
// handler per opcode, found by its byte in pickleHandlers. An opcode with
// no handler is refused; unsafe opcodes never reach a handler (see
// pickleMachine.run).

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// A pickleHandler runs one opcode on the machine.
type pickleHandler func(m *pickleMachine, op pickleOp) error

// pickleHandlers are the handlers of the opcodes ParsePickle runs, indexed
// by the opcode's byte.
var pickleHandlers = [256]pickleHandler{
	opProto: (*pickleMachine).proto,
	opFrame: func(*pickleMachine, pickleOp) error { return nil }, // the reader checked its length
	opStop:  (*pickleMachine).stop,

	opMark:    (*pickleMachine).mark,
	opPop:     (*pickleMachine).popOne,
	opPopMark: (*pickleMachine).popToMark,
	opDup:     (*pickleMachine).dup,

	opNone:          pushConst(nil),
	opNewTrue:       pushConst(true),
	opNewFalse:      pushConst(false),
	opBinInt:        (*pickleMachine).pushInt,
	opBinInt1:       (*pickleMachine).pushInt,
	opBinInt2:       (*pickleMachine).pushInt,
	opLong1:         (*pickleMachine).pushLong,
	opLong4:         (*pickleMachine).pushLong,
	opBinFloat:      (*pickleMachine).pushFloat,
	opShortBinUni:   (*pickleMachine).pushString,
	opBinUnicode:    (*pickleMachine).pushString,
	opBinUnicode8:   (*pickleMachine).pushString,
	opShortBinBytes: (*pickleMachine).pushBytes,
	opBinBytes:      (*pickleMachine).pushBytes,
	opBinBytes8:     (*pickleMachine).pushBytes,
	opByteArray8:    (*pickleMachine).pushBytes,

	opEmptyList:  (*pickleMachine).emptyList,
	opEmptyDict:  (*pickleMachine).emptyDict,
	opEmptyTuple: (*pickleMachine).emptyTuple,
	opList:       (*pickleMachine).list,
	opTuple:      (*pickleMachine).tuple,
	opTuple1:     (*pickleMachine).tupleN,
	opTuple2:     (*pickleMachine).tupleN,
	opTuple3:     (*pickleMachine).tupleN,
	opDict:       (*pickleMachine).dict,
	opAppend:     (*pickleMachine).appendOne,
	opAppends:    (*pickleMachine).appendMark,
	opSetItem:    (*pickleMachine).setItem,
	opSetItems:   (*pickleMachine).setItems,

	opMemoize:    (*pickleMachine).put,
	opBinPut:     (*pickleMachine).put,
	opLongBinPut: (*pickleMachine).put,
	opBinGet:     (*pickleMachine).get,
	opLongBinGet: (*pickleMachine).get,
}

// Framing.

func (m *pickleMachine) proto(op pickleOp) error {
	if op.n > 5 {
		return fmt.Errorf("%w pickle: protocol %d (the lab reads 2 to 5)", ErrMalformed, op.n)
	}
	return nil
}

// stop ends the pickle: the one value on the stack, turned into Go values
// within the budget of the pickle's size, is the result.
func (m *pickleMachine) stop(pickleOp) error {
	if len(m.stack) != 1 || len(m.marks) != 0 {
		return fmt.Errorf("%w pickle: STOP with %d values on the stack", ErrMalformed, len(m.stack))
	}
	v, err := toGo(m.stack[0], m.size)
	if err != nil {
		return err
	}
	m.result, m.done = v, true
	return nil
}

// The stack itself.

func (m *pickleMachine) mark(pickleOp) error {
	m.marks = append(m.marks, len(m.stack))
	return nil
}

func (m *pickleMachine) popOne(pickleOp) error {
	_, err := m.pop()
	return err
}

func (m *pickleMachine) popToMark(pickleOp) error {
	_, err := m.popMark()
	return err
}

func (m *pickleMachine) dup(pickleOp) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	m.push(v)
	return nil
}

// Scalars.

// pushConst is the handler of an opcode that pushes v (None, True, False).
func pushConst(v any) pickleHandler {
	return func(m *pickleMachine, _ pickleOp) error {
		m.push(v)
		return nil
	}
}

func (m *pickleMachine) pushInt(op pickleOp) error {
	m.push(op.n)
	return nil
}

func (m *pickleMachine) pushLong(op pickleOp) error {
	if op.big != nil {
		m.push(op.big)
	} else {
		m.push(op.n)
	}
	return nil
}

func (m *pickleMachine) pushFloat(op pickleOp) error {
	m.push(op.f)
	return nil
}

func (m *pickleMachine) pushString(op pickleOp) error {
	if !utf8.Valid(op.data) {
		return fmt.Errorf("%w pickle: string at byte %d is not valid UTF-8", ErrMalformed, op.off)
	}
	m.push(string(op.data))
	return nil
}

func (m *pickleMachine) pushBytes(op pickleOp) error {
	m.push(&pyBytes{b: slices.Clone(op.data)})
	return nil
}

// Lists, tuples and dicts.

func (m *pickleMachine) emptyList(pickleOp) error {
	m.push(&pyList{})
	return nil
}

func (m *pickleMachine) emptyDict(pickleOp) error {
	m.push(&pyDict{})
	return nil
}

func (m *pickleMachine) emptyTuple(pickleOp) error {
	m.push(&pyTuple{})
	return nil
}

func (m *pickleMachine) list(pickleOp) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	m.push(&pyList{items: items})
	return nil
}

func (m *pickleMachine) tuple(pickleOp) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	m.push(&pyTuple{items: items})
	return nil
}

// tupleN runs TUPLE1, TUPLE2 and TUPLE3: a tuple of the top 1, 2 or 3 values.
func (m *pickleMachine) tupleN(op pickleOp) error {
	n := int(op.code-opTuple1) + 1
	items := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		var err error
		if items[i], err = m.pop(); err != nil {
			return err
		}
	}
	m.push(&pyTuple{items: items})
	return nil
}

func (m *pickleMachine) dict(pickleOp) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	d := &pyDict{}
	if err := d.set(items); err != nil {
		return err
	}
	m.push(d)
	return nil
}

func (m *pickleMachine) appendOne(op pickleOp) error {
	v, err := m.pop()
	if err != nil {
		return err
	}
	return m.appendTo(op, []any{v})
}

func (m *pickleMachine) appendMark(op pickleOp) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	return m.appendTo(op, items)
}

// appendTo appends items to the list on top of the stack.
func (m *pickleMachine) appendTo(op pickleOp, items []any) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	l, ok := v.(*pyList)
	if !ok {
		return fmt.Errorf("%w pickle: %s at byte %d on something that is not a list", ErrMalformed, op.name(), op.off)
	}
	l.items = append(l.items, items...)
	return nil
}

func (m *pickleMachine) setItem(op pickleOp) error {
	val, err := m.pop()
	if err != nil {
		return err
	}
	key, err := m.pop()
	if err != nil {
		return err
	}
	return m.setIn(op, []any{key, val})
}

func (m *pickleMachine) setItems(op pickleOp) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	return m.setIn(op, items)
}

// setIn adds key, value pairs to the dict on top of the stack.
func (m *pickleMachine) setIn(op pickleOp, items []any) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	d, ok := v.(*pyDict)
	if !ok {
		return fmt.Errorf("%w pickle: %s at byte %d on something that is not a dict", ErrMalformed, op.name(), op.off)
	}
	return d.set(items)
}

// The memo.

// put runs MEMOIZE (the next free index), BINPUT and LONG_BINPUT.
func (m *pickleMachine) put(op pickleOp) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	i := op.n
	if op.code == opMemoize {
		i = int64(len(m.memo))
	}
	m.memo[i] = v
	return nil
}

func (m *pickleMachine) get(op pickleOp) error {
	v, ok := m.memo[op.n]
	if !ok {
		return fmt.Errorf("%w pickle: memo %d at byte %d was never stored", ErrMalformed, op.n, op.off)
	}
	m.push(v)
	return nil
}
