package wire

// From the decoder's values to plain Go values, within a budget that makes
// a pickle bomb (one value referred to a million times) fail before it is
// built.

import (
	"fmt"
	"math/big"
	"slices"
)

// toGo turns the decoder's values into plain Go values, refusing a
// structure that contains itself and one that would cost more than the
// budget of a pickle of n bytes (see ParsePickle). Each value is counted
// before it is built, and again for every reference to it.
func toGo(v any, n int) (any, error) {
	c := &pickleConverter{
		budget: int64(pickleGrowth)*int64(n) + pickleSlack,
		n:      n,
		onPath: map[any]bool{},
	}
	if err := c.charge(costValue); err != nil { // the result's own interface
		return nil, err
	}
	return c.conv(v, 0)
}

// pickleConverter walks the decoder's values, counting what they cost.
type pickleConverter struct {
	budget, spent int64
	n             int          // the pickle's length
	onPath        map[any]bool // the lists and dicts being converted
}

func (c *pickleConverter) charge(cost int) error {
	if c.spent += int64(cost); c.spent > c.budget {
		return fmt.Errorf("pickle: decoded value %w %d bytes (%d for each of the pickle's %d bytes, plus %d): every reference to a shared value (BINGET, DUP) counts again",
			ErrTooLarge, c.budget, pickleGrowth, c.n, pickleSlack)
	}
	return nil
}

func (c *pickleConverter) conv(v any, depth int) (any, error) {
	if depth > maxPickleNest {
		return nil, fmt.Errorf("%w pickle: nested deeper than %d", ErrMalformed, maxPickleNest)
	}
	if err := c.charge(cost(v)); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case *pyList, *pyDict, *pyTuple:
		return c.container(x, depth)
	case *pyBytes:
		if !x.taken {
			x.taken = true
			return x.b, nil
		}
		return slices.Clone(x.b), nil // a memoized value may appear twice
	}
	return v, nil
}

// container converts a list, tuple or dict, refusing one that holds itself.
func (c *pickleConverter) container(x any, depth int) (any, error) {
	if c.onPath[x] {
		return nil, fmt.Errorf("%w pickle: a list or dict contains itself", ErrMalformed)
	}
	c.onPath[x] = true
	defer delete(c.onPath, x)
	switch x := x.(type) {
	case *pyList:
		return c.items(x.items, depth)
	case *pyTuple:
		return c.items(x.items, depth)
	}
	d := x.(*pyDict)
	for _, k := range d.keys {
		if _, ok := k.(string); !ok {
			return c.anyDict(d, depth)
		}
	}
	return c.stringDict(d, depth)
}

func (c *pickleConverter) items(items []any, depth int) (any, error) {
	out := make([]any, len(items))
	for i, it := range items {
		v, err := c.conv(it, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// stringDict converts a dict whose keys are all strings.
func (c *pickleConverter) stringDict(d *pyDict, depth int) (any, error) {
	m := make(map[string]any, len(d.keys))
	for i, k := range d.keys {
		if err := c.charge(cost(k)); err != nil {
			return nil, err
		}
		val, err := c.conv(d.vals[i], depth+1)
		if err != nil {
			return nil, err
		}
		m[k.(string)] = val
	}
	return m, nil
}

// anyDict converts a dict with a key that is not a string.
func (c *pickleConverter) anyDict(d *pyDict, depth int) (any, error) {
	m := make(map[any]any, len(d.keys))
	for i, k := range d.keys {
		if err := c.charge(cost(k)); err != nil {
			return nil, err
		}
		val, err := c.conv(d.vals[i], depth+1)
		if err != nil {
			return nil, err
		}
		if f, ok := k.(float64); ok && f != f {
			return nil, fmt.Errorf("%w pickle: a dict key is NaN", ErrMalformed)
		}
		m[k] = val
	}
	return m, nil
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
