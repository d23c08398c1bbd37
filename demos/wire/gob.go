package wire

// Gob: demo 7 also sends its value with Go's encoding/gob, which its own
// documentation says is not hardened against adversarial input. A gob
// stream is messages, each a length and then bytes; a value's maps and
// slices carry their element count in front, and gob allocates for that
// count before it reads an element: 34 bytes announcing a map of a
// million entries make it allocate 84 MB, and a larger count runs a
// program out of memory. CheckGob walks the stream as gob would, counting
// nothing it has not seen, so that what it accepts gob decodes in memory
// linear in the stream's length.

import (
	"errors"
	"fmt"
	"reflect"
)

// ErrGobCount is wrapped by CheckGob's error for a count that the bytes
// after it cannot hold.
var ErrGobCount = errors.New("gob: a count larger than the bytes that follow")

// The Go types a gob value decoded into a map[string]any can hold: the
// names gob registers for its basic types (encoding/gob registerBasics),
// and []any and map[string]any, which demo 7 registers.
type gobKind uint8

const (
	gobInt gobKind = iota
	gobUint
	gobFloat
	gobComplex
	gobBool
	gobString
	gobBytes
	gobSlice // of Elem
	gobMap   // map[string]any
	gobIface // any
)

type gobType struct {
	kind gobKind
	elem gobKind // a slice's elements
}

var gobNames = map[string]gobType{
	"map[string]interface {}": {kind: gobMap},
	"[]interface {}":          {kind: gobSlice, elem: gobIface},
	"[]uint8":                 {kind: gobBytes},
}

func init() {
	for _, v := range []any{
		int(0), int8(0), int16(0), int32(0), int64(0),
		uint(0), uint8(0), uint16(0), uint32(0), uint64(0), uintptr(0),
		float32(0), float64(0), complex64(0), complex128(0), false, "",
	} {
		t := reflect.TypeOf(v)
		k := gobKindOf(t.Kind())
		gobNames[t.String()] = gobType{kind: k}
		if t.Kind() != reflect.Uint8 {
			gobNames["[]"+t.String()] = gobType{kind: gobSlice, elem: k}
		}
	}
}

func gobKindOf(k reflect.Kind) gobKind {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return gobInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return gobUint
	case reflect.Float32, reflect.Float64:
		return gobFloat
	case reflect.Complex64, reflect.Complex128:
		return gobComplex
	case reflect.Bool:
		return gobBool
	}
	return gobString
}

// maxGobDepth bounds the nesting CheckGob follows (gob itself follows as
// deep as the bytes go).
const maxGobDepth = 1000

// CheckGob checks a gob stream of at most max bytes (DefaultMax if max <=
// 0) before encoding/gob's Decoder.Decode reads one value from it into a
// map[string]any (with []any and map[string]any registered): it reads
// every message length, type definition, count, string and interface
// value the way gob does and refuses, with an error matching ErrGobCount,
// a count of messages bytes, elements or entries that the bytes after it
// do not hold. Every element takes at least a byte, so a stream that
// passes makes gob allocate at most some bytes per byte of it. CheckGob
// allocates nothing itself; it may accept streams that gob then refuses,
// such as a value of the wrong type.
func CheckGob(b []byte, max int) error {
	if int64(len(b)) > limit(max) {
		return fmt.Errorf("gob of %d bytes %w %d", len(b), ErrTooLarge, limit(max))
	}
	w := gobWalker{in: b}
	if _, err := w.typeSequence(false); err != nil {
		return err
	}
	return w.single(gobType{kind: gobMap}, 0)
}

// gobWalker reads a gob stream as encoding/gob's Decoder does: msg is what
// is left of the current message, in the messages after it.
type gobWalker struct {
	in, msg []byte
}

var errGobShort = fmt.Errorf("%w gob: the data ends in the middle of a value", ErrMalformed)

// next starts the next message (Decoder.recvMessage).
func (w *gobWalker) next() error {
	if len(w.in) == 0 {
		return errGobShort
	}
	n, rest, err := readGobUint(w.in)
	if err != nil {
		return err
	}
	if n > uint64(len(rest)) {
		return fmt.Errorf("%w: a message of %d bytes, %d follow", ErrGobCount, n, len(rest))
	}
	w.msg, w.in = rest[:n], rest[n:]
	return nil
}

func (w *gobWalker) uint() (uint64, error) {
	n, rest, err := readGobUint(w.msg)
	w.msg = rest
	return n, err
}

func (w *gobWalker) int() (int64, error) {
	u, err := w.uint()
	if u&1 != 0 {
		return ^int64(u >> 1), err
	}
	return int64(u >> 1), err
}

// count reads a count of things that each take at least one byte of what
// is left of the stream.
func (w *gobWalker) count() (uint64, error) {
	n, err := w.uint()
	if err == nil && n > uint64(len(w.msg)+len(w.in)) {
		err = fmt.Errorf("%w: %d elements, %d bytes follow", ErrGobCount, n, len(w.msg)+len(w.in))
	}
	return n, err
}

// bytes reads a string or []byte: a length, then as many bytes of the
// message (gob checks these itself, and so does CheckGob).
func (w *gobWalker) bytes() ([]byte, error) {
	n, err := w.uint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(w.msg)) {
		return nil, fmt.Errorf("%w: a string of %d bytes, %d follow in the message", ErrGobCount, n, len(w.msg))
	}
	s := w.msg[:n]
	w.msg = w.msg[n:]
	return s, nil
}

// readGobUint reads gob's unsigned integer: one byte below 128, else the
// negated count of big-endian bytes that follow (at most 8).
func readGobUint(b []byte) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, b, errGobShort
	}
	c := b[0]
	if c < 0x80 {
		return uint64(c), b[1:], nil
	}
	n := -int(int8(c)) // 1 to 128
	if n > 8 {
		return 0, b, fmt.Errorf("%w gob: an integer of %d bytes", ErrMalformed, n)
	}
	if len(b) < 1+n {
		return 0, b, errGobShort
	}
	var x uint64
	for _, d := range b[1 : 1+n] {
		x = x<<8 | uint64(d)
	}
	return x, b[1+n:], nil
}

// typeSequence reads type definitions until a type id (Decoder.
// decodeTypeSequence), loading messages as it goes.
func (w *gobWalker) typeSequence(isInterface bool) (int64, error) {
	for {
		if len(w.msg) == 0 {
			if err := w.next(); err != nil {
				return 0, err
			}
		}
		id, err := w.int()
		if err != nil {
			return 0, err
		}
		if id >= 0 {
			return id, nil
		}
		if err := w.structure(gobWireType, 0); err != nil {
			return 0, err
		}
		if len(w.msg) > 0 {
			if !isInterface {
				return 0, fmt.Errorf("%w gob: extra data after a type definition", ErrMalformed)
			}
			if _, err := w.uint(); err != nil {
				return 0, err
			}
		}
	}
}

// A gobField is one field of the structs that define types on the wire
// (encoding/gob's wireType and the types in it).
type gobField struct {
	kind   gobKind    // gobInt or gobString, unless fields is set
	fields []gobField // a struct's fields
	slice  bool       // a slice of such structs
}

var (
	gobCommonType = []gobField{{kind: gobString}, {kind: gobInt}} // Name, Id
	gobEncoderT   = []gobField{{fields: gobCommonType}}
	gobFieldType  = []gobField{{kind: gobString}, {kind: gobInt}} // Name, Id
	gobWireType   = []gobField{
		{fields: []gobField{{fields: gobCommonType}, {kind: gobInt}, {kind: gobInt}}},      // ArrayT: Elem, Len
		{fields: []gobField{{fields: gobCommonType}, {kind: gobInt}}},                      // SliceT: Elem
		{fields: []gobField{{fields: gobCommonType}, {slice: true, fields: gobFieldType}}}, // StructT: Field
		{fields: []gobField{{fields: gobCommonType}, {kind: gobInt}, {kind: gobInt}}},      // MapT: Key, Elem
		{fields: gobEncoderT}, // GobEncoderT
		{fields: gobEncoderT}, // BinaryMarshalerT
		{fields: gobEncoderT}, // TextMarshalerT
	}
)

// structure reads a struct of a type definition: field number deltas,
// each followed by the field, until a zero delta.
func (w *gobWalker) structure(fields []gobField, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%w gob: a type definition nested too deep", ErrMalformed)
	}
	field := -1
	for {
		delta, err := w.uint()
		if err != nil {
			return err
		}
		if delta == 0 {
			return nil
		}
		if delta > uint64(len(fields)) || field+int(delta) >= len(fields) {
			return fmt.Errorf("%w gob: field %d of a type definition", ErrMalformed, uint64(field)+delta)
		}
		field += int(delta)
		f := fields[field]
		switch {
		case f.slice:
			n, err := w.count()
			if err != nil {
				return err
			}
			for range n {
				if err := w.structure(f.fields, depth+1); err != nil {
					return err
				}
			}
		case f.fields != nil:
			err = w.structure(f.fields, depth+1)
		case f.kind == gobString:
			_, err = w.bytes()
		default:
			_, err = w.uint()
		}
		if err != nil {
			return err
		}
	}
}

// single reads a value that is not a struct: a zero field delta, then the
// value (Decoder.decodeSingle).
func (w *gobWalker) single(t gobType, depth int) error {
	delta, err := w.uint()
	if err != nil {
		return err
	}
	if delta != 0 {
		return fmt.Errorf("%w gob: a value's field delta is %d, not 0", ErrMalformed, delta)
	}
	return w.value(t, depth)
}

func (w *gobWalker) value(t gobType, depth int) error {
	if depth > maxGobDepth {
		return fmt.Errorf("%w gob: values nested deeper than %d", ErrMalformed, maxGobDepth)
	}
	switch t.kind {
	case gobMap:
		n, err := w.count()
		if err != nil {
			return err
		}
		for range n {
			if _, err := w.bytes(); err != nil { // the key
				return err
			}
			if err := w.iface(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case gobSlice:
		n, err := w.count()
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(gobType{kind: t.elem}, depth+1); err != nil {
				return err
			}
		}
		return nil
	case gobIface:
		return w.iface(depth)
	case gobString, gobBytes:
		_, err := w.bytes()
		return err
	case gobComplex:
		if _, err := w.uint(); err != nil {
			return err
		}
	}
	_, err := w.uint() // int, uint, float, bool, a complex's imaginary part
	return err
}

// iface reads an interface value (decodeInterface): the concrete type's
// name, its type id (after any type definitions), a byte count that gob
// does not use, then the value.
func (w *gobWalker) iface(depth int) error {
	name, err := w.bytes()
	if err != nil || len(name) == 0 { // "": a nil interface
		return err
	}
	t, ok := gobNames[string(name)]
	if !ok {
		return fmt.Errorf("%w gob: an interface value of the type %s, which the lab does not decode", ErrMalformed, PyRepr(string(name), 80))
	}
	if _, err := w.typeSequence(true); err != nil {
		return err
	}
	if _, err := w.uint(); err != nil {
		return err
	}
	return w.single(t, depth)
}
