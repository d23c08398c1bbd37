package wire

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode"
)

func TestSafeName(t *testing.T) {
	good := []string{"a.txt", "你好.jpg", "new.jpg", "..hidden", "a..b", "x y", strings.Repeat("a", MaxFileName),
		"console.txt", "COM10", "nulls", "lpt", "xcon.txt", ".con", "a.nul", "COM", "auxiliary.md", "emoji 👩‍💻.png"}
	for _, n := range good {
		if got, err := SafeName(n); err != nil || got != n {
			t.Errorf("SafeName(%q) = %q, %v; want it accepted", n, got, err)
		}
	}
	bad := []string{"", ".", "..", "../../etc/passwd", "/etc/passwd", "a/b", `..\x`, `C:\x`, "C:x",
		"a\x00b", "a\nb", "\x7f", "\xff", strings.Repeat("a", MaxFileName+1), "./a", "a\u009b2J", "\u0085"}
	// Windows: device names with or without an extension, trailing dots and
	// spaces, streams, its forbidden characters; bidirectional controls.
	bad = append(bad, "CON", "con", "PRN", "AUX", "aux.txt", "NUL", "nul.tar.gz", "NUL .txt", "COM1", "com9.log", "LPT0",
		"COM¹", "lpt³.txt", "CONIN$", "conout$.x", "a.txt.", "a.txt ", "a.", "a.txt:hidden", "a:b", "C:", "a<b", "a>b",
		`a"b`, "a|b", "a?", "*.txt", "invoice‮txt.exe", "a⁦b", "a‏b", "a؜b")
	for _, n := range bad {
		got, err := SafeName(n)
		if !errors.Is(err, ErrUnsafeName) || got != "" {
			t.Errorf("SafeName(%q) = %q, %v; want ErrUnsafeName", n, got, err)
			continue
		}
		// The reason in both languages: the Chinese one has Han characters.
		var ne *NameError
		if !errors.As(err, &ne) || ne.En == "" || !strings.ContainsFunc(ne.Zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("SafeName(%q): %#v, want a reason in English and Chinese", n, err)
		}
	}
}

// FuzzSafeName: whatever SafeName accepts stays inside the folder and
// holds no control character; what it refuses it says in a short message
// that holds none either (the message goes back to the peer and to the
// terminal).
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", "/x", "a\x00", "..", "a\u009b2J", strings.Repeat("\x1b", 300)} {
		f.Add(s)
	}
	dir := filepath.Join("base", "dir")
	f.Fuzz(func(t *testing.T, name string) {
		var n string
		var err error
		allocated := func() uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n, err = SafeName(name)
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		// At most 4 KiB whatever the length; the least of three runs, as
		// another goroutine may allocate during one.
		a := allocated()
		for try := 0; try < 2 && a > 4096; try++ {
			a = min(a, allocated())
		}
		if a > 4096 {
			t.Fatalf("SafeName of %d bytes allocated %d bytes", len(name), a)
		}
		if err != nil {
			if msg := err.Error(); len(msg) > 400 || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("SafeName(%q): %d bytes: %q", name, len(msg), msg)
			}
			return
		}
		if strings.ContainsFunc(n, unicode.IsControl) {
			t.Fatalf("SafeName accepted %q", n)
		}
		p := filepath.Join(dir, n)
		if filepath.Dir(p) != dir || filepath.Base(p) != n {
			t.Fatalf("SafeName accepted %q, which leaves %s: %s", name, dir, p)
		}
	})
}
