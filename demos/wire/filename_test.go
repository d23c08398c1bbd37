package wire

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeName(t *testing.T) {
	good := []string{"a.txt", "你好.jpg", "new.jpg", "..hidden", "a..b", "x y", strings.Repeat("a", MaxFileName)}
	for _, n := range good {
		if got, err := SafeName(n); err != nil || got != n {
			t.Errorf("SafeName(%q) = %q, %v; want it accepted", n, got, err)
		}
	}
	bad := []string{"", ".", "..", "../../etc/passwd", "/etc/passwd", "a/b", `..\x`, `C:\x`, "C:x",
		"a\x00b", "a\nb", "\x7f", "\xff", strings.Repeat("a", MaxFileName+1), "./a"}
	for _, n := range bad {
		if got, err := SafeName(n); !errors.Is(err, ErrUnsafeName) || got != "" {
			t.Errorf("SafeName(%q) = %q, %v; want ErrUnsafeName", n, got, err)
		}
	}
}

// FuzzSafeName: whatever SafeName accepts stays inside the folder.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", "/x", "a\x00", ".."} {
		f.Add(s)
	}
	dir := filepath.Join("base", "dir")
	f.Fuzz(func(t *testing.T, name string) {
		n, err := SafeName(name)
		if err != nil {
			return
		}
		p := filepath.Join(dir, n)
		if filepath.Dir(p) != dir || filepath.Base(p) != n {
			t.Fatalf("SafeName accepted %q, which leaves %s: %s", name, dir, p)
		}
	})
}
