// Package labtest holds what the lab's benchmarks in several packages
// measure against: baselines with no lab in them. Only tests import it.
package labtest

import (
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// HashedCopy copies n bytes over loopback TCP in 64 KiB writes and SHA-256s
// them on both ends: the baseline issue 11 names for a file upload. With a
// folder, the receiver also writes what it gets to a new file in it (the
// upload server's work); the file is removed at the end. It returns how
// long it took.
func HashedCopy(n int64, store string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	start := time.Now()
	got := make(chan [32]byte, 1)
	go func() {
		var sum [32]byte
		defer func() { got <- sum }()
		if err := receive(ln, store, &sum); err != nil {
			sum = [32]byte{}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	for sent := int64(0); sent < n; sent += int64(len(buf)) {
		b := buf[:min(int64(len(buf)), n-sent)]
		h.Write(b)
		if _, err := c.Write(b); err != nil {
			return 0, err
		}
	}
	c.Close()
	var sum [32]byte
	if h.Sum(sum[:0]); <-got != sum {
		return 0, errors.New("the copy's two SHA-256s differ")
	}
	return time.Since(start), nil
}

// receive reads one connection of ln to its end, hashing it into sum and,
// with a folder, storing it there.
func receive(ln net.Listener, store string, sum *[32]byte) error {
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	var w io.Writer = io.Discard
	if store != "" {
		f, err := os.CreateTemp(store, "hashed-copy-*.bin")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(h, w), struct{ io.Reader }{c}, make([]byte, 64<<10)); err != nil {
		return err
	}
	h.Sum(sum[:0])
	return nil
}
