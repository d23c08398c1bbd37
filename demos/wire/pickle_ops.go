package wire

// PickleOps, which shows what a pickle says as pickletools would, and the
// limits of the decoder (the reader is in pickle_read.go).

import (
	"fmt"
	"math/big"
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
