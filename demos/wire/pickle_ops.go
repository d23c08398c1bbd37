package wire

// Reading a pickle opcode by opcode: the decoder's input, and PickleOps,
// which shows what a pickle says as pickletools would.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// A PickleOp is one opcode of a pickle, for showing what a pickle says.
type PickleOp struct {
	Offset int
	Name   string // as pickletools prints it, such as "SHORT_BINUNICODE"
	Arg    string // the argument, printed like Python would, or ""
}

func (o PickleOp) String() string {
	if o.Arg == "" {
		return o.Name
	}
	return o.Name + " " + o.Arg
}

// Limits of the pickle decoder, beyond the input's own length.
const (
	maxPickleNest = 1000 // lists and dicts inside each other

	// The budget of a decoded value, in bytes: pickleGrowth for each byte
	// of the pickle, plus pickleSlack. An honest pickle needs at most about
	// 64 per byte (an empty dict is one byte, a Go map some 64); only a
	// pickle that refers to the same value again and again needs more.
	pickleGrowth = 128
	pickleSlack  = 64 << 10
)

// What a decoded value costs against the budget: about the bytes Go needs
// to hold it. Each value costs at least costValue (the interface its list
// or dict holds it in), so the budget bounds the number of values too.
const (
	costValue  = 16 // the interface that holds it, in a list, a dict or the result
	costNumber = 8  // a boxed int64 or float64
	costHeader = 24 // a string, []byte or []any header
	costDict   = 48 // a map, beyond its entries
	costEntry  = 16 // one map entry, beyond its key and value
	costBig    = 40 // a big.Int, beyond its words
)

// PickleOps lists the opcodes of a pickle of at most max bytes (DefaultMax
// if max <= 0) without running them, like Python's pickletools.dis. It
// stops at STOP, at an unknown opcode or at bytes that end too soon, and
// reports the error with the opcodes read so far. Unsafe opcodes are listed
// like the others: reading a pickle is harmless, running it is not.
func PickleOps(b []byte, max int) ([]PickleOp, error) {
	if int64(len(b)) > limit(max) {
		return nil, fmt.Errorf("pickle length %d %w %d", len(b), ErrTooLarge, limit(max))
	}
	var ops []PickleOp
	r := pickleReader{b: b}
	for {
		op, err := r.next()
		if err != nil {
			return ops, err
		}
		ops = append(ops, PickleOp{Offset: op.off, Name: op.name(), Arg: op.argString()})
		if op.code == opStop {
			return ops, nil
		}
	}
}

// pickleOp is one decoded opcode with its argument.
type pickleOp struct {
	off  int
	code byte
	n    int64  // integer argument
	data []byte // string or bytes argument (a view of the input)
	f    float64
	big  *big.Int // LONG1 and LONG4 beyond int64
}

func (o pickleOp) name() string {
	if n, ok := pickleNames[o.code]; ok {
		return n
	}
	return fmt.Sprintf("opcode 0x%02x", o.code)
}

func (o pickleOp) argString() string {
	switch o.code {
	case opProto, opFrame, opBinInt, opBinInt1, opBinInt2, opBinGet, opLongBinGet, opBinPut, opLongBinPut:
		return strconv.FormatInt(o.n, 10)
	case opLong1, opLong4:
		if o.big != nil {
			return o.big.String()
		}
		return strconv.FormatInt(o.n, 10)
	case opBinFloat:
		return strconv.FormatFloat(o.f, 'g', -1, 64)
	case opShortBinUni, opBinUnicode, opBinUnicode8:
		return strconv.Quote(string(o.data))
	case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
		return pyBytesRepr(o.data)
	case opGlobal:
		return string(o.data)
	}
	return ""
}

// pyBytesRepr writes b as Python's repr of bytes does, at most 40 bytes.
func pyBytesRepr(b []byte) string {
	out := []byte("b'")
	for i, c := range b {
		if i == 40 {
			out = append(out, "…"...)
			break
		}
		switch {
		case c == '\\' || c == '\'':
			out = append(out, '\\', c)
		case c >= 0x20 && c < 0x7f:
			out = append(out, c)
		default:
			out = fmt.Appendf(out, `\x%02x`, c)
		}
	}
	return string(append(out, '\''))
}

type pickleReader struct {
	b   []byte
	pos int
}

var errPickleShort = fmt.Errorf("%w pickle: the data ends in the middle of an opcode", ErrMalformed)

func (r *pickleReader) take(n int64) ([]byte, error) {
	if n < 0 || n > int64(len(r.b)-r.pos) {
		return nil, errPickleShort
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

// line reads a text argument ending in '\n' (GLOBAL's module and name).
func (r *pickleReader) line() ([]byte, error) {
	for i := r.pos; i < len(r.b); i++ {
		if r.b[i] == '\n' {
			s := r.b[r.pos:i]
			r.pos = i + 1
			return s, nil
		}
	}
	return nil, errPickleShort
}

// next reads one opcode and its argument.
func (r *pickleReader) next() (pickleOp, error) {
	op := pickleOp{off: r.pos}
	c, err := r.take(1)
	if err != nil {
		return op, fmt.Errorf("%w pickle: no STOP opcode at the end", ErrMalformed)
	}
	op.code = c[0]
	size := func(width int) error {
		b, err := r.take(int64(width))
		if err != nil {
			return err
		}
		switch width {
		case 1:
			op.n = int64(b[0])
		case 2:
			op.n = int64(binary.LittleEndian.Uint16(b))
		case 4:
			op.n = int64(binary.LittleEndian.Uint32(b))
		case 8:
			u := binary.LittleEndian.Uint64(b)
			if u > math.MaxInt64 {
				return fmt.Errorf("%w pickle: length %d at byte %d", ErrMalformed, u, op.off)
			}
			op.n = int64(u)
		}
		return nil
	}
	sized := func(width int) error {
		if err := size(width); err != nil {
			return err
		}
		op.data, err = r.take(op.n)
		return err
	}
	switch op.code {
	case opMark, opStop, opPop, opPopMark, opDup, opNone, opNewTrue, opNewFalse,
		opAppend, opAppends, opList, opEmptyList, opDict, opEmptyDict, opSetItem, opSetItems,
		opTuple, opEmptyTuple, opTuple1, opTuple2, opTuple3, opMemoize,
		opStackGlobal, opReduce, opBuild, opObj, opNewObj, opNewObjEx, opBinPersID,
		opNextBuffer, opReadOnlyBuffer:
	case opProto, opBinInt1, opBinGet, opBinPut, opExt1:
		err = size(1)
	case opBinInt2, opExt2:
		err = size(2)
	case opLongBinGet, opLongBinPut, opExt4:
		err = size(4)
	case opBinInt:
		var b []byte
		if b, err = r.take(4); err == nil {
			op.n = int64(int32(binary.LittleEndian.Uint32(b)))
		}
	case opFrame:
		if err = size(8); err == nil && op.n > int64(len(r.b)-r.pos) {
			err = fmt.Errorf("%w pickle: FRAME of %d bytes at byte %d, but only %d follow", ErrMalformed, op.n, op.off, len(r.b)-r.pos)
		}
	case opBinFloat:
		var b []byte
		if b, err = r.take(8); err == nil {
			op.f = math.Float64frombits(binary.BigEndian.Uint64(b))
		}
	case opLong1, opLong4:
		width := 1
		if op.code == opLong4 {
			width = 4
		}
		if err = sized(width); err == nil {
			op.n, op.big = decodeLong(op.data)
		}
	case opShortBinUni, opShortBinBytes:
		err = sized(1)
	case opBinUnicode, opBinBytes:
		err = sized(4)
	case opBinUnicode8, opBinBytes8, opByteArray8:
		err = sized(8)
	case opGlobal, opInst:
		var mod, name []byte
		if mod, err = r.line(); err == nil {
			if name, err = r.line(); err == nil {
				op.data = []byte(string(mod) + "." + string(name))
			}
		}
	case opPersID:
		op.data, err = r.line()
	default:
		return op, fmt.Errorf("%w pickle: unknown opcode 0x%02x at byte %d", ErrMalformed, op.code, op.off)
	}
	if err != nil {
		return op, err
	}
	return op, nil
}

// decodeLong reads little-endian two's complement bytes: an int64 when it
// fits, else a big.Int.
func decodeLong(b []byte) (int64, *big.Int) {
	if len(b) == 0 {
		return 0, nil
	}
	be := slices.Clone(b)
	slices.Reverse(be)
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if x.IsInt64() {
		return x.Int64(), nil
	}
	return 0, x
}
