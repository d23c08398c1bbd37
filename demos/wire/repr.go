package wire

import (
	"cmp"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"
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

func (w *reprWriter) value(v any, depth int) {
	if w.full {
		return
	}
	if depth > maxReprDepth {
		w.write(ellipsis)
		w.full = true
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
		switch {
		case x == nil:
			w.write("None")
		case x.BitLen() > maxReprIntBits:
			w.write("<int of " + strconv.Itoa(x.BitLen()) + " bits>")
		default:
			w.write(x.String())
		}
	case string:
		w.str(x)
	case []byte:
		w.bytes(x)
	case []any:
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
	case map[string]any:
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
	case map[any]any:
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
	default:
		w.reflected(reflect.ValueOf(v), depth)
	}
}

// reflected writes the Go values that gob can decode into an interface
// besides the ones value knows: other integer and float types, complex
// numbers, slices of them, maps.
func (w *reprWriter) reflected(v reflect.Value, depth int) {
	if w.full {
		return
	}
	if depth > maxReprDepth {
		w.write(ellipsis)
		w.full = true
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
	case reflect.Map:
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

// compareKeys orders dict keys: None, then False and True, then numbers,
// then strings, then anything else by its type and repr.
func compareKeys(a, b any) int {
	ra, rb := keyRank(a), keyRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case 1:
		return cmp.Compare(b2i(reflect.ValueOf(a).Bool()), b2i(reflect.ValueOf(b).Bool()))
	case 2:
		if x, ok := a.(int64); ok {
			if y, ok := b.(int64); ok {
				return cmp.Compare(x, y)
			}
		}
		return cmp.Compare(keyFloat(a), keyFloat(b))
	case 3:
		return cmp.Compare(reflect.ValueOf(a).String(), reflect.ValueOf(b).String())
	case 4:
		if c := cmp.Compare(reflect.TypeOf(a).String(), reflect.TypeOf(b).String()); c != 0 {
			return c
		}
		return cmp.Compare(PyRepr(a, 64), PyRepr(b, 64))
	}
	return 0
}

func keyRank(k any) int {
	if k == nil {
		return 0
	}
	switch reflect.ValueOf(k).Kind() {
	case reflect.Bool:
		return 1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return 2
	case reflect.String:
		return 3
	}
	return 4
}

func keyFloat(k any) float64 {
	v := reflect.ValueOf(k)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint())
	}
	return v.Float()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// str writes s as Python's repr of a str: in single quotes unless s holds
// a single quote and no double one, with backslashes, the quote, \t, \n,
// \r and every character that is not printable escaped. A byte that is not
// UTF-8 (which no Python str holds) is written \xNN.
func (w *reprWriter) str(s string) {
	quote := byte('\'')
	if containsByte(s, '\'') && !containsByte(s, '"') {
		quote = '"'
	}
	var esc [12]byte
	w.write(string(quote))
	for i := 0; i < len(s) && !w.full; {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			w.write(string(appendHex(esc[:0], 'x', uint32(s[i]), 2)))
		case r == '\\' || r == rune(quote):
			w.write(string([]byte{'\\', byte(r)}))
		case r == '\t':
			w.write(`\t`)
		case r == '\n':
			w.write(`\n`)
		case r == '\r':
			w.write(`\r`)
		case strconv.IsPrint(r):
			w.write(s[i : i+size])
		case r < 0x100:
			w.write(string(appendHex(esc[:0], 'x', uint32(r), 2)))
		case r < 0x10000:
			w.write(string(appendHex(esc[:0], 'u', uint32(r), 4)))
		default:
			w.write(string(appendHex(esc[:0], 'U', uint32(r), 8)))
		}
		i += size
	}
	w.write(string(quote))
}

// bytes writes b as Python's repr of bytes: b'…' (b"…" when b holds a
// single quote and no double one), printable ASCII as it is, \t, \n, \r,
// and every other byte as \xNN.
func (w *reprWriter) bytes(b []byte) {
	quote := byte('\'')
	if slices.Contains(b, '\'') && !slices.Contains(b, '"') {
		quote = '"'
	}
	var esc [4]byte
	w.write("b" + string(quote))
	for _, c := range b {
		if w.full {
			return
		}
		switch {
		case c == '\\' || c == quote:
			w.write(string([]byte{'\\', c}))
		case c == '\t':
			w.write(`\t`)
		case c == '\n':
			w.write(`\n`)
		case c == '\r':
			w.write(`\r`)
		case c >= 0x20 && c < 0x7f:
			w.write(string(c))
		default:
			w.write(string(appendHex(esc[:0], 'x', uint32(c), 2)))
		}
	}
	w.write(string(quote))
}

func containsByte(s string, c byte) bool {
	for i := range len(s) {
		if s[i] == c {
			return true
		}
	}
	return false
}

// appendHex appends \<kind> and n as digits lower-case hex digits.
func appendHex(dst []byte, kind byte, n uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '\\', kind)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hex[n>>shift&15])
	}
	return dst
}

// appendPyFloat appends f as Python's repr of a float writes it: the
// shortest digits that read back as f, in positional notation when the
// decimal point falls within 16 digits (with ".0" when dot0 and f is
// whole: 42.0), else in exponent notation with at least two exponent
// digits (1e+16, 1e-05).
func appendPyFloat(dst []byte, f float64, dot0 bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // [-]d[.ddd]e±dd
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	at := slices.Index(e, 'e')
	exp, _ := strconv.Atoi(string(e[at+1:]))
	digits := slices.DeleteFunc(slices.Clone(e[:at]), func(c byte) bool { return c == '.' })
	decpt := exp + 1 // digits[:decpt] come before the point
	switch {
	case decpt <= -4 || decpt > 16:
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(append(dst, '.'), digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst, exp = append(dst, '-'), -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case decpt <= 0:
		dst = append(dst, "0."...)
		for range -decpt {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case decpt >= len(digits):
		dst = append(dst, digits...)
		for range decpt - len(digits) {
			dst = append(dst, '0')
		}
		if dot0 {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	dst = append(dst, digits[:decpt]...)
	return append(append(dst, '.'), digits[decpt:]...)
}

// appendPyComplex appends c as Python's repr of a complex: 2j, (1+2j),
// (1.5-0j).
func appendPyComplex(dst []byte, c complex128) []byte {
	re, im := real(c), imag(c)
	if re == 0 && !math.Signbit(re) {
		return append(appendPyFloat(dst, im, false), 'j')
	}
	dst = append(dst, '(')
	dst = appendPyFloat(dst, re, false)
	if !math.Signbit(im) || math.IsNaN(im) {
		dst = append(dst, '+')
	}
	dst = appendPyFloat(dst, im, false)
	return append(dst, "j)"...)
}
