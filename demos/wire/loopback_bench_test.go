package wire_test

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// cappedReader makes each Read ask for at most max bytes, as a loop over
// recv(max) does.
type cappedReader struct {
	r   io.Reader
	max int
}

func (c cappedReader) Read(p []byte) (int, error) {
	if len(p) > c.max {
		p = p[:c.max]
	}
	return c.r.Read(p)
}

// BenchmarkFramedTransfer measures the struct-header framing over real
// loopback TCP, without the lab's tracing: per iteration the writer sends
// one frame with WriteFrame and the reader reads it back with ReadFrame,
// through reads of at most buf bytes (the "receive buffer" of recv(buf)).
// MB/s counts payload bytes.
func BenchmarkFramedTransfer(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20, 64 << 20} {
		for _, buf := range []int{1 << 10, 64 << 10, 1 << 20} {
			name := fmt.Sprintf("payload=%s/buf=%s", lab.FormatSize(int64(size)), lab.FormatSize(int64(buf)))
			b.Run(name, func(b *testing.B) { benchFramed(b, size, buf) })
		}
	}
}

func benchFramed(b *testing.B, size, buf int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	writer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer writer.Close()
	reader, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()

	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i)
	}
	r := cappedReader{r: reader, max: buf}
	done := make(chan error, 1)
	b.SetBytes(int64(size))
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := wire.WriteFrame(writer, wire.Little, payload); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range b.N {
		got, err := wire.ReadFrame(r, wire.Little, size)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != size {
			b.Fatalf("read %d bytes, want %d", len(got), size)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFramedVsRaw measures WriteFrame and ReadFrame over real
// loopback TCP against the raw limit on the same connection, in turn in
// each iteration: the writer writes the header and payload from a buffer
// made once, the reader io.ReadFulls them into a buffer made once.
// x-raw is ReadFrame's speed (a new slice each frame, whose fresh pages
// the kernel must fault in) as a fraction of the raw one; x-raw-into is
// ReadFrameInto's, which reads each frame into the last one's memory.
// x-raw-alloc is ReadFrame's speed over a raw reader that, like it,
// returns a new slice each frame (the header read, then io.ReadFull into
// make([]byte, size)): the same allocation, without the bounded growth.
func BenchmarkFramedVsRaw(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run("payload="+lab.FormatSize(int64(size)), func(b *testing.B) {
			frames := max(1, (64<<20)/size/4) // a few MiB at least per timing
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			writer, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer writer.Close()
			reader, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			defer reader.Close()
			payload := make([]byte, size)
			for i := range payload {
				payload[i] = byte(i)
			}
			rawFrame := append(header(wire.Little, uint32(size)), payload...)
			rawBuf := make([]byte, len(rawFrame))
			timed := func(write func() error, read func() error) time.Duration {
				start := time.Now()
				done := make(chan error, 1)
				go func() {
					for range frames {
						if err := write(); err != nil {
							done <- err
							return
						}
					}
					done <- nil
				}()
				for range frames {
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			var raw, rawAlloc, framed, reused time.Duration
			buf := make([]byte, 0, size) // as a frame before left it, like rawBuf
			b.SetBytes(int64(size * frames))
			for b.Loop() {
				raw += timed(func() error {
					_, err := writer.Write(rawFrame)
					return err
				}, func() error {
					_, err := io.ReadFull(reader, rawBuf)
					return err
				})
				rawAlloc += timed(func() error {
					_, err := writer.Write(rawFrame)
					return err
				}, func() error {
					var h [wire.HeaderSize]byte
					if _, err := io.ReadFull(reader, h[:]); err != nil {
						return err
					}
					_, err := io.ReadFull(reader, make([]byte, size))
					return err
				})
				framed += timed(func() error {
					return wire.WriteFrame(writer, wire.Little, payload)
				}, func() error {
					got, err := wire.ReadFrame(reader, wire.Little, size)
					if err == nil && len(got) != size {
						err = fmt.Errorf("read %d bytes, want %d", len(got), size)
					}
					return err
				})
				reused += timed(func() error {
					return wire.WriteFrame(writer, wire.Little, payload)
				}, func() error {
					buf, err = wire.ReadFrameInto(reader, wire.Little, size, buf)
					if err == nil && len(buf) != size {
						err = fmt.Errorf("read %d bytes, want %d", len(buf), size)
					}
					return err
				})
			}
			mb := float64(size*frames*b.N) / 1e6
			b.ReportMetric(mb/raw.Seconds(), "raw-MB/s")
			b.ReportMetric(mb/framed.Seconds(), "framed-MB/s")
			b.ReportMetric(mb/reused.Seconds(), "into-MB/s")
			b.ReportMetric(mb/rawAlloc.Seconds(), "raw-alloc-MB/s")
			b.ReportMetric(raw.Seconds()/framed.Seconds(), "x-raw")
			b.ReportMetric(rawAlloc.Seconds()/framed.Seconds(), "x-raw-alloc")
			b.ReportMetric(raw.Seconds()/reused.Seconds(), "x-raw-into")
		})
	}
}
