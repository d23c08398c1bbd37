package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"socketlab/demos/wire"
)

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name   string
		header wire.JSONHeader
		json   string
		err    error
		msg    string
	}{
		{"datasize", wire.JSONHeader{DataSize: 5}, `{"datasize": 5}`, nil, ""},
		{"zero", wire.JSONHeader{}, `{"datasize": 0}`, nil, ""},
		{
			"put",
			wire.JSONHeader{Cmd: "put", FileName: "a.txt", FileSize: 3, DataSize: 3},
			`{"cmd": "put", "filename": "a.txt", "filesize": 3, "datasize": 3}`, nil, "",
		},
		{
			"empty file",
			wire.JSONHeader{Cmd: "put", FileName: "empty"},
			`{"cmd": "put", "filename": "empty", "filesize": 0, "datasize": 0}`, nil, "",
		},
		{
			"extras sorted",
			wire.JSONHeader{DataSize: 1, SHA256: "ab", Extra: map[string]json.RawMessage{"z": []byte(`[1, 2]`), "a": []byte(`null`)}},
			`{"datasize": 1, "sha256": "ab", "a": null, "z": [1, 2]}`, nil, "",
		},
		{
			"no HTML escaping, UTF-8 as is",
			wire.JSONHeader{FileName: "<a&b>\"文件\".txt", DataSize: 1},
			`{"filename": "<a&b>\"文件\".txt", "filesize": 0, "datasize": 1}`, nil, "",
		},
		{"negative datasize", wire.JSONHeader{DataSize: -1}, "", wire.ErrNegative, "negative datasize -1"},
		{"negative filesize", wire.JSONHeader{FileSize: -2}, "", wire.ErrNegative, "negative filesize -2"},
		{"invalid UTF-8", wire.JSONHeader{FileName: "\xff"}, "", wire.ErrMalformed, `malformed filename "\xff": invalid UTF-8`},
		{
			"known field in Extra",
			wire.JSONHeader{Extra: map[string]json.RawMessage{"datasize": []byte("5")}},
			"", wire.ErrMalformed, `malformed extra field "datasize": set JSONHeader's own field instead`,
		},
		{
			"invalid Extra",
			wire.JSONHeader{Extra: map[string]json.RawMessage{"x": []byte("{")}},
			"", wire.ErrMalformed, `malformed extra field "x": not a JSON value`,
		},
		{
			"too large",
			wire.JSONHeader{FileName: strings.Repeat("x", wire.MaxJSONHeader)},
			"", wire.ErrTooLarge, "header length 65582 exceeds limit 65536",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.AppendJSON(nil, tt.header)
			wantErr(t, err, tt.err, tt.msg)
			if err != nil {
				return
			}
			want := slices.Concat(header(wire.Little, uint32(len(tt.json))), []byte(tt.json))
			if !bytes.Equal(got, want) {
				t.Errorf("AppendJSON:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	const max = 100
	tests := []struct {
		json string
		want wire.JSONHeader
		err  error
		msg  string
	}{
		{`{"datasize": 5}`, wire.JSONHeader{DataSize: 5}, nil, ""},
		{` {"datasize":0} `, wire.JSONHeader{}, nil, ""},
		{`{"datasize": 1}`, wire.JSONHeader{DataSize: 1}, nil, ""},
		{`{"datasize": 99}`, wire.JSONHeader{DataSize: 99}, nil, ""},
		{`{"datasize": 100}`, wire.JSONHeader{DataSize: 100}, nil, ""},
		{`{"datasize": 101}`, wire.JSONHeader{}, wire.ErrTooLarge, "datasize 101 exceeds limit 100"},
		{`{"datasize": 2147483647}`, wire.JSONHeader{}, wire.ErrTooLarge, "datasize 2147483647 exceeds limit 100"},
		{`{"datasize": 99999999999999999999}`, wire.JSONHeader{}, wire.ErrTooLarge, "datasize 99999999999999999999 exceeds limit 9223372036854775807"},
		{`{"datasize": -1}`, wire.JSONHeader{}, wire.ErrNegative, "negative datasize -1"},
		{`{"datasize": -99999999999999999999}`, wire.JSONHeader{}, wire.ErrNegative, "negative datasize -99999999999999999999"},
		{
			`{"cmd": "put", "filename": "a.txt", "filesize": 3}`,
			wire.JSONHeader{Cmd: "put", FileName: "a.txt", FileSize: 3, DataSize: 3}, nil, "",
		},
		{
			`{"filename": "a.txt", "filesize": 300, "datasize": 3}`,
			wire.JSONHeader{FileName: "a.txt", FileSize: 300, DataSize: 3}, nil, "",
		},
		{`{"filesize": 101}`, wire.JSONHeader{}, wire.ErrTooLarge, "filesize 101 exceeds limit 100"},
		{`{"filesize": -3, "datasize": 1}`, wire.JSONHeader{}, wire.ErrNegative, "negative filesize -3"},
		{
			`{"datasize": 5, "sha256": "ab", "x": [1, 2], "y": null, "datasize2": "z"}`,
			wire.JSONHeader{DataSize: 5, SHA256: "ab", Extra: map[string]json.RawMessage{
				"x": []byte("[1, 2]"), "y": []byte("null"), "datasize2": []byte(`"z"`),
			}}, nil, "",
		},
		{`{"filename": "文件.txt", "datasize": 1}`, wire.JSONHeader{FileName: "文件.txt", DataSize: 1}, nil, ""},
		{`{"cmd": null, "datasize": 1}`, wire.JSONHeader{DataSize: 1}, nil, ""},
		{`{}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: no datasize"},
		{`{"DataSize": 1}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: no datasize"},
		{`[]`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: got array, want object"},
		{`"datasize"`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: got string, want object"},
		{`5`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: got number, want object"},
		{`null`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: got null, want object"},
		{``, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: unexpected end of JSON input"},
		{`{"datasize": 5`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: unexpected end of JSON input"},
		{`{"datasize": 5}{}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: invalid character '{' after top-level value"},
		{`{'datasize': 5}`, wire.JSONHeader{}, wire.ErrMalformed, ""},
		{`{"datasize": 1.5}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: datasize is not an integer"},
		{`{"datasize": 1e2}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: datasize is not an integer"},
		{`{"datasize": "5"}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: datasize is not an integer"},
		{`{"datasize": null}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: datasize is not an integer"},
		{`{"datasize": 1, "cmd": 5}`, wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: cmd is not a string"},
		{"{\"datasize\": 1, \"filename\": \"\xff\"}", wire.JSONHeader{}, wire.ErrMalformed, "malformed JSON header: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			got, err := wire.ParseJSON([]byte(tt.json), max)
			wantErr(t, err, tt.err, tt.msg)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseJSON = %+v, want %+v", got, tt.want)
			}
		})
	}

	var syntaxErr *json.SyntaxError
	if _, err := wire.ParseJSON([]byte("{"), max); !errors.As(err, &syntaxErr) {
		t.Errorf("ParseJSON(%q) = %v, want it to wrap a *json.SyntaxError", "{", err)
	}
}

// TestReadJSONSizes reads bodies around the limit, and header lengths around
// MaxJSONHeader, in every chunking.
func TestReadJSONSizes(t *testing.T) {
	const max = 100
	// framed returns a header length of n and n bytes of JSON header
	// announcing datasize, padded with spaces, then body bytes.
	framed := func(n uint32, datasize, body int) []byte {
		obj := fmt.Sprintf(`{"datasize": %d}`, datasize)
		if pad := int(n) - len(obj); pad > 0 && pad < 1<<20 {
			obj += strings.Repeat(" ", pad)
		}
		return slices.Concat(header(wire.Little, n), []byte(obj), pattern(body))
	}
	tests := []struct {
		name  string
		input []byte
		body  int
		err   error
		msg   string
	}{
		{"body 0", framed(15, 0, 0), 0, nil, ""},
		{"body 1", framed(15, 1, 1), 1, nil, ""},
		{"body max-1", framed(16, max-1, max-1), max - 1, nil, ""},
		{"body max", framed(17, max, max), max, nil, ""},
		{"body max+1", framed(17, max+1, max+1), 0, wire.ErrTooLarge, "decode header: datasize 101 exceeds limit 100"},
		{"header max", framed(wire.MaxJSONHeader, 2, 2), 2, nil, ""},
		{"header max+1", framed(wire.MaxJSONHeader+1, 2, 2), 0, wire.ErrTooLarge, "read header length: header length 65537 exceeds limit 65536"},
		{"header 0x7fffffff", framed(0x7fffffff, 2, 2), 0, wire.ErrTooLarge, "read header length: header length 2147483647 exceeds limit 65536"},
		{"header 0x80000000", framed(0x80000000, 2, 2), 0, wire.ErrNegative, "read header length: negative header length -2147483648"},
		{"header -5", framed(0xfffffffb, 2, 2), 0, wire.ErrNegative, "read header length: negative header length -5"},
		{"header 0", framed(0, 2, 2), 0, wire.ErrMalformed, "decode header: malformed JSON header: unexpected end of JSON input"},
		{"empty", nil, 0, io.EOF, "EOF"},
		{"header length 2 of 4", []byte{15, 0}, 0, io.ErrUnexpectedEOF, "read header length: unexpected EOF: got 2 of 4 bytes, 2 missing"},
		{"header 0 of 15", framed(15, 0, 0)[:4], 0, io.ErrUnexpectedEOF, "read header: unexpected EOF: got 0 of 15 bytes, 15 missing"},
		{"header 5 of 15", framed(15, 0, 0)[:9], 0, io.ErrUnexpectedEOF, "read header: unexpected EOF: got 5 of 15 bytes, 10 missing"},
		{"body 3 of 10", framed(16, 10, 3), 0, io.ErrUnexpectedEOF, "read body: unexpected EOF: got 3 of 10 bytes, 7 missing"},
	}
	for _, tt := range tests {
		for _, c := range chunkings {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				r := c.wrap(bytes.NewReader(tt.input))
				h, body, err := wire.ReadJSON(r, max)
				wantErr(t, err, tt.err, tt.msg)
				if err != nil {
					return
				}
				if h.DataSize != int64(tt.body) || !bytes.Equal(body, pattern(tt.body)) {
					t.Fatalf("ReadJSON = datasize %d, body %q; want %d bytes", h.DataSize, body, tt.body)
				}
				if _, _, err := wire.ReadJSON(r, max); err != io.EOF {
					t.Fatalf("after the last frame: error = %v, want io.EOF", err)
				}
			})
		}
	}
}

// TestReadJSONHeaderStream reads headers and streams their bodies with
// CopyN, as a file server does, in every chunking.
func TestReadJSONHeaderStream(t *testing.T) {
	files := []struct {
		name string
		data []byte
	}{
		{"a.txt", []byte("hello")},
		{"empty", nil},
		{"big.bin", pattern(100_000)},
	}
	var stream bytes.Buffer
	for _, f := range files {
		h := wire.JSONHeader{Cmd: "put", FileName: f.name, FileSize: int64(len(f.data))}
		if err := wire.WriteJSON(&stream, h, f.data); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range chunkings {
		r := c.wrap(bytes.NewReader(stream.Bytes()))
		for _, f := range files {
			h, err := wire.ReadJSONHeader(r, 100_000)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.name, f.name, err)
			}
			want := wire.JSONHeader{Cmd: "put", FileName: f.name, FileSize: int64(len(f.data)), DataSize: int64(len(f.data))}
			if !reflect.DeepEqual(h, want) {
				t.Fatalf("%s: header = %+v, want %+v", c.name, h, want)
			}
			var body bytes.Buffer
			if _, err := wire.CopyN(&body, r, h.DataSize); err != nil || !bytes.Equal(body.Bytes(), f.data) {
				t.Fatalf("%s: %s: body = %d bytes, %v; want %d bytes", c.name, f.name, body.Len(), err, len(f.data))
			}
		}
		if _, err := wire.ReadJSONHeader(r, 100_000); err != io.EOF {
			t.Fatalf("%s: after the last file: error = %v, want io.EOF", c.name, err)
		}
	}
}

func TestWriteJSONSetsDataSize(t *testing.T) {
	var w writes
	if err := wire.WriteJSON(&w, wire.JSONHeader{DataSize: 99}, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	want := "\x0f\x00\x00\x00{\"datasize\": 5}hello"
	if len(w) != 1 || string(w[0]) != want {
		t.Errorf("writes = %q, want one write %q", w, want)
	}
	err := wire.WriteJSON(&w, wire.JSONHeader{FileSize: -1}, nil)
	wantErr(t, err, wire.ErrNegative, "encode header: negative filesize -1")
}
