package wire

// The order PyRepr writes a dict's keys in.

import (
	"cmp"
	"reflect"
)

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
