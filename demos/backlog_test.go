package demos

import (
	"runtime"
	"testing"

	"socketlab/lab"
)

func TestBacklog100(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the exact queue length is a Linux recipe (backlog+1, SYNs dropped when full)")
	}
	repeatFindings(t, "backlog", 100)
}

func TestBacklogKnobs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux recipe")
	}
	for _, sets := range [][]string{{"backlog=0", "clients=3"}, {"backlog=3", "clients=6"}, {"backlog=8", "clients=16"}} {
		repeatFindings(t, "backlog", 5, sets...)
	}
	// Everyone fits in the queue: the hang cannot be shown, and the
	// finding says so with ✗.
	d, _ := Lookup("backlog")
	res := runDemo(t, d, lab.Options{}, "backlog=1", "clients=2")
	if findingOK(t, res, "hang") {
		t.Error("hang held with clients=2, backlog=1: nobody could have hung")
	}
	if !findingOK(t, res, "queued") || !findingOK(t, res, "drain") {
		t.Error("queued and drain must still hold with clients=2")
	}
}
