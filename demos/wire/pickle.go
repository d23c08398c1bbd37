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
	"errors"
	"fmt"
	"strconv"
	"strings"
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
		name := e.Callable
		if len(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return !strconv.IsPrint(r) || r == ' ' }) {
			name = PyRepr(name, 100)
		}
		return fmt.Sprintf("unsafe pickle: %s at byte %d names the callable %s; pickle.loads would import it and could call it, so the lab refuses to decode it",
			e.Op, e.Offset, name)
	}
	return fmt.Sprintf("unsafe pickle: %s at byte %d would call or construct an object; the lab only decodes plain data",
		e.Op, e.Offset)
}

// Unwrap returns ErrUnsafePickle.
func (e *UnsafePickleError) Unwrap() error { return ErrUnsafePickle }
