package lab_test

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// proxyBytes is what one client pushes through a proxy per iteration.
const proxyBytes = 32 << 20

// BenchmarkProxyVsRaw pushes proxyBytes through `lab proxy` (a Session's
// Proxy with the sink --format names: none, json or text, rendering into
// io.Discard) and, in the same iteration and in turn, through a raw Go proxy
// (io.Copy both ways) and straight to the server. The server reads
// everything and closes; a push ends when the client reads that close and
// the lab's sink has drawn every event (so the renderer's work is counted).
// Reported: the MB/s of each and the lab's speed as a fraction of the raw
// proxy's (x-raw-proxy) and of the direct copy's (x-direct).
func BenchmarkProxyVsRaw(b *testing.B) {
	for _, format := range []string{"none", "json", "text"} {
		b.Run("format="+format, func(b *testing.B) {
			server := sinkServer(b)
			raw := rawProxy(b, server)
			var sink lab.Sink
			switch format {
			case "json":
				sink = render.NewJSON(io.Discard, lab.En)
			case "text":
				sink = render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120})
			}
			sess := lab.NewSession(b.Context(), lab.SessionOptions{Sink: sink})
			defer sess.Finish()
			side := sess.Side(lab.Proxy, lab.Params{})
			pl, err := side.Listen("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go side.Proxy(pl, lab.ProxyOptions{Upstream: server, Quiet: sink == nil}, nil)
			var direct, viaRaw, viaLab time.Duration
			b.SetBytes(proxyBytes)
			for b.Loop() {
				direct += push(b, server, nil)
				viaRaw += push(b, raw, nil)
				viaLab += push(b, pl.Addr().String(), sess.Flush)
			}
			reportSpeeds(b, proxyBytes, map[string]time.Duration{"direct": direct, "raw-proxy": viaRaw, "lab": viaLab})
			b.ReportMetric(direct.Seconds()/viaLab.Seconds(), "x-direct")
			b.ReportMetric(viaRaw.Seconds()/viaLab.Seconds(), "x-raw-proxy")
		})
	}
}

// reportSpeeds reports MB/s for each timed path of n bytes per iteration.
func reportSpeeds(b *testing.B, n int64, took map[string]time.Duration) {
	for name, d := range took {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/d.Seconds(), name+"-MB/s")
	}
}

// payload is what push sends: random bytes, so that no call repeats the
// last one's (the JSON trace reuses the hex of a repeated call).
var (
	payload     []byte
	payloadOnce sync.Once
)

// push sends proxyBytes of payload to addr in 64 KiB writes, half-closes, and waits
// for the server's close to come back; then drains (the lab's sink).
func push(b *testing.B, addr string, drain func()) time.Duration {
	b.Helper()
	payloadOnce.Do(func() {
		payload = make([]byte, proxyBytes)
		rand.NewChaCha8([32]byte{1}).Read(payload)
	})
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for sent := 0; sent < proxyBytes; sent += 64 << 10 {
		if _, err := c.Write(payload[sent : sent+64<<10]); err != nil {
			b.Fatal(err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if _, err := io.Copy(io.Discard, c); err != nil {
		b.Fatal(err)
	}
	if drain != nil {
		drain()
	}
	return time.Since(start)
}

// sinkServer is a server outside the lab that reads each connection to its
// end and closes it.
func sinkServer(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(io.Discard, c)
				c.Close()
			}()
		}
	}()
	return l.Addr().String()
}

// rawProxy is the plain Go proxy the lab is measured against: io.Copy each
// way, a half-close passed on.
func rawProxy(b *testing.B, upstream string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{})
				go func() {
					io.Copy(u, c)
					u.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				io.Copy(c, u)
				c.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	return l.Addr().String()
}
