package menu

import (
	"bytes"
	"testing"
)

func TestNoBell(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"lone bell", []string{"\a"}, ""},
		{"bells around text", []string{"\aa\ab\a"}, "ab"},
		{"bell after a CSI", []string{"\x1b[2K\a\r"}, "\x1b[2K\r"},
		{"OSC ended by BEL is kept", []string{"\x1b]0;title\a"}, "\x1b]0;title\a"},
		{"OSC split across writes", []string{"\x1b]0;ti", "tle\a", "\a"}, "\x1b]0;title\a"},
		{"ESC split from ]", []string{"x\x1b", "]2;t\a"}, "x\x1b]2;t\a"},
		{"OSC ended by ST, then a bell", []string{"\x1b]0;t\x1b\\\a"}, "\x1b]0;t\x1b\\"},
		{"ESC then bell", []string{"\x1b\a"}, "\x1b"},
		{"UTF-8 untouched", []string{"你好 ▸ \a↑"}, "你好 ▸ ↑"},
		{"empty", []string{""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NoBell(&buf)
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				if err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", s, n, err, len(s))
				}
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

// closeRecorder notices being closed.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestNoBellCloseKeepsTarget(t *testing.T) {
	var target closeRecorder
	w := NoBell(&target)
	if err := w.Close(); err != nil || target.closed {
		t.Fatalf("Close() = %v, target closed = %v; want nil, false", err, target.closed)
	}
}

func TestGateDropsWritesAfterClose(t *testing.T) {
	var buf bytes.Buffer
	g := &gate{w: &buf}
	g.Write([]byte("menu"))
	g.Close()
	clean := []byte("\x1b[J\x1b[2K\r")
	n, err := g.Write(clean)
	if n != len(clean) || err != nil {
		t.Errorf("Write after Close = %d, %v; want %d, nil", n, err, len(clean))
	}
	if buf.String() != "menu" {
		t.Errorf("wrote %q, want only %q", buf.String(), "menu")
	}
}
