package ftp

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

// benchSize is the file the benchmark moves: LAB_FTP_BENCH_SIZE (e.g.
// 1GiB), else 64 MiB. The goal is 1 GB under 50 MB of RSS:
//
//	LAB_FTP_BENCH_SIZE=1GiB go test ./demos/ftp -run XXX -bench Large -benchtime 1x
func benchSize(b *testing.B) int64 {
	if s := os.Getenv("LAB_FTP_BENCH_SIZE"); s != "" {
		n, err := lab.ParseSize(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 64 << 20
}

// rss reads a field of /proc/self/status in bytes (Linux only; 0 elsewhere).
func rss(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeak starts VmHWM again from the current RSS (Linux: clear_refs 5).
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkLargePutGet puts and gets one file of benchSize through the
// server and the lab's client (md5 and sha256 on both ends, traced
// sockets with nothing kept: as `lab ftp serve --format none`) and
// reports the peak RSS of the process and the throughput against a
// baseline measured in the same run: a raw loopback copy that also hashes
// with md5 and sha256 on both ends (DECISIONS 25).
func BenchmarkLargePutGet(b *testing.B) {
	size := benchSize(b)
	dir := b.TempDir()
	local := filepath.Join(dir, "big.bin")
	f, err := os.Create(local)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyBuffer(f, io.LimitReader(zeroish{}, size), make([]byte, Chunk)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o700)
	usersFile := filepath.Join(dir, "users.json")
	AddUser(usersFile, "alice", "bench-pw", TestParams)
	users, _ := ReadUsers(usersFile)
	srv, err := NewServer(Config{Root: root, Users: users})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sess := lab.NewSession(context.Background(), lab.SessionOptions{})
	defer sess.Close()
	ln, err := sess.Side(lab.Server, lab.Params{}).Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go ln.Serve(lab.ServeOptions{}, srv.Handle)
	csess := lab.NewSession(context.Background(), lab.SessionOptions{})
	defer csess.Close()
	cs := csess.Side(lab.Client, lab.Params{})

	base := baseline(b, local, size)
	runtime.GC()
	before := rss("VmRSS")
	resetPeak()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		c, err := cs.Dial(ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		cl := &Client{S: cs, C: c}
		if _, err := cl.Login("alice", "bench-pw"); err != nil {
			b.Fatal(err)
		}
		if _, err := cl.Put(local, "big.bin"); err != nil {
			b.Fatal(err)
		}
		back := filepath.Join(dir, "back.bin")
		os.Remove(back)
		if _, err := cl.Get("big.bin", back); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	el := time.Since(start)
	b.StopTimer()
	peak := rss("VmHWM")
	b.SetBytes(2 * size)
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-rss")
	b.ReportMetric(float64(peak-before)/(1<<20), "MiB-rss-growth")
	if base > 0 {
		b.ReportMetric(base.Seconds()*float64(b.N)/el.Seconds(), "x-baseline-speed")
	}
}

// baseline is the time of the same bytes (put and get) as a raw loopback
// copy hashed with md5 and sha256 on both ends, reading from and writing
// to files like the real thing.
func baseline(b *testing.B, local string, size int64) time.Duration {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	out := filepath.Join(b.TempDir(), "raw.bin")
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		for range 2 { // the put, then the get's bytes echoed back
			w, _ := os.Create(out)
			_, err := io.CopyBuffer(io.MultiWriter(w, md5.New(), sha256.New()), io.LimitReader(c, size), make([]byte, Chunk))
			w.Close()
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	start := time.Now()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	for range 2 {
		f, _ := os.Open(local)
		h1, h2 := md5.New(), sha256.New()
		io.CopyBuffer(io.MultiWriter(c, h1, h2), f, make([]byte, Chunk))
		f.Close()
	}
	c.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// zeroish is a cheap endless stream that is not all zeros.
type zeroish struct{}

func (zeroish) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i * 7)
	}
	return len(p), nil
}
