// Package demos is Socket Lab's catalogue: the numbered demos in teaching
// order, one file each (or a few named after it, such as blocking.go and
// blocking_findings.go); what several demos use lives in shared.go. A demo is a lab.Demo value: its server and client
// are ordinary Go functions that use the lab's traced sockets, and its
// findings read the finished trace to say what really happened.
//
// Each demo's lessons live in the lessons package under the same
// "NN-slug" name; a test checks that every demo has both.
package demos

import (
	"fmt"
	"strconv"
	"strings"

	"socketlab/lab"
)

// All returns the catalogue in teaching order.
func All() []lab.Demo {
	return []lab.Demo{
		tcpBasic(),
		udp(),
		smallBuffer(),
		sticky(),
		structHeader(),
		jsonHeader(),
		objects(),
		loops(),
		disconnect(),
		remoteCmd(),
		concurrent(),
		backlog(),
		sendall(),
		chat(),
		fileUpload(),
		httpDemo(),
		handshake(),
		ftpDemo(),
		halfClose(),
		blocking(),
		framingBugsDemo(),
	}
}

// Lookup finds a demo by number ("3") or slug ("small-buffer").
func Lookup(arg string) (lab.Demo, error) {
	all := All()
	if id, err := strconv.Atoi(arg); err == nil {
		for _, d := range all {
			if d.ID == id {
				return d, nil
			}
		}
	}
	for _, d := range all {
		if d.Slug == strings.ToLower(arg) {
			return d, nil
		}
	}
	return lab.Demo{}, fmt.Errorf("unknown demo %q", arg)
}

// Valid lists the demos for an error hint: "1 tcp-basic, 2 udp, …".
func Valid() string {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name())
	}
	return strings.Join(names, ", ")
}
