package demos

import (
	"runtime"
	"testing"

	"socketlab/lab"
)

func TestSendall100(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a single short send() cannot be shown on Windows")
	}
	repeatDemo(t, "sendall", 100, repeat{})
}

func TestSendallKnobs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a single short send() cannot be shown on Windows")
	}
	repeatDemo(t, "sendall", 3, repeat{Sets: []string{"size=1MiB"}})
	// A payload that fits in the buffers: no short send and no partial
	// write to show, and the findings say ✗ rather than pretend.
	d, _ := Lookup("sendall")
	res := runDemo(t, d, lab.Options{}, "size=1000")
	for id, want := range map[string]bool{"short": false, "loop": false, "deadline": false, "write": true, "arrived": true} {
		if got := findingOK(t, res, id); got != want {
			t.Errorf("size=1000: finding %s ok = %v, want %v", id, got, want)
		}
	}
}
