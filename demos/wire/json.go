package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxJSONHeader is the largest JSON header, in bytes, that ReadJSONHeader
// accepts and AppendJSON writes: 64 KiB.
const MaxJSONHeader = 64 << 10

// A JSONHeader is the JSON object that precedes a body in the tutorials' JSON
// framing, such as {"datasize": 5} before a command's output or
// {"cmd": "put", "filename": "a.txt", "filesize": 3} before a file (a header
// without "datasize" announces "filesize" bytes; see ParseJSON).
type JSONHeader struct {
	Cmd      string // "cmd", such as "put"; omitted when empty
	FileName string // "filename"; omitted when empty
	FileSize int64  // "filesize"; written when FileName or FileSize is set
	DataSize int64  // "datasize": the length of the body; always written
	SHA256   string // "sha256": the body's digest in hex; omitted when empty

	// Extra holds the object's other fields, by name, as raw JSON values.
	Extra map[string]json.RawMessage
}

// AppendJSON appends h as a JSON header: the 4-byte 'i' length of the JSON
// object, then the object. The object is written the way Python's
// json.dumps(header, ensure_ascii=False) writes it, fields separated by ", "
// and names by ": ", in the order cmd, filename, filesize, datasize, sha256,
// then Extra sorted by name. The body is not appended: write h.DataSize bytes
// after the header.
func AppendJSON(dst []byte, h JSONHeader) ([]byte, error) {
	if err := h.check(); err != nil {
		return dst, err
	}
	obj := h.marshal()
	if err := checkLength("header length", int64(len(obj)), MaxJSONHeader); err != nil {
		return dst, err
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(obj)))
	return append(dst, obj...), nil
}

// knownFields are the JSON names of JSONHeader's fields.
var knownFields = []string{"cmd", "filename", "filesize", "datasize", "sha256"}

// check reports why h cannot be written as a JSON header.
func (h JSONHeader) check() error {
	switch {
	case h.DataSize < 0:
		return fmt.Errorf("%w datasize %d", ErrNegative, h.DataSize)
	case h.FileSize < 0:
		return fmt.Errorf("%w filesize %d", ErrNegative, h.FileSize)
	case !utf8.ValidString(h.Cmd):
		return fmt.Errorf("%w cmd %q: invalid UTF-8", ErrMalformed, h.Cmd)
	case !utf8.ValidString(h.FileName):
		return fmt.Errorf("%w filename %q: invalid UTF-8", ErrMalformed, h.FileName)
	case !utf8.ValidString(h.SHA256):
		return fmt.Errorf("%w sha256 %q: invalid UTF-8", ErrMalformed, h.SHA256)
	}
	for _, name := range slices.Sorted(maps.Keys(h.Extra)) {
		value := h.Extra[name]
		switch {
		case slices.Contains(knownFields, name):
			return fmt.Errorf("%w extra field %q: set JSONHeader's own field instead", ErrMalformed, name)
		case !utf8.ValidString(name):
			return fmt.Errorf("%w extra field %q: invalid UTF-8", ErrMalformed, name)
		case !utf8.Valid(value) || !json.Valid(value):
			return fmt.Errorf("%w extra field %q: not a JSON value", ErrMalformed, name)
		}
	}
	return nil
}

// marshal returns h, which passed check, as a JSON object.
func (h JSONHeader) marshal() []byte {
	obj := []byte{'{'}
	add := func(name string, value []byte) {
		if len(obj) > 1 {
			obj = append(obj, ", "...)
		}
		obj = appendString(obj, name)
		obj = append(obj, ": "...)
		obj = append(obj, value...)
	}
	if h.Cmd != "" {
		add("cmd", appendString(nil, h.Cmd))
	}
	if h.FileName != "" {
		add("filename", appendString(nil, h.FileName))
	}
	if h.FileName != "" || h.FileSize != 0 {
		add("filesize", strconv.AppendInt(nil, h.FileSize, 10))
	}
	add("datasize", strconv.AppendInt(nil, h.DataSize, 10))
	if h.SHA256 != "" {
		add("sha256", appendString(nil, h.SHA256))
	}
	for _, name := range slices.Sorted(maps.Keys(h.Extra)) {
		add(name, h.Extra[name])
	}
	return append(obj, '}')
}

// appendString appends s, valid UTF-8, as a JSON string. Unlike
// json.Marshal, it leaves <, > and & as they are, as Python does.
func appendString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ParseJSON decodes a JSON header object, without its 4-byte length, and
// checks the body length it announces against max (DefaultMax if max <= 0).
//
// The body length is "datasize". The tutorial's file upload sends
// {"cmd": "put", "filename": …, "filesize": …} with no "datasize": there the
// body length is "filesize", and DataSize is set to it.
//
// The header must be valid UTF-8 and a JSON object; "cmd", "filename" and
// "sha256" must be strings, "datasize" and "filesize" integers that are not
// negative. Other fields go to Extra as they are.
func ParseJSON(b []byte, max int) (JSONHeader, error) {
	var h JSONHeader
	if !utf8.Valid(b) {
		return JSONHeader{}, fmt.Errorf("%w JSON header: invalid UTF-8", ErrMalformed)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return JSONHeader{}, fmt.Errorf("%w JSON header: got %s, want object", ErrMalformed, typeErr.Value)
		}
		return JSONHeader{}, fmt.Errorf("%w JSON header: %w", ErrMalformed, err)
	}
	if fields == nil {
		return JSONHeader{}, fmt.Errorf("%w JSON header: got null, want object", ErrMalformed)
	}
	var err error
	if h.Cmd, err = takeString(fields, "cmd"); err != nil {
		return JSONHeader{}, err
	}
	if h.FileName, err = takeString(fields, "filename"); err != nil {
		return JSONHeader{}, err
	}
	if h.SHA256, err = takeString(fields, "sha256"); err != nil {
		return JSONHeader{}, err
	}
	fileSize, hasFileSize, err := takeInt(fields, "filesize")
	if err != nil {
		return JSONHeader{}, err
	}
	if err := checkLength("filesize", fileSize, math.MaxInt64); err != nil {
		return JSONHeader{}, err
	}
	dataSize, hasDataSize, err := takeInt(fields, "datasize")
	if err != nil {
		return JSONHeader{}, err
	}
	switch {
	case hasDataSize:
		err = checkLength("datasize", dataSize, limit(max))
	case hasFileSize:
		dataSize = fileSize
		err = checkLength("filesize", dataSize, limit(max))
	default:
		err = fmt.Errorf("%w JSON header: no datasize", ErrMalformed)
	}
	if err != nil {
		return JSONHeader{}, err
	}
	h.FileSize = fileSize
	h.DataSize = dataSize
	if len(fields) > 0 {
		h.Extra = fields
	}
	return h, nil
}

// takeString removes the field name from fields and returns its value, which
// must be a JSON string (or null, meaning "").
func takeString(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok {
		return "", nil
	}
	delete(fields, name)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w JSON header: %s is not a string", ErrMalformed, name)
	}
	return s, nil
}

// takeInt removes the field name from fields and returns its value, which
// must be a JSON integer, and whether it was there.
func takeInt(fields map[string]json.RawMessage, name string) (int64, bool, error) {
	raw, ok := fields[name]
	if !ok {
		return 0, false, nil
	}
	delete(fields, name)
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Too many digits for an int64: say so with the number as sent.
		if raw[0] == '-' {
			return 0, true, fmt.Errorf("%w %s %s", ErrNegative, name, raw)
		}
		return 0, true, fmt.Errorf("%s %s %w %d", name, raw, ErrTooLarge, int64(math.MaxInt64))
	}
	if err != nil {
		return 0, true, fmt.Errorf("%w JSON header: %s is not an integer", ErrMalformed, name)
	}
	return n, true, nil
}

// WriteJSON writes h, with DataSize set to len(body), then body, in a single
// Write. To stream a body instead, write AppendJSON's header and then the
// body's bytes.
func WriteJSON(w io.Writer, h JSONHeader, body []byte) error {
	h.DataSize = int64(len(body))
	header, err := AppendJSON(nil, h)
	if err != nil {
		return fmt.Errorf("encode header: %w", err)
	}
	if _, err := w.Write(slices.Concat(header, body)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadJSONHeader reads a JSON header: its 4-byte 'i' length, at most
// MaxJSONHeader, then the object, decoded by ParseJSON with the limit max for
// the body. The body is left unread in r: read h.DataSize bytes of it with
// CopyN or ReadN. ReadJSONHeader returns io.EOF if r ends before the first
// byte of the header.
func ReadJSONHeader(r io.Reader, max int) (JSONHeader, error) {
	length, err := ReadN(r, HeaderSize)
	if err == io.EOF {
		return JSONHeader{}, io.EOF
	}
	if err != nil {
		return JSONHeader{}, fmt.Errorf("read header length: %w", err)
	}
	n, err := parseLength(length, Little, "header length", MaxJSONHeader)
	if err != nil {
		return JSONHeader{}, fmt.Errorf("read header length: %w", err)
	}
	obj, err := readAnnounced(r, n)
	if err != nil {
		return JSONHeader{}, fmt.Errorf("read header: %w", err)
	}
	h, err := ParseJSON(obj, max)
	if err != nil {
		return JSONHeader{}, fmt.Errorf("decode header: %w", err)
	}
	return h, nil
}

// ReadJSON reads a JSON header and the body it announces, which may be at
// most max bytes (DefaultMax if max <= 0). It returns io.EOF if r ends before
// the first byte of the header. If reading the body fails, ReadJSON still
// returns the header.
func ReadJSON(r io.Reader, max int) (JSONHeader, []byte, error) {
	h, err := ReadJSONHeader(r, max)
	if err != nil {
		return h, nil, err
	}
	body, err := readAnnounced(r, int(h.DataSize))
	if err != nil {
		return h, nil, fmt.Errorf("read body: %w", err)
	}
	return h, body, nil
}
