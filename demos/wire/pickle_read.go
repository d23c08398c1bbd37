package wire

// Reading a pickle one opcode at a time: the opcode's byte, then its
// argument, read by the argument reader pickleArgs holds for that byte.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
)

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
	arg := pickleArgs[op.code]
	if arg == nil {
		return op, fmt.Errorf("%w pickle: unknown opcode 0x%02x at byte %d", ErrMalformed, op.code, op.off)
	}
	if err := arg(r, &op); err != nil {
		return op, err
	}
	return op, nil
}

// A pickleArg reads the argument of op, which follows its opcode.
type pickleArg func(r *pickleReader, op *pickleOp) error

// pickleArgs are the argument readers of every opcode the reader knows,
// indexed by the opcode's byte; an opcode without one is unknown.
var pickleArgs = [256]pickleArg{
	opMark: argNone, opStop: argNone, opPop: argNone, opPopMark: argNone, opDup: argNone,
	opNone: argNone, opNewTrue: argNone, opNewFalse: argNone,
	opAppend: argNone, opAppends: argNone, opList: argNone, opEmptyList: argNone,
	opDict: argNone, opEmptyDict: argNone, opSetItem: argNone, opSetItems: argNone,
	opTuple: argNone, opEmptyTuple: argNone, opTuple1: argNone, opTuple2: argNone, opTuple3: argNone,
	opMemoize: argNone, opStackGlobal: argNone, opReduce: argNone, opBuild: argNone,
	opObj: argNone, opNewObj: argNone, opNewObjEx: argNone, opBinPersID: argNone,
	opNextBuffer: argNone, opReadOnlyBuffer: argNone,

	opProto: argUint(1), opBinInt1: argUint(1), opBinGet: argUint(1), opBinPut: argUint(1), opExt1: argUint(1),
	opBinInt2: argUint(2), opExt2: argUint(2),
	opLongBinGet: argUint(4), opLongBinPut: argUint(4), opExt4: argUint(4),
	opBinInt:   argInt32,
	opFrame:    argFrame,
	opBinFloat: argFloat,

	opLong1: argLong(1), opLong4: argLong(4),
	opShortBinUni: argSized(1), opShortBinBytes: argSized(1),
	opBinUnicode: argSized(4), opBinBytes: argSized(4),
	opBinUnicode8: argSized(8), opBinBytes8: argSized(8), opByteArray8: argSized(8),

	opGlobal: argGlobal, opInst: argGlobal,
	opPersID: argLine,
}

func argNone(*pickleReader, *pickleOp) error { return nil }

// argUint reads an unsigned little-endian integer of width bytes into op.n.
func argUint(width int) pickleArg {
	return func(r *pickleReader, op *pickleOp) error { return r.size(op, width) }
}

// size reads an unsigned little-endian integer of width bytes (1, 2, 4 or
// 8) into op.n, refusing an 8-byte one beyond int64.
func (r *pickleReader) size(op *pickleOp, width int) error {
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

// sized reads a length of width bytes, then that many bytes into op.data.
func (r *pickleReader) sized(op *pickleOp, width int) error {
	if err := r.size(op, width); err != nil {
		return err
	}
	var err error
	op.data, err = r.take(op.n)
	return err
}

func argSized(width int) pickleArg {
	return func(r *pickleReader, op *pickleOp) error { return r.sized(op, width) }
}

// argLong reads LONG1 and LONG4: a length, then two's complement bytes.
func argLong(width int) pickleArg {
	return func(r *pickleReader, op *pickleOp) error {
		if err := r.sized(op, width); err != nil {
			return err
		}
		op.n, op.big = decodeLong(op.data)
		return nil
	}
}

// argInt32 reads BININT: a signed little-endian 32-bit integer.
func argInt32(r *pickleReader, op *pickleOp) error {
	b, err := r.take(4)
	if err != nil {
		return err
	}
	op.n = int64(int32(binary.LittleEndian.Uint32(b)))
	return nil
}

// argFrame reads FRAME's length and checks that as many bytes follow.
func argFrame(r *pickleReader, op *pickleOp) error {
	if err := r.size(op, 8); err != nil {
		return err
	}
	if op.n > int64(len(r.b)-r.pos) {
		return fmt.Errorf("%w pickle: FRAME of %d bytes at byte %d, but only %d follow", ErrMalformed, op.n, op.off, len(r.b)-r.pos)
	}
	return nil
}

// argFloat reads BINFLOAT: a big-endian IEEE 754 double.
func argFloat(r *pickleReader, op *pickleOp) error {
	b, err := r.take(8)
	if err != nil {
		return err
	}
	op.f = math.Float64frombits(binary.BigEndian.Uint64(b))
	return nil
}

// argGlobal reads GLOBAL's and INST's module and name, as "module.name".
func argGlobal(r *pickleReader, op *pickleOp) error {
	mod, err := r.line()
	if err != nil {
		return err
	}
	name, err := r.line()
	if err != nil {
		return err
	}
	op.data = []byte(string(mod) + "." + string(name))
	return nil
}

// argLine reads PERSID's text argument.
func argLine(r *pickleReader, op *pickleOp) error {
	var err error
	op.data, err = r.line()
	return err
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
