package wire_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"
	"testing/iotest"

	"socketlab/demos/wire"
)

// fuzzMax is the limit the fuzz targets decode with: small, so that the
// fuzzer easily finds lengths on both sides of it.
const fuzzMax = 100

// decodeAllocBound is the most a decoder may allocate for n bytes of input
// when its limit is DefaultMax (64 MiB): a few times the bytes that came,
// plus the chunk ReadN starts with, however large a length they announce.
func decodeAllocBound(n int) uint64 { return uint64(16*n + 64<<10) }

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x05\x00\x00\x00hello"), false)
	f.Add([]byte("\x00\x00\x00\x05hello"), true)
	f.Add([]byte("\x00\x00\xc0\x03abc"), false) // announces 60 MiB, sends 3 bytes
	f.Fuzz(func(t *testing.T, data []byte, big bool) {
		o := wire.Little
		if big {
			o = wire.Big
		}
		checkAlloc(t, fmt.Sprintf("ReadFrame of %d bytes", len(data)), decodeAllocBound(len(data)), func() {
			wire.ReadFrame(iotest.HalfReader(bytes.NewReader(data)), o, wire.DefaultMax)
		})

		// Whatever it reads, the decoder keeps within the limit, gives the
		// same result in small pieces, and what it accepts it writes back
		// as the same bytes.
		payload, err := wire.ReadFrame(bytes.NewReader(data), o, fuzzMax)
		chunked, chunkedErr := wire.ReadFrame(iotest.OneByteReader(bytes.NewReader(data)), o, fuzzMax)
		if !bytes.Equal(payload, chunked) || errText(err) != errText(chunkedErr) {
			t.Fatalf("whole: %q, %v; one byte at a time: %q, %v", payload, err, chunked, chunkedErr)
		}
		if err == nil {
			if len(payload) > fuzzMax {
				t.Fatalf("payload of %d bytes, limit %d", len(payload), fuzzMax)
			}
			var again bytes.Buffer
			if err := wire.WriteFrame(&again, o, payload); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, again.Bytes()) {
				t.Fatalf("read %q from %q, which writes back as %q", payload, data, again.Bytes())
			}
		}

		// decode(encode(data)) == data.
		var stream bytes.Buffer
		if err := wire.WriteFrame(&stream, o, data); err != nil {
			t.Fatal(err)
		}
		got, err := wire.ReadFrame(&stream, o, len(data)+1)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip of %q: %q, %v", data, got, err)
		}
		if _, err := wire.ReadFrame(&stream, o, len(data)+1); err != io.EOF {
			t.Fatalf("after the frame: %v, want io.EOF", err)
		}
	})
}

func FuzzJSONHeader(f *testing.F) {
	f.Add([]byte("\x0f\x00\x00\x00{\"datasize\": 5}hello"))
	f.Add([]byte("\x2e\x00\x00\x00{\"cmd\":\"put\",\"filesize\":3,\"filename\":\"a.txt\"}abc"))
	f.Add([]byte("\x16\x00\x00\x00{\"datasize\": 62914560}abc")) // announces 60 MiB, sends 3 bytes
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, fmt.Sprintf("ReadJSON of %d bytes", len(data)), decodeAllocBound(len(data)), func() {
			wire.ReadJSON(iotest.HalfReader(bytes.NewReader(data)), wire.DefaultMax)
			wire.ParseJSON(data, wire.DefaultMax)
		})
		h, body, err := wire.ReadJSON(bytes.NewReader(data), fuzzMax)
		h2, body2, err2 := wire.ReadJSON(iotest.OneByteReader(bytes.NewReader(data)), fuzzMax)
		if !reflect.DeepEqual(h, h2) || !bytes.Equal(body, body2) || errText(err) != errText(err2) {
			t.Fatalf("whole: %+v, %q, %v; one byte at a time: %+v, %q, %v", h, body, err, h2, body2, err2)
		}
		if err == nil {
			if len(body) > fuzzMax || int64(len(body)) != h.DataSize {
				t.Fatalf("body of %d bytes, datasize %d, limit %d", len(body), h.DataSize, fuzzMax)
			}
			roundTripJSON(t, h, body)
		}

		// The bytes as a bare JSON object, without the length in front.
		if h, err := wire.ParseJSON(data, fuzzMax); err == nil {
			if h.DataSize < 0 || h.DataSize > fuzzMax || h.FileSize < 0 {
				t.Fatalf("ParseJSON(%q) accepted %+v", data, h)
			}
			roundTripJSON(t, h, bytes.Repeat([]byte("x"), int(h.DataSize)))
		}
	})
}

// roundTripJSON checks that a header and body read back as written.
func roundTripJSON(t *testing.T, h wire.JSONHeader, body []byte) {
	t.Helper()
	var stream bytes.Buffer
	err := wire.WriteJSON(&stream, h, body)
	if errors.Is(err, wire.ErrTooLarge) {
		return // near MaxJSONHeader, written with Python's spacing
	}
	if err != nil {
		t.Fatalf("WriteJSON(%+v): %v", h, err)
	}
	got, gotBody, err := wire.ReadJSON(&stream, len(body)+1)
	if err != nil || !reflect.DeepEqual(got, h) || !bytes.Equal(gotBody, body) {
		t.Fatalf("round trip of %+v, %q: %+v, %q, %v", h, body, got, gotBody, err)
	}
}

func FuzzTextHeader(f *testing.F) {
	f.Add([]byte("5         hello"))
	f.Add([]byte("-5        hello"))
	f.Add([]byte("62914560  abc")) // announces 60 MiB, sends 3 bytes
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, fmt.Sprintf("ReadText of %d bytes", len(data)), decodeAllocBound(len(data)), func() {
			wire.ReadText(iotest.HalfReader(bytes.NewReader(data)), wire.DefaultMax)
		})
		payload, err := wire.ReadText(bytes.NewReader(data), fuzzMax)
		chunked, chunkedErr := wire.ReadText(iotest.HalfReader(bytes.NewReader(data)), fuzzMax)
		if !bytes.Equal(payload, chunked) || errText(err) != errText(chunkedErr) {
			t.Fatalf("whole: %q, %v; in halves: %q, %v", payload, err, chunked, chunkedErr)
		}
		if err == nil {
			if len(payload) > fuzzMax {
				t.Fatalf("payload of %d bytes, limit %d", len(payload), fuzzMax)
			}
			if !bytes.Equal(payload, data[wire.TextHeaderSize:][:len(payload)]) {
				t.Fatalf("payload %q is not the bytes after the header in %q", payload, data)
			}
		}

		// decode(encode(data)) == data.
		var stream bytes.Buffer
		if err := wire.WriteText(&stream, data); err != nil {
			t.Fatal(err)
		}
		got, err := wire.ReadText(&stream, len(data)+1)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip of %q: %q, %v", data, got, err)
		}
	})
}

func FuzzLines(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.0\r\nHost: x\r\n\r\nbody"))
	f.Add([]byte("a\nb\r\r\n\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, fmt.Sprintf("ReadLine to the end of %d bytes", len(data)), decodeAllocBound(len(data)), func() {
			r := bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(data)), 16)
			for {
				if _, err := wire.ReadLine(r, 0); err != nil {
					return
				}
			}
		})
		// Reading: every line is within the limit and holds no "\r\n", and
		// the lines written back are the bytes read so far.
		r := bufio.NewReaderSize(bytes.NewReader(data), 16)
		var read []byte
		for {
			line, err := wire.ReadLine(r, fuzzMax)
			if err == io.EOF {
				if !bytes.Equal(read, data) {
					t.Fatalf("io.EOF after reading %q of %q", read, data)
				}
				break
			}
			if err != nil {
				break
			}
			if len(line) > fuzzMax || bytes.Contains(line, []byte("\r\n")) {
				t.Fatalf("line %q", line)
			}
			if read, err = wire.AppendLine(read, line); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, read) {
				t.Fatalf("lines %q are not the start of %q", read, data)
			}
		}

		// decode(encode(lines)) == lines, and what follows the last line
		// is still there to read.
		lines := bytes.Split(data, []byte("\r\n"))
		var stream []byte
		for _, line := range lines {
			var err error
			if stream, err = wire.AppendLine(stream, line); err != nil {
				t.Fatal(err)
			}
		}
		r = bufio.NewReaderSize(bytes.NewReader(slices.Concat(stream, data)), 16)
		for _, want := range lines {
			got, err := wire.ReadLine(r, len(data)+1)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("round trip of %q: %q, %v", want, got, err)
			}
		}
		if rest, err := io.ReadAll(r); err != nil || !bytes.Equal(rest, data) {
			t.Fatalf("after the lines: %q, %v; want %q", rest, err, data)
		}
	})
}
