package wire

// How PyRepr writes a str, bytes and numbers as Python's repr does.

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

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
