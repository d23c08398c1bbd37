package demos

import (
	"fmt"
	"testing"
)

// TestRemoteCmdManyRuns proves the recipe: with framing=none the answers
// fall out of step every run; with a header they are in step every run.
func TestRemoteCmdManyRuns(t *testing.T) {
	for _, c := range []struct {
		framing string
		runs    int
		want    map[string]bool
	}{
		{"none", 200, map[string]bool{"cut": true, "drift": true, "stream": true, "safe": true}},
		{"struct", 200, map[string]bool{"cut": true, "in-step": true, "safe": true}},
		{"json", 50, map[string]bool{"cut": true, "in-step": true, "safe": true}},
	} {
		t.Run(c.framing, func(t *testing.T) {
			repeatDemo(t, "remote-cmd", c.runs, repeat{Sets: []string{"framing=" + c.framing}, Short: 3, Want: c.want, Check: count(len(c.want))})
		})
	}
}

func TestRemoteCmdKnobs(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want map[string]bool
	}{
		// A buffer that holds the longest answer hides the bug.
		{[]string{"buf=2048"}, map[string]bool{"cut": false, "drift": false, "stream": true, "safe": true}},
		{[]string{"buf=1511"}, map[string]bool{"cut": false, "drift": false, "stream": true}},
		{[]string{"buf=1510"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"buf=1"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"buf=10"}, map[string]bool{"cut": true, "drift": true, "stream": true}},
		{[]string{"framing=struct", "buf=1"}, map[string]bool{"cut": true, "in-step": true}},
		{[]string{"framing=struct", "buf=65536"}, map[string]bool{"cut": false, "in-step": true}},
		{[]string{"framing=json", "buf=7"}, map[string]bool{"cut": true, "in-step": true}},
	} {
		t.Run(fmt.Sprint(c.sets), func(t *testing.T) {
			repeatDemo(t, "remote-cmd", 1, repeat{Sets: c.sets, Want: c.want})
		})
	}
}
