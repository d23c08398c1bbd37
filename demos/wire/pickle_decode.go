package wire

// The pickle decoder: ParsePickle, the safe stand-in for pickle.loads.

import (
	"fmt"
	"math/big"
	"slices"
	"unicode/utf8"
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
	var (
		stack []any
		marks []int // stack heights at each MARK
		memo  = map[int64]any{}
	)
	r := pickleReader{b: b}
	pop := func() (any, error) {
		if len(stack) == 0 || (len(marks) > 0 && len(stack) == marks[len(marks)-1]) {
			return nil, fmt.Errorf("%w pickle: stack underflow", ErrMalformed)
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v, nil
	}
	popMark := func() ([]any, error) {
		if len(marks) == 0 {
			return nil, fmt.Errorf("%w pickle: no MARK", ErrMalformed)
		}
		at := marks[len(marks)-1]
		marks = marks[:len(marks)-1]
		items := slices.Clone(stack[at:])
		stack = stack[:at]
		return items, nil
	}
	top := func() (any, error) {
		if len(stack) == 0 || (len(marks) > 0 && len(stack) == marks[len(marks)-1]) {
			return nil, fmt.Errorf("%w pickle: stack underflow", ErrMalformed)
		}
		return stack[len(stack)-1], nil
	}
	for {
		op, err := r.next()
		if err != nil {
			return nil, err
		}
		if unsafeOps[op.code] {
			e := &UnsafePickleError{Op: op.name(), Offset: op.off}
			switch op.code {
			case opGlobal, opInst:
				e.Callable = string(op.data)
			case opStackGlobal:
				if len(stack) >= 2 {
					mod, ok1 := stack[len(stack)-2].(string)
					name, ok2 := stack[len(stack)-1].(string)
					if ok1 && ok2 {
						e.Callable = mod + "." + name
					}
				}
			}
			return nil, e
		}
		switch op.code {
		case opProto:
			if op.n > 5 {
				return nil, fmt.Errorf("%w pickle: protocol %d (the lab reads 2 to 5)", ErrMalformed, op.n)
			}
		case opFrame:
		case opStop:
			if len(stack) != 1 || len(marks) != 0 {
				return nil, fmt.Errorf("%w pickle: STOP with %d values on the stack", ErrMalformed, len(stack))
			}
			return toGo(stack[0], len(b))
		case opMark:
			marks = append(marks, len(stack))
		case opPop:
			if _, err := pop(); err != nil {
				return nil, err
			}
		case opPopMark:
			if _, err := popMark(); err != nil {
				return nil, err
			}
		case opDup:
			v, err := top()
			if err != nil {
				return nil, err
			}
			stack = append(stack, v)
		case opNone:
			stack = append(stack, nil)
		case opNewTrue:
			stack = append(stack, true)
		case opNewFalse:
			stack = append(stack, false)
		case opBinInt, opBinInt1, opBinInt2:
			stack = append(stack, op.n)
		case opLong1, opLong4:
			if op.big != nil {
				stack = append(stack, op.big)
			} else {
				stack = append(stack, op.n)
			}
		case opBinFloat:
			stack = append(stack, op.f)
		case opShortBinUni, opBinUnicode, opBinUnicode8:
			if !utf8.Valid(op.data) {
				return nil, fmt.Errorf("%w pickle: string at byte %d is not valid UTF-8", ErrMalformed, op.off)
			}
			stack = append(stack, string(op.data))
		case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
			stack = append(stack, &pyBytes{b: slices.Clone(op.data)})
		case opEmptyList:
			stack = append(stack, &pyList{})
		case opEmptyDict:
			stack = append(stack, &pyDict{})
		case opEmptyTuple:
			stack = append(stack, &pyTuple{})
		case opList, opTuple:
			items, err := popMark()
			if err != nil {
				return nil, err
			}
			if op.code == opList {
				stack = append(stack, &pyList{items: items})
			} else {
				stack = append(stack, &pyTuple{items: items})
			}
		case opTuple1, opTuple2, opTuple3:
			n := int(op.code-opTuple1) + 1
			items := make([]any, n)
			for i := n - 1; i >= 0; i-- {
				if items[i], err = pop(); err != nil {
					return nil, err
				}
			}
			stack = append(stack, &pyTuple{items: items})
		case opDict:
			items, err := popMark()
			if err != nil {
				return nil, err
			}
			d := &pyDict{}
			if err := d.set(items); err != nil {
				return nil, err
			}
			stack = append(stack, d)
		case opAppend, opAppends:
			var items []any
			if op.code == opAppend {
				v, err := pop()
				if err != nil {
					return nil, err
				}
				items = []any{v}
			} else if items, err = popMark(); err != nil {
				return nil, err
			}
			v, err := top()
			if err != nil {
				return nil, err
			}
			l, ok := v.(*pyList)
			if !ok {
				return nil, fmt.Errorf("%w pickle: %s at byte %d on something that is not a list", ErrMalformed, op.name(), op.off)
			}
			l.items = append(l.items, items...)
		case opSetItem, opSetItems:
			var items []any
			if op.code == opSetItem {
				val, err := pop()
				if err != nil {
					return nil, err
				}
				key, err := pop()
				if err != nil {
					return nil, err
				}
				items = []any{key, val}
			} else if items, err = popMark(); err != nil {
				return nil, err
			}
			v, err := top()
			if err != nil {
				return nil, err
			}
			d, ok := v.(*pyDict)
			if !ok {
				return nil, fmt.Errorf("%w pickle: %s at byte %d on something that is not a dict", ErrMalformed, op.name(), op.off)
			}
			if err := d.set(items); err != nil {
				return nil, err
			}
		case opMemoize, opBinPut, opLongBinPut:
			v, err := top()
			if err != nil {
				return nil, err
			}
			i := op.n
			if op.code == opMemoize {
				i = int64(len(memo))
			}
			memo[i] = v
		case opBinGet, opLongBinGet:
			v, ok := memo[op.n]
			if !ok {
				return nil, fmt.Errorf("%w pickle: memo %d at byte %d was never stored", ErrMalformed, op.n, op.off)
			}
			stack = append(stack, v)
		default:
			return nil, fmt.Errorf("%w pickle: opcode %s at byte %d is not supported", ErrMalformed, op.name(), op.off)
		}
	}
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

// toGo turns the decoder's values into plain Go values, refusing a
// structure that contains itself and one that would cost more than the
// budget of a pickle of n bytes (see ParsePickle). Each value is counted
// before it is built, and again for every reference to it.
func toGo(v any, n int) (any, error) {
	budget := int64(pickleGrowth)*int64(n) + pickleSlack
	spent := int64(0)
	charge := func(cost int) error {
		if spent += int64(cost); spent > budget {
			return fmt.Errorf("pickle: decoded value %w %d bytes (%d for each of the pickle's %d bytes, plus %d): every reference to a shared value (BINGET, DUP) counts again",
				ErrTooLarge, budget, pickleGrowth, n, pickleSlack)
		}
		return nil
	}
	onPath := map[any]bool{}
	var conv func(v any, depth int) (any, error)
	conv = func(v any, depth int) (any, error) {
		if depth > maxPickleNest {
			return nil, fmt.Errorf("%w pickle: nested deeper than %d", ErrMalformed, maxPickleNest)
		}
		if err := charge(cost(v)); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case *pyList, *pyDict, *pyTuple:
			if onPath[x] {
				return nil, fmt.Errorf("%w pickle: a list or dict contains itself", ErrMalformed)
			}
			onPath[x] = true
			defer delete(onPath, x)
		}
		switch x := v.(type) {
		case *pyList:
			return convItems(x.items, depth, conv)
		case *pyTuple:
			return convItems(x.items, depth, conv)
		case *pyDict:
			allStrings := true
			for _, k := range x.keys {
				if _, ok := k.(string); !ok {
					allStrings = false
				}
			}
			if allStrings {
				m := make(map[string]any, len(x.keys))
				for i, k := range x.keys {
					if err := charge(cost(k)); err != nil {
						return nil, err
					}
					val, err := conv(x.vals[i], depth+1)
					if err != nil {
						return nil, err
					}
					m[k.(string)] = val
				}
				return m, nil
			}
			m := make(map[any]any, len(x.keys))
			for i, k := range x.keys {
				if err := charge(cost(k)); err != nil {
					return nil, err
				}
				val, err := conv(x.vals[i], depth+1)
				if err != nil {
					return nil, err
				}
				if f, ok := k.(float64); ok && f != f {
					return nil, fmt.Errorf("%w pickle: a dict key is NaN", ErrMalformed)
				}
				m[k] = val
			}
			return m, nil
		case *pyBytes:
			if !x.taken {
				x.taken = true
				return x.b, nil
			}
			return slices.Clone(x.b), nil // a memoized value may appear twice
		}
		return v, nil
	}
	if err := charge(costValue); err != nil { // the result's own interface
		return nil, err
	}
	return conv(v, 0)
}

// cost is what a decoder value costs against the budget, beyond the
// interface that holds it (which its list or dict counts): a number's box,
// a string's or bytes' header and bytes, a list's header and the interfaces
// of its items, a dict's map with its entries.
func cost(v any) int {
	switch x := v.(type) {
	case int64, float64:
		return costNumber
	case *big.Int:
		return costBig + len(x.Bits())*8
	case string:
		return costHeader + len(x)
	case *pyBytes:
		return costHeader + len(x.b)
	case *pyList:
		return costHeader + costValue*len(x.items)
	case *pyTuple:
		return costHeader + costValue*len(x.items)
	case *pyDict:
		return costDict + (costEntry+2*costValue)*len(x.keys)
	}
	return 0 // None, True, False: no memory of their own
}

func convItems(items []any, depth int, conv func(any, int) (any, error)) (any, error) {
	out := make([]any, len(items))
	for i, it := range items {
		v, err := conv(it, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
