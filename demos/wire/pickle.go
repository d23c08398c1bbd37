package wire

// Pickle: the tutorial sends Python objects with pickle.dumps and reads
// them back with pickle.loads. A pickle is a little program for a stack
// machine: opcodes push values, build lists and dicts, and remember them.
// Most opcodes only build data, but GLOBAL and STACK_GLOBAL name any
// importable callable (os.system, subprocess.Popen) and REDUCE calls it, so
// pickle.loads on bytes from the network runs whatever the sender chose.
//
// This file speaks the data-only part of the format. AppendPickle writes
// what Python 3.8 and later write for pickle.dumps(value) (protocol 4), and
// ParsePickle reads protocols 2 to 5 but refuses, before building anything,
// a pickle that names or calls a callable or makes an object.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pickle opcodes (Python's Lib/pickle.py names them).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opNone           = 'N'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opBinFloat       = 'G'
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opAppends        = 'e'
	opList           = 'l'
	opEmptyList      = ']'
	opDict           = 'd'
	opEmptyDict      = '}'
	opSetItem        = 's'
	opSetItems       = 'u'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opProto          = 0x80
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
	opGlobal         = 'c'
	opStackGlobal    = 0x93
	opReduce         = 'R'
	opBuild          = 'b'
	opInst           = 'i'
	opObj            = 'o'
	opNewObj         = 0x81
	opNewObjEx       = 0x92
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// pickleNames are the opcodes' names, as Python's pickletools prints them.
var pickleNames = map[byte]string{
	opMark: "MARK", opStop: "STOP", opPop: "POP", opPopMark: "POP_MARK", opDup: "DUP",
	opNone: "NONE", opBinInt: "BININT", opBinInt1: "BININT1", opBinInt2: "BININT2",
	opBinFloat: "BINFLOAT", opBinBytes: "BINBYTES", opShortBinBytes: "SHORT_BINBYTES",
	opBinUnicode: "BINUNICODE", opAppend: "APPEND", opAppends: "APPENDS", opList: "LIST",
	opEmptyList: "EMPTY_LIST", opDict: "DICT", opEmptyDict: "EMPTY_DICT", opSetItem: "SETITEM",
	opSetItems: "SETITEMS", opTuple: "TUPLE", opEmptyTuple: "EMPTY_TUPLE", opBinGet: "BINGET",
	opLongBinGet: "LONG_BINGET", opBinPut: "BINPUT", opLongBinPut: "LONG_BINPUT",
	opProto: "PROTO", opTuple1: "TUPLE1", opTuple2: "TUPLE2", opTuple3: "TUPLE3",
	opNewTrue: "NEWTRUE", opNewFalse: "NEWFALSE", opLong1: "LONG1", opLong4: "LONG4",
	opShortBinUni: "SHORT_BINUNICODE", opBinUnicode8: "BINUNICODE8", opBinBytes8: "BINBYTES8",
	opMemoize: "MEMOIZE", opFrame: "FRAME", opByteArray8: "BYTEARRAY8",
	opGlobal: "GLOBAL", opStackGlobal: "STACK_GLOBAL", opReduce: "REDUCE", opBuild: "BUILD",
	opInst: "INST", opObj: "OBJ", opNewObj: "NEWOBJ", opNewObjEx: "NEWOBJ_EX",
	opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4", opPersID: "PERSID", opBinPersID: "BINPERSID",
	opNextBuffer: "NEXT_BUFFER", opReadOnlyBuffer: "READONLY_BUFFER",
}

// unsafeOps are the opcodes that import, call or construct something.
var unsafeOps = map[byte]bool{
	opGlobal: true, opStackGlobal: true, opReduce: true, opBuild: true, opInst: true,
	opObj: true, opNewObj: true, opNewObjEx: true, opExt1: true, opExt2: true, opExt4: true,
	opPersID: true, opBinPersID: true, opNextBuffer: true, opReadOnlyBuffer: true,
}

// ErrUnsafePickle is wrapped by the error ParsePickle returns for a pickle
// that names a callable, calls one or builds an object.
var ErrUnsafePickle = errors.New("unsafe pickle")

// An UnsafePickleError says which opcode made a pickle unsafe, and which
// callable it named when it named one (such as "posix.system").
type UnsafePickleError struct {
	Op       string // the opcode's name, such as "STACK_GLOBAL"
	Offset   int    // where the opcode starts
	Callable string // "module.name", when the pickle named one
}

// Error names the callable as it is when it is a short printable name
// (posix.system), else as Python's repr of it, cut at 100 bytes: the name
// came from the peer and may hold anything, terminal escapes included.
func (e *UnsafePickleError) Error() string {
	if e.Callable != "" {
		return fmt.Sprintf("unsafe pickle: %s at byte %d names the callable %s; pickle.loads would import it and could call it, so the lab refuses to decode it",
			e.Op, e.Offset, e.Name())
	}
	return fmt.Sprintf("unsafe pickle: %s at byte %d would call or construct an object; the lab only decodes plain data",
		e.Op, e.Offset)
}

// Name is the callable as Error shows it: as it is when it is a short
// printable name, else Python's repr of it cut at 100 bytes.
func (e *UnsafePickleError) Name() string {
	name := e.Callable
	if len(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return !strconv.IsPrint(r) || r == ' ' }) {
		name = PyRepr(name, 100)
	}
	return name
}

// Unwrap returns ErrUnsafePickle.
func (e *UnsafePickleError) Unwrap() error { return ErrUnsafePickle }

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
