package wire

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileName is the longest file name, in bytes, that SafeName accepts.
const MaxFileName = 255

// ErrUnsafeName is wrapped by every error of SafeName.
var ErrUnsafeName = errors.New("unsafe file name")

// SafeName checks a file name that came from the network (the "filename"
// of a put header) before anything is written: it must be one plain name,
// to be joined to a folder the receiver chose. It refuses empty names, "."
// and "..", any "/" or "\" (so "../../etc/passwd", "/etc/passwd" and
// "C:\x" are all refused), a drive letter, NUL and other control
// characters (C0, DEL and C1), invalid UTF-8 and names longer than
// MaxFileName bytes. It returns the name unchanged when it is safe; an
// error quotes at most the name's first 64 bytes.
func SafeName(name string) (string, error) {
	bad := func(why string) (string, error) {
		// The name came from the peer and may be 64 KiB long: quote its
		// start only.
		quoted := name
		if len(quoted) > 64 {
			cut := 64
			for cut > 0 && !utf8.RuneStart(quoted[cut]) {
				cut--
			}
			quoted = quoted[:cut] + "…"
		}
		return "", &UnsafeNameError{Quoted: quoted, Why: why}
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxFileName:
		return bad(fmt.Sprintf("longer than %d bytes", MaxFileName))
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case name == "." || name == "..":
		return bad("not a file name")
	case strings.ContainsAny(name, `/\`):
		return bad("contains a path separator: only a plain name may be given")
	case filepath.VolumeName(name) != "" || len(name) >= 2 && name[1] == ':':
		return bad("names a drive")
	}
	for _, r := range name {
		if unicode.IsControl(r) { // C0, DEL and C1 (U+009B starts a terminal sequence too)
			return bad(fmt.Sprintf("contains the control character %U", r))
		}
	}
	return name, nil
}

// An UnsafeNameError is SafeName's refusal: the start of the name (at most
// 64 bytes, then …) and why, in English words (Why is one of "empty",
// "longer than N bytes", "not valid UTF-8", "not a file name", "contains a
// path separator: only a plain name may be given", "names a drive",
// "contains the control character U+XXXX"). It wraps ErrUnsafeName.
type UnsafeNameError struct {
	Quoted string
	Why    string
}

func (e *UnsafeNameError) Error() string {
	return fmt.Sprintf("%v %q: %s", ErrUnsafeName, e.Quoted, e.Why)
}

// Unwrap returns ErrUnsafeName.
func (e *UnsafeNameError) Unwrap() error { return ErrUnsafeName }
