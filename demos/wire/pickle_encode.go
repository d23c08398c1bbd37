package wire

// The pickle encoder: AppendPickle writes what pickle.dumps writes.

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"unicode/utf8"
)

// pickleFrameTarget is where Python starts a new frame: AppendPickle
// refuses values whose pickle would need a second one.
const pickleFrameTarget = 64 << 10

// AppendPickle appends the protocol 4 pickle of v, byte for byte what
// Python's pickle.dumps writes for the same value. v may be nil (None), a
// bool, an int or int64 (int), a float64 (float), a string (str, valid
// UTF-8), a []byte (bytes), a []any (list) or a map[string]any (dict, keys
// written in sorted order, as a dict literal with sorted keys would be).
//
// Python shares equal string and bytes constants of one literal, and its
// pickle then refers back to the first copy (BINGET); AppendPickle does the
// same for equal strings and equal bytes. Values whose pickle would exceed
// 64 KiB (where Python starts a second frame) are refused.
func AppendPickle(dst []byte, v any) ([]byte, error) {
	e := pickleEncoder{strs: map[string]int{}, bytes: map[string]int{}}
	if err := e.save(v, 0); err != nil {
		return dst, err
	}
	e.buf = append(e.buf, opStop)
	if len(e.buf) >= pickleFrameTarget {
		return dst, fmt.Errorf("pickle of %d bytes %w %d (the lab writes one frame)", len(e.buf), ErrTooLarge, pickleFrameTarget-1)
	}
	dst = append(dst, opProto, 4)
	if len(e.buf) >= 4 { // Python drops a frame shorter than 4 bytes
		dst = append(dst, opFrame)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(e.buf)))
	}
	return append(dst, e.buf...), nil
}

type pickleEncoder struct {
	buf   []byte
	memo  int            // the memo's size: the next MEMOIZE's index
	strs  map[string]int // memo index of each string written
	bytes map[string]int // memo index of each bytes value written
}

// maxPickleDepth bounds the nesting AppendPickle follows.
const maxPickleDepth = 100

func (e *pickleEncoder) memoize() {
	e.buf = append(e.buf, opMemoize)
	e.memo++
}

func (e *pickleEncoder) get(i int) {
	if i < 256 {
		e.buf = append(e.buf, opBinGet, byte(i))
		return
	}
	e.buf = append(e.buf, opLongBinGet)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(i))
}

func (e *pickleEncoder) save(v any, depth int) error {
	if depth > maxPickleDepth {
		return fmt.Errorf("pickle: value nested deeper than %d", maxPickleDepth)
	}
	if len(e.buf) >= pickleFrameTarget {
		return fmt.Errorf("pickle %w %d bytes", ErrTooLarge, pickleFrameTarget-1)
	}
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, opNone)
	case bool:
		if v {
			e.buf = append(e.buf, opNewTrue)
		} else {
			e.buf = append(e.buf, opNewFalse)
		}
	case int:
		e.saveInt(int64(v))
	case int64:
		e.saveInt(v)
	case float64:
		e.buf = append(e.buf, opBinFloat)
		e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(v))
	case string:
		if !utf8.ValidString(v) {
			return fmt.Errorf("pickle: %w string: invalid UTF-8", ErrMalformed)
		}
		if i, ok := e.strs[v]; ok {
			e.get(i)
			return nil
		}
		switch n := len(v); {
		case n < 256:
			e.buf = append(e.buf, opShortBinUni, byte(n))
		default:
			e.buf = append(e.buf, opBinUnicode)
			e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(n))
		}
		e.buf = append(e.buf, v...)
		e.strs[v] = e.memo
		e.memoize()
	case []byte:
		if i, ok := e.bytes[string(v)]; ok {
			e.get(i)
			return nil
		}
		switch n := len(v); {
		case n < 256:
			e.buf = append(e.buf, opShortBinBytes, byte(n))
		default:
			e.buf = append(e.buf, opBinBytes)
			e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(n))
		}
		e.buf = append(e.buf, v...)
		e.bytes[string(v)] = e.memo
		e.memoize()
	case []any:
		e.buf = append(e.buf, opEmptyList)
		e.memoize()
		return e.batch(len(v), opAppend, opAppends, func(i int) error { return e.save(v[i], depth+1) })
	case map[string]any:
		e.buf = append(e.buf, opEmptyDict)
		e.memoize()
		keys := slices.Sorted(maps.Keys(v))
		return e.batch(len(keys), opSetItem, opSetItems, func(i int) error {
			if err := e.save(keys[i], depth+1); err != nil {
				return err
			}
			return e.save(v[keys[i]], depth+1)
		})
	default:
		return fmt.Errorf("pickle: cannot encode a %T (the lab writes None, bool, int, float, str, bytes, list and dict)", v)
	}
	return nil
}

// batch writes n items the way CPython's batch_list_exact and
// batch_dict_exact do: one item with APPEND or SETITEM, more in MARK …
// APPENDS or SETITEMS groups of at most 1000.
func (e *pickleEncoder) batch(n int, one, many byte, item func(int) error) error {
	const batchSize = 1000
	if n == 0 {
		return nil
	}
	if n == 1 {
		if err := item(0); err != nil {
			return err
		}
		e.buf = append(e.buf, one)
		return nil
	}
	for i := 0; i < n; {
		e.buf = append(e.buf, opMark)
		for end := min(n, i+batchSize); i < end; i++ {
			if err := item(i); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, many)
	}
	return nil
}

// saveInt writes an int as CPython's save_long does: BININT1, BININT2 or
// BININT when it fits a signed 32-bit integer, else LONG1 with the fewest
// two's-complement bytes.
func (e *pickleEncoder) saveInt(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		e.buf = append(e.buf, opBinInt1, byte(v))
	case v >= 0 && v < 1<<16:
		e.buf = append(e.buf, opBinInt2)
		e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.buf = append(e.buf, opBinInt)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(int32(v)))
	default:
		e.buf = append(e.buf, opLong1)
		e.buf = append(e.buf, encodeLong(big.NewInt(v))...)
	}
}

// encodeLong returns LONG1's length byte and its little-endian two's
// complement bytes, as Python's encode_long computes them.
func encodeLong(x *big.Int) []byte {
	nbytes := x.BitLen()/8 + 1 // bits of |x|, plus room for the sign
	b := make([]byte, nbytes)
	abs := new(big.Int).Abs(x)
	if x.Sign() < 0 {
		// two's complement: 2^(8*nbytes) - |x|
		abs.Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)), abs)
	}
	abs.FillBytes(b) // big-endian
	slices.Reverse(b)
	if x.Sign() < 0 && nbytes > 1 && b[nbytes-1] == 0xff && b[nbytes-2]&0x80 != 0 {
		b = b[:nbytes-1]
	}
	return append([]byte{byte(len(b))}, b...)
}
