package wire

// PyRepr: a decoded value written as Python's repr() writes it, cut at a
// size. The walk over lists and dicts is here; the order of a dict's keys
// is in repr_keys.go, strings, bytes and numbers in repr_text.go.

import (
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strconv"
)

// MaxRepr is the length PyRepr cuts at when its max is zero or negative.
const MaxRepr = 512

// ellipsis ends a repr that was cut.
const ellipsis = "…"

// maxReprDepth bounds how deep PyRepr follows pointers and interfaces,
// which write nothing of their own.
const maxReprDepth = 200

// maxReprIntBits is the largest int PyRepr writes in decimal: Python 3.11
// and later refuse to convert an int of more than 4300 digits to text.
const maxReprIntBits = 14284

// PyRepr writes v, a value that ParsePickle returns or that encoding/gob or
// encoding/json decode into an interface, the way Python's repr() writes
// the same value: None, True, 42, 87.5, 1e+16, 'text', b'\x00\x01', [1, 2],
// {'a': 1}. A dict's keys are sorted (Python keeps the order they were
// inserted in, which the decoded value no longer knows), a tuple is written
// as the list it was decoded to, and other Go values as near as Python has
// them.
//
// The repr is at most size bytes long (MaxRepr if size <= 0): a longer one
// is cut and ends in "…", after the last character or escape that fits (an
// escape such as \x1b is never cut). PyRepr writes as it walks and stops
// when the repr is full, so its work is bounded by size, not by v: a list
// that holds the same long list a million times costs no more than a short
// one (only sorting a dict's keys costs what the dict holds). Like Python's
// repr, it escapes every character that is not printable (control
// characters, such as the escape that starts a terminal sequence, become
// \x1b), so what it returns can be shown on a terminal as it is.
func PyRepr(v any, size int) string {
	if size <= 0 {
		size = MaxRepr
	}
	size = max(size, len(ellipsis))
	w := reprWriter{max: size, buf: make([]byte, 0, min(size, 64))}
	w.value(v, 0)
	return string(w.buf)
}

// reprWriter collects a repr of at most max bytes.
type reprWriter struct {
	buf  []byte
	max  int
	safe int  // the end of the last piece that leaves room for the ellipsis
	full bool // cut: nothing more is written
}

// write appends s, a piece of the repr that is never cut: a character,
// an escape such as \x1b, a number, a bracket. When s does not fit, the
// repr ends, after the last piece that leaves room for the ellipsis.
func (w *reprWriter) write(s string) {
	if w.full {
		return
	}
	if len(w.buf)+len(s) > w.max {
		w.buf = append(w.buf[:w.safe], ellipsis...)
		w.full = true
		return
	}
	w.buf = append(w.buf, s...)
	if len(w.buf)+len(ellipsis) <= w.max {
		w.safe = len(w.buf)
	}
}

// deep reports whether the repr must end because it is nested deeper than
// maxReprDepth (a value that contains itself), ending it if so. It reports
// true, too, once the repr is full.
func (w *reprWriter) deep(depth int) bool {
	if w.full {
		return true
	}
	if depth > maxReprDepth {
		w.write(ellipsis)
		w.full = true
		return true
	}
	return false
}

func (w *reprWriter) value(v any, depth int) {
	if w.deep(depth) {
		return
	}
	switch x := v.(type) {
	case nil:
		w.write("None")
	case bool:
		if x {
			w.write("True")
		} else {
			w.write("False")
		}
	case int64:
		var b [24]byte
		w.write(string(strconv.AppendInt(b[:0], x, 10)))
	case int:
		var b [24]byte
		w.write(string(strconv.AppendInt(b[:0], int64(x), 10)))
	case float64:
		var b [32]byte
		w.write(string(appendPyFloat(b[:0], x, true)))
	case *big.Int:
		w.bigInt(x)
	case string:
		w.str(x)
	case []byte:
		w.bytes(x)
	case []any:
		w.list(x, depth)
	case map[string]any:
		w.stringDict(x, depth)
	case map[any]any:
		w.anyDict(x, depth)
	default:
		w.reflected(reflect.ValueOf(v), depth)
	}
}

// bigInt writes an int beyond int64, in decimal unless Python would refuse.
func (w *reprWriter) bigInt(x *big.Int) {
	switch {
	case x == nil:
		w.write("None")
	case x.BitLen() > maxReprIntBits:
		w.write("<int of " + strconv.Itoa(x.BitLen()) + " bits>")
	default:
		w.write(x.String())
	}
}

func (w *reprWriter) list(x []any, depth int) {
	w.write("[")
	for i, it := range x {
		if w.full {
			return
		}
		if i > 0 {
			w.write(", ")
		}
		w.value(it, depth+1)
	}
	w.write("]")
}

func (w *reprWriter) stringDict(x map[string]any, depth int) {
	w.write("{")
	for i, k := range slices.Sorted(maps.Keys(x)) {
		if w.full {
			return
		}
		if i > 0 {
			w.write(", ")
		}
		w.str(k)
		w.write(": ")
		w.value(x[k], depth+1)
	}
	w.write("}")
}

func (w *reprWriter) anyDict(x map[any]any, depth int) {
	w.write("{")
	for i, k := range slices.SortedFunc(maps.Keys(x), compareKeys) {
		if w.full {
			return
		}
		if i > 0 {
			w.write(", ")
		}
		w.value(k, depth+1)
		w.write(": ")
		w.value(x[k], depth+1)
	}
	w.write("}")
}

// reflected writes the Go values that gob can decode into an interface
// besides the ones value knows: other integer and float types, complex
// numbers, slices of them, maps.
func (w *reprWriter) reflected(v reflect.Value, depth int) {
	if w.deep(depth) {
		return
	}
	var b [64]byte
	switch v.Kind() {
	case reflect.Invalid:
		w.write("None")
	case reflect.Bool:
		w.value(v.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.write(string(strconv.AppendInt(b[:0], v.Int(), 10)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.write(string(strconv.AppendUint(b[:0], v.Uint(), 10)))
	case reflect.Float32, reflect.Float64:
		w.write(string(appendPyFloat(b[:0], v.Float(), true)))
	case reflect.Complex64, reflect.Complex128:
		w.write(string(appendPyComplex(b[:0], v.Complex())))
	case reflect.String:
		w.str(v.String())
	case reflect.Slice, reflect.Array:
		w.reflectedList(v, depth)
	case reflect.Map:
		w.reflectedDict(v, depth)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			w.write("None")
			return
		}
		w.value(v.Elem().Interface(), depth+1)
	default: // structs, channels, functions: nothing Python would print
		w.write("<" + v.Type().String() + ">")
	}
}

// reflectedList writes a slice or an array: bytes as bytes, others as a list.
func (w *reprWriter) reflectedList(v reflect.Value, depth int) {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		w.bytes(v.Bytes())
		return
	}
	w.write("[")
	for i := range v.Len() {
		if w.full {
			return
		}
		if i > 0 {
			w.write(", ")
		}
		w.value(v.Index(i).Interface(), depth+1)
	}
	w.write("]")
}

func (w *reprWriter) reflectedDict(v reflect.Value, depth int) {
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return compareKeys(a.Interface(), b.Interface()) })
	w.write("{")
	for i, k := range keys {
		if w.full {
			return
		}
		if i > 0 {
			w.write(", ")
		}
		w.value(k.Interface(), depth+1)
		w.write(": ")
		w.value(v.MapIndex(k).Interface(), depth+1)
	}
	w.write("}")
}
