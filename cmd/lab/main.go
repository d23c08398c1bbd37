// Command lab is Socket Lab: it runs real client and server code over the
// loopback network and shows, side by side, every socket call and every byte.
//
//	lab                 the menu (in a terminal)
//	lab list            the demos
//	lab run 3           run demo 3 and show its trace
//	lab lesson 3        read its lesson
//
// Run "lab help" for the whole command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
