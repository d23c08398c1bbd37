// Package lab is the engine of Socket Lab: it runs a demo's client and server
// as two goroutines over real loopback sockets and records every socket call
// as an [Event].
//
//	demo code ──calls──▶ Conn / Listener / PacketConn  (traced wrappers)
//	                            │ before the call: Stepper (step mode, --slow)
//	                            │ after the call:  Recorder.Record(Event)
//	                            ▼
//	                        Recorder ──Emit──▶ Sink (text lanes, JSON lines, Markdown)
//
// The engine knows no particular demo: a [Demo] is a value (id, slug, titles,
// knobs, a server func, a client func and a findings func) that the demos
// package lists in its catalogue. Outcomes are ordered by named barriers
// ([Side.Wait], [Side.Signal]) that appear in the trace, never by sleeps.
package lab
