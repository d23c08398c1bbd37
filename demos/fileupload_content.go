package demos

// Demo 15's made-up file: numbered lines of words from a fixed seed, made
// as they are sent (never held whole), and its SHA-256 by size.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"sync"
)

// uploadWords fill the made-up file's lines.
var uploadWords = [16]string{"socket", "bytes", "stream", "header", "accept", "recv", "send", "close",
	"buffer", "port", "peer", "file", "ack", "json", "size", "lab"}

// uploadWordBytes are uploadWords with the space that follows each, eight
// bytes to a word, so a line is written a word in one store.
var uploadWordBytes = func() (w [16]struct {
	b uint64 // the word and a space, little-endian, zero-padded
	n int    // its length with the space
}) {
	for i, word := range uploadWords {
		var b [8]byte
		copy(b[:], word+" ")
		w[i].b, w[i].n = binary.LittleEndian.Uint64(b[:]), len(word)+1
	}
	return w
}()

// uploadWordPairs are two of uploadWordBytes in a row, as the low (first)
// and high four bits of an index pick them: sixteen bytes at most, so a
// line takes two words in two stores.
var uploadWordPairs = func() (w [256]struct {
	lo, hi uint64 // the two words and their spaces, little-endian, zero-padded
	n      int    // their length
}) {
	for k := range w {
		var b [16]byte
		first, second := uploadWords[k&15]+" ", uploadWords[k>>4]+" "
		copy(b[copy(b[:], first):], second)
		w[k].lo, w[k].hi = binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
		w[k].n = len(first) + len(second)
	}
	return w
}()

// lineDigits are the numbers 0000 to 9999 as four ASCII digits each.
var lineDigits = func() (d [10000][4]byte) {
	for n := range d {
		d[n] = [4]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
	}
	return d
}()

// contentLine writes line i of the made-up file: an 8-digit line number,
// words picked by the seed, a newline; 64 bytes. It writes two words a
// step while both fit, then one (the same bytes as one word a step).
func contentLine(i int64, line *[64]byte) {
	n := (i + 1) % 100000000
	*(*[4]byte)(line[0:4]) = lineDigits[n/10000]
	*(*[4]byte)(line[4:8]) = lineDigits[n%10000]
	line[8] = ' '
	var p rand.PCG
	p.Seed(uploadSeed, uint64(i))
	x := p.Uint64()
	pos := 9
	for pos <= 48 { // two words and their spaces in two stores, at most 16 bytes
		w := &uploadWordPairs[x&255]
		x = x>>8 | x<<56
		binary.LittleEndian.PutUint64(line[pos:], w.lo)
		binary.LittleEndian.PutUint64(line[pos+8:], w.hi)
		pos += w.n
	}
	for pos < 63 {
		k := x & 15
		x = x>>4 | x<<60
		if pos <= 56 { // the word and its space in one store; what it writes past them comes next
			binary.LittleEndian.PutUint64(line[pos:], uploadWordBytes[k].b)
			pos += uploadWordBytes[k].n
			continue
		}
		for v := uploadWordBytes[k].b; v != 0 && pos < 63; v >>= 8 { // the last word, cut at the newline
			line[pos] = byte(v)
			pos++
		}
	}
	line[63] = '\n'
}

// content reads the made-up file of the given size, from its start; whole
// lines are written straight into the reader's buffer.
type content struct{ off, size int64 }

func (c *content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.size-c.off)]
	var line [64]byte
	for n := 0; n < len(p); {
		at := c.off + int64(n)
		if at%64 == 0 && len(p)-n >= 64 {
			contentLine(at/64, (*[64]byte)(p[n:n+64]))
			n += 64
			continue
		}
		contentLine(at/64, &line)
		n += copy(p[n:], line[at%64:])
	}
	c.off += int64(len(p))
	return len(p), nil
}

// contentSums remembers the SHA-256 of the made-up file by size: the
// client learns it while it sends the first upload, and the second
// upload's header, the receipt check and the findings need it again.
var contentSums struct {
	sync.Mutex
	m map[int64]string
}

// contentSHA is the SHA-256 of the made-up file, in hex.
func contentSHA(size int64) string {
	contentSums.Lock()
	sum, ok := contentSums.m[size]
	contentSums.Unlock()
	if ok {
		return sum
	}
	sum = hex.EncodeToString(hashContent(size))
	rememberSHA(size, sum)
	return sum
}

// hashContent is the SHA-256 of the made-up file of the given size. One
// goroutine generates it, 1 MiB at a time, while this one hashes the
// chunk before, so the pass takes the longer of the two, not both: a
// client that announces the SHA-256 before the bytes reads its file twice.
func hashContent(size int64) []byte {
	const bufs, hashChunk = 3, 1 << 20
	full, free := make(chan []byte, bufs), make(chan []byte, bufs)
	for range bufs {
		free <- make([]byte, hashChunk)
	}
	go func() {
		defer close(full)
		c := &content{size: size}
		for {
			buf := <-free
			n, _ := io.ReadFull(c, buf)
			if n == 0 {
				return
			}
			full <- buf[:n]
		}
	}()
	h := sha256.New()
	for b := range full {
		h.Write(b)
		free <- b[:cap(b)]
	}
	return h.Sum(nil)
}

// rememberSHA records the SHA-256 of the made-up file of the given size
// (a few sizes at most).
func rememberSHA(size int64, sum string) {
	contentSums.Lock()
	defer contentSums.Unlock()
	if len(contentSums.m) >= 8 {
		clear(contentSums.m)
	}
	if contentSums.m == nil {
		contentSums.m = map[int64]string{}
	}
	contentSums.m[size] = sum
}
