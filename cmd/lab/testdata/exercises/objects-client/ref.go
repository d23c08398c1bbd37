//go:build ignore

// objects-client, reference solution in Go (demo 7): the server sends one
// object, a 10-character text header (the length in decimal, left-aligned,
// padded with spaces) and then that many bytes of pickle, and closes. Read
// both exactly, decode the pickle with a small decoder that knows plain data
// only (dicts, lists, tuples, str, bytes, numbers, None, booleans) and
// refuses every opcode that names or calls a global, and print the object
// the way Python's print() writes it.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	headerSize = 10
	limit      = 64 << 20 // never allocate from a nonsense length
)

// address is the lab's: argv {host} {port}, argv {port}, or LAB_HOST / LAB_PORT.
func address() string {
	host, port := os.Getenv("LAB_HOST"), os.Getenv("LAB_PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "9000"
	}
	if args := os.Args[1:]; len(args) >= 2 {
		host, port = args[0], args[1]
	} else if len(args) == 1 {
		port = args[0]
	}
	return net.JoinHostPort(host, port)
}

// Decoded values: Python's types, in the order Python keeps them.
type (
	tuple []any
	list  struct{ items []any }
	dict  struct {
		keys, values []any
		index        map[string]int // repr of a key -> its place
	}
	pyBytes []byte
)

func (d *dict) set(k, v any) {
	r := repr(k)
	if i, ok := d.index[r]; ok {
		d.values[i] = v
		return
	}
	d.index[r] = len(d.keys)
	d.keys, d.values = append(d.keys, k), append(d.values, v)
}

var errUnsafe = errors.New("refused: the pickle names a global, a callable it would run")

// unpickle decodes pickle protocols 0-5 as far as plain data goes.
func unpickle(data []byte) (any, error) {
	var stack []any
	var marks []int
	memo := map[int]any{}
	p := 0
	need := func(n int) ([]byte, error) {
		if n < 0 || p+n > len(data) {
			return nil, errors.New("pickle data was truncated")
		}
		b := data[p : p+n]
		p += n
		return b, nil
	}
	u := func(n int) (uint64, error) {
		b, err := need(n)
		if err != nil {
			return 0, err
		}
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v, nil
	}
	line := func() (string, error) {
		i := strings.IndexByte(string(data[p:]), '\n')
		if i < 0 {
			return "", errors.New("pickle data was truncated")
		}
		s := string(data[p : p+i])
		p += i + 1
		return s, nil
	}
	pop := func() (any, error) {
		if len(stack) == 0 {
			return nil, errors.New("pickle: stack underflow")
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v, nil
	}
	popMark := func() ([]any, error) {
		if len(marks) == 0 {
			return nil, errors.New("pickle: no mark")
		}
		m := marks[len(marks)-1]
		marks = marks[:len(marks)-1]
		items := append([]any(nil), stack[m:]...)
		stack = stack[:m]
		return items, nil
	}
	top := func() (any, error) {
		if len(stack) == 0 {
			return nil, errors.New("pickle: stack underflow")
		}
		return stack[len(stack)-1], nil
	}
	for {
		if p >= len(data) {
			return nil, errors.New("pickle data was truncated")
		}
		op := data[p]
		p++
		var err error
		switch op {
		case 0x80: // PROTO
			_, err = need(1)
		case 0x95: // FRAME
			_, err = need(8)
		case '.': // STOP
			return pop()
		case '(': // MARK
			marks = append(marks, len(stack))
		case 'N':
			stack = append(stack, nil)
		case 0x88, 0x89: // NEWTRUE, NEWFALSE
			stack = append(stack, op == 0x88)
		case 'K', 'M': // BININT1, BININT2
			n := 1
			if op == 'M' {
				n = 2
			}
			var v uint64
			v, err = u(n)
			stack = append(stack, big.NewInt(int64(v)))
		case 'J': // BININT
			var v uint64
			v, err = u(4)
			stack = append(stack, big.NewInt(int64(int32(uint32(v)))))
		case 0x8a, 0x8b: // LONG1, LONG4
			n := 1
			if op == 0x8b {
				n = 4
			}
			var size uint64
			if size, err = u(n); err != nil {
				break
			}
			var b []byte
			if size > limit {
				return nil, errors.New("pickle: integer too long")
			}
			if b, err = need(int(size)); err != nil {
				break
			}
			stack = append(stack, longInt(b))
		case 'I', 'L': // INT, LONG (protocol 0)
			var s string
			if s, err = line(); err != nil {
				break
			}
			s = strings.TrimSuffix(s, "L")
			switch s {
			case "01":
				stack = append(stack, true)
			case "00":
				stack = append(stack, false)
			default:
				v, ok := new(big.Int).SetString(s, 10)
				if !ok {
					return nil, fmt.Errorf("pickle: bad integer %q", s)
				}
				stack = append(stack, v)
			}
		case 'G': // BINFLOAT, big-endian
			var b []byte
			if b, err = need(8); err == nil {
				stack = append(stack, math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 0x8c, 'X', 0x8d, 'C', 'B', 0x8e: // SHORT_BINUNICODE, BINUNICODE(8), SHORT_BINBYTES, BINBYTES(8)
			n := map[byte]int{0x8c: 1, 'X': 4, 0x8d: 8, 'C': 1, 'B': 4, 0x8e: 8}[op]
			var size uint64
			if size, err = u(n); err != nil {
				break
			}
			if size > limit {
				return nil, errors.New("pickle: string too long")
			}
			var b []byte
			if b, err = need(int(size)); err != nil {
				break
			}
			if op == 'C' || op == 'B' || op == 0x8e {
				stack = append(stack, pyBytes(append([]byte(nil), b...)))
			} else {
				stack = append(stack, string(b))
			}
		case ']':
			stack = append(stack, &list{})
		case '}':
			stack = append(stack, &dict{index: map[string]int{}})
		case ')':
			stack = append(stack, tuple{})
		case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
			n := int(op-0x85) + 1
			if len(stack) < n {
				return nil, errors.New("pickle: stack underflow")
			}
			t := append(tuple(nil), stack[len(stack)-n:]...)
			stack = append(stack[:len(stack)-n], t)
		case 't', 'l', 'd': // TUPLE, LIST, DICT from the mark
			var items []any
			if items, err = popMark(); err != nil {
				break
			}
			switch op {
			case 't':
				stack = append(stack, tuple(items))
			case 'l':
				stack = append(stack, &list{items: items})
			case 'd':
				d := &dict{index: map[string]int{}}
				for i := 0; i+1 < len(items); i += 2 {
					d.set(items[i], items[i+1])
				}
				stack = append(stack, d)
			}
		case 'a': // APPEND
			var v, l any
			if v, err = pop(); err != nil {
				break
			}
			if l, err = top(); err != nil {
				break
			}
			lst, ok := l.(*list)
			if !ok {
				return nil, errors.New("pickle: APPEND to a non-list")
			}
			lst.items = append(lst.items, v)
		case 'e': // APPENDS
			var items []any
			if items, err = popMark(); err != nil {
				break
			}
			var l any
			if l, err = top(); err != nil {
				break
			}
			lst, ok := l.(*list)
			if !ok {
				return nil, errors.New("pickle: APPENDS to a non-list")
			}
			lst.items = append(lst.items, items...)
		case 's', 'u': // SETITEM, SETITEMS
			var items []any
			if op == 's' {
				if len(stack) < 2 {
					return nil, errors.New("pickle: stack underflow")
				}
				items = append([]any(nil), stack[len(stack)-2:]...)
				stack = stack[:len(stack)-2]
			} else if items, err = popMark(); err != nil {
				break
			}
			var d any
			if d, err = top(); err != nil {
				break
			}
			dct, ok := d.(*dict)
			if !ok || len(items)%2 != 0 {
				return nil, errors.New("pickle: SETITEMS to a non-dict")
			}
			for i := 0; i < len(items); i += 2 {
				dct.set(items[i], items[i+1])
			}
		case 0x94: // MEMOIZE
			var v any
			if v, err = top(); err == nil {
				memo[len(memo)] = v
			}
		case 'q', 'r': // BINPUT, LONG_BINPUT
			n := 1
			if op == 'r' {
				n = 4
			}
			var i uint64
			var v any
			if i, err = u(n); err == nil {
				if v, err = top(); err == nil {
					memo[int(i)] = v
				}
			}
		case 'h', 'j': // BINGET, LONG_BINGET
			n := 1
			if op == 'j' {
				n = 4
			}
			var i uint64
			if i, err = u(n); err == nil {
				v, ok := memo[int(i)]
				if !ok {
					return nil, errors.New("pickle: memo key not found")
				}
				stack = append(stack, v)
			}
		case 'c', 0x93, 'R', 'b', 'i', 'o', 0x81, 0x92, 'P', 'Q', 0x82, 0x83, 0x84: // GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ(_EX), PERSID, EXT
			return nil, errUnsafe
		default:
			return nil, fmt.Errorf("pickle: opcode 0x%02x is not plain data", op)
		}
		if err != nil {
			return nil, err
		}
	}
}

// longInt is a little-endian two's complement integer (LONG1, LONG4).
func longInt(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if len(b) > 0 && b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// repr writes v as Python's repr() does.
func repr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case *big.Int:
		return v.String()
	case float64:
		return floatRepr(v)
	case string:
		return strRepr(v)
	case pyBytes:
		return bytesRepr(v)
	case tuple:
		if len(v) == 1 {
			return "(" + repr(v[0]) + ",)"
		}
		return "(" + join(v) + ")"
	case *list:
		return "[" + join(v.items) + "]"
	case *dict:
		parts := make([]string, len(v.keys))
		for i := range v.keys {
			parts[i] = repr(v.keys[i]) + ": " + repr(v.values[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func join(items []any) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = repr(it)
	}
	return strings.Join(parts, ", ")
}

// floatRepr is Python's shortest repr: 87.5, 100.0, 1e+16, 1e-05, inf, nan.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

func quote(s string, q byte, escape func(r rune, b *strings.Builder) bool) string {
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\' || r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		default:
			if !escape(r, &b) {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte(q)
	return b.String()
}

func quoteChar(s string) byte {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return '"'
	}
	return '\''
}

func strRepr(s string) string {
	return quote(s, quoteChar(s), func(r rune, b *strings.Builder) bool {
		switch {
		case r == utf8.RuneError || unicode.IsPrint(r):
			return false
		case r < 0x100:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
		return true
	})
}

func bytesRepr(v []byte) string {
	q := quoteChar(string(v))
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range v {
		switch {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func run() error {
	conn, err := net.Dial("tcp", address())
	if err != nil {
		return err
	}
	defer conn.Close()
	header := make([]byte, headerSize)
	if _, err := io.ReadFull(conn, header); err != nil { // all 10 characters, even one by one
		return fmt.Errorf("header: %w", err)
	}
	digits := strings.TrimSpace(string(header))
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strings.ContainsAny(digits, "+-") {
		return fmt.Errorf("header %q is not a length", header)
	}
	if n > limit {
		return fmt.Errorf("header %q: %d bytes is too long", header, n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(conn, data); err != nil {
		return fmt.Errorf("object: %w", err)
	}
	v, err := unpickle(data)
	if err != nil {
		return err
	}
	fmt.Println(repr(v))
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "objects-client:", err)
		os.Exit(1)
	}
}
