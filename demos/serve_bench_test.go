package demos

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lab/render"
)

// serveClients is how many clients BenchmarkServeCrowd starts at once.
// Each holds two sockets in this process (its own and the server's end):
// Go raises the soft RLIMIT_NOFILE to the hard limit at start, so 1000
// needs a hard limit above about 2,100.
var serveClients = flag.Int("serve-clients", 1000, "BenchmarkServeCrowd: clients that connect at once")

// BenchmarkServeCrowd is `lab serve 1` (demo 1's peer server in a Session,
// the trace --format names drawn into io.Discard; text is what `lab serve
// 1` draws to the terminal) facing a crowd: serveClients clients released at once by one
// barrier, each connects, sends "hello", reads "HELLO" and closes. In the
// same iteration, in turn, the same crowd meets a raw Go server (net.Listen,
// a goroutine per connection that echoes upper-case). Reported per server:
// the p50 and p99 of connect() (dial to the handshake done) and of the
// answer (dial to HELLO read), in ms, over all iterations (a client the
// lab refused, beyond --max, counts in lab-refused/op instead); x-raw-connect-p99
// and x-raw-answer-p99 are the lab's p99 over the raw server's (the goal is
// ≤ 2).
func BenchmarkServeCrowd(b *testing.B) {
	for _, format := range []string{"text", "json", "none"} {
		b.Run("format="+format, func(b *testing.B) {
			var sink lab.Sink
			switch format {
			case "text":
				sink = render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120})
			case "json":
				sink = render.NewJSON(io.Discard, lab.En)
			}
			benchServeCrowd(b, sink, lab.PeerOptions{})
		})
	}
	// What the issue measured: listen(128) and 64 connections at once,
	// the lab's defaults then (the text trace).
	b.Run("format=text/backlog=128/max=64", func(b *testing.B) {
		benchServeCrowd(b, render.NewText(io.Discard, render.Options{Lang: lab.En, Width: 120}), lab.PeerOptions{Backlog: 128, Max: 64})
	})
}

// benchServeCrowd is BenchmarkServeCrowd with sink, the server's backlog
// and maximum taken from o (0: the lab serve defaults).
func benchServeCrowd(b *testing.B, sink lab.Sink, o lab.PeerOptions) {
	d := tcpBasic()
	p, err := lab.ParseParams(append(slices.Clone(d.Knobs), d.Peer.Knobs...), nil)
	if err != nil {
		b.Fatal(err)
	}
	sess := lab.NewSession(b.Context(), lab.SessionOptions{Sink: sink})
	defer sess.Finish()
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		_, err := d.Peer.Serve(sess.Context(), sess.Side(lab.Server, p), lab.PeerOptions{Addr: "127.0.0.1:0", Idle: time.Minute, Backlog: o.Backlog, Max: o.Max,
			Peer:  sess.Side(lab.Client, p),
			Ready: func(a net.Addr) { ready <- a.String() }})
		served <- err
	}()
	var labAddr string
	select {
	case labAddr = <-ready:
	case err := <-served:
		b.Fatal(err)
	}
	rawAddr := rawUpperServer(b)

	var labC, labA, rawC, rawA []time.Duration
	for b.Loop() {
		c, a := crowd(b, rawAddr, *serveClients)
		rawC, rawA = append(rawC, c...), append(rawA, a...)
		c, a = crowd(b, labAddr, *serveClients)
		sess.Flush()
		labC, labA = append(labC, c...), append(labA, a...)
	}
	labA, refused := answered(labA)
	rawA, _ = answered(rawA) // a raw server refuses nobody
	b.ReportMetric(float64(refused)/float64(b.N), "lab-refused/op")
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"lab-connect", labC}, {"raw-connect", rawC}, {"lab-answer", labA}, {"raw-answer", rawA}} {
		b.ReportMetric(ms(quantile(m.ds, 0.50)), m.name+"-p50-ms")
		b.ReportMetric(ms(quantile(m.ds, 0.99)), m.name+"-p99-ms")
	}
	b.ReportMetric(float64(quantile(labC, 0.99))/float64(max(1, quantile(rawC, 0.99))), "x-raw-connect-p99")
	b.ReportMetric(float64(quantile(labA, 0.99))/float64(max(1, quantile(rawA, 0.99))), "x-raw-answer-p99")
}

// crowd releases n clients at addr at once and returns how long each took
// to connect and to read its answer, both from the release.
func crowd(b *testing.B, addr string, n int) (connect, answer []time.Duration) {
	b.Helper()
	connect, answer = make([]time.Duration, n), make([]time.Duration, n)
	errs := make(chan error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var t0 time.Time
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			c, err := net.DialTimeout("tcp", addr, time.Minute)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			connect[i] = time.Since(t0)
			c.SetDeadline(time.Now().Add(time.Minute))
			if _, err := c.Write([]byte("hello")); err != nil {
				errs <- err
				return
			}
			got := make([]byte, 5)
			if _, err := io.ReadFull(c, got); err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
				answer[i] = -1 // refused: more than --max were open
				return
			} else if err != nil || !bytes.Equal(got, []byte("HELLO")) {
				errs <- fmt.Errorf("answer %q: %v", got, err)
				return
			}
			answer[i] = time.Since(t0)
		}()
	}
	ready.Wait()
	t0 = time.Now()
	close(start)
	done.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("a client at %s: %v", addr, err)
	}
	return connect, answer
}

// answered are the answer times of the clients that got one, and how
// many were refused.
func answered(ds []time.Duration) (got []time.Duration, refused int) {
	for _, d := range ds {
		if d < 0 {
			refused++
		} else {
			got = append(got, d)
		}
	}
	return got, refused
}

// quantile is the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// rawUpperServer is the plain Go server demo 1's peer is measured against:
// net.Listen (whose backlog is the system's maximum), a goroutine per
// connection that answers each read upper-cased until the client closes.
func rawUpperServer(b *testing.B) string {
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
				buf := make([]byte, 1024)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						c.Write(bytes.ToUpper(buf[:n]))
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}
