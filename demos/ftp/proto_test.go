package ftp

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseLength(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		n    int
		want string // "" = ok
	}{
		{[]byte{1, 0, 0, 0}, 1, ""},
		{[]byte{0x2e, 0, 0, 0}, 46, ""},
		{[]byte{0, 0x40, 0, 0}, MaxHeader, ""},
		{[]byte{1, 0x40, 0, 0}, 0, "at most 16384"},
		{[]byte{0, 0, 0, 0}, 0, "empty header"},
		{[]byte{0, 0, 0, 0x80}, 0, "negative"}, // 2 GiB as 'i'
		{[]byte{0xff, 0xff, 0xff, 0x7f}, 0, "at most"},
		{[]byte("GET "), 0, `"GET "`},
		{[]byte{1, 0, 0}, 0, "3 bytes"},
	} {
		n, err := ParseLength(tc.b, MaxHeader)
		switch {
		case tc.want == "" && (err != nil || n != tc.n):
			t.Errorf("ParseLength(% x) = %d, %v; want %d", tc.b, n, err, tc.n)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrLength)):
			t.Errorf("ParseLength(% x) error %v; want one containing %q", tc.b, err, tc.want)
		}
	}
}

// The lab's put header is the seed's json.dumps of its dict, byte for byte.
func TestAppendRequestIsPythons(t *testing.T) {
	got := AppendRequest(nil, Request{Cmd: "put", FileName: "a.txt", FileSize: 5})
	want := append([]byte{50, 0, 0, 0}, `{"cmd": "put", "filesize": 5, "filename": "a.txt"}`...)
	if !bytes.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = AppendRequest(nil, Request{Cmd: "put", FileName: "你好😀.txt"})
	if w := `"filename": "\u4f60\u597d\ud83d\ude00.txt"`; !bytes.Contains(got, []byte(w)) {
		t.Errorf("got %q, want ensure_ascii escapes %s", got, w)
	}
	r, err := ParseRequest(got[4:])
	if err != nil || r.FileName != "你好😀.txt" {
		t.Errorf("round trip: %+v %v", r, err)
	}
}

func TestParseRequestRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`not json`, "not a JSON object"},
		{`[1,2]`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{"{\"cmd\": \"ls\xff\"}", "UTF-8"},
		{`{"filename": "a"}`, `no "cmd"`},
		{`{"cmd": 3}`, "must be a string"},
		{`{"cmd": "__init__"}`, `unknown command "__init__"`},
		{`{"cmd": "server_close"}`, "unknown command"},
		{`{"cmd": "PUT", "filename": "a", "filesize": 1}`, "unknown command"},
		{`{"cmd": "put", "filename": "a"}`, `needs a "filesize"`},
		{`{"cmd": "put", "filename": "a", "filesize": -1}`, "whole number"},
		{`{"cmd": "put", "filename": "a", "filesize": 1.5}`, "whole number"},
		{`{"cmd": "put", "filename": "a", "filesize": "12"}`, "whole number"},
		{`{"cmd": "put", "filename": "a", "filesize": 1e3}`, "whole number"},
		{`{"cmd": "put", "filename": "a", "filesize": 99999999999999999999}`, "whole number"},
		{`{"cmd": "put", "filename": "a", "filesize": 1, "md5": "xyz"}`, "32 hex"},
		{`{"cmd": "get", "filename": "a", "offset": -5}`, "whole number"},
		{`{"cmd": "login", "user": "a"}`, `needs a "password"`},
		{`{"cmd": "put", "filename": "a", "filesize": 1, "resume": "yes"}`, "true or false"},
	} {
		_, err := ParseRequest([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrHeader) {
			t.Errorf("ParseRequest(%s) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	// Fields a command does not use are ignored: a student's client may add some.
	r, err := ParseRequest([]byte(`{"cmd": "put", "filesize": 3, "filename": "a.txt", "mtime": 17, "note": [1]}`))
	if err != nil || r.FileSize != 3 || r.FileName != "a.txt" {
		t.Errorf("extra fields: %+v %v", r, err)
	}
}

func TestRequestStringHidesPassword(t *testing.T) {
	s := Request{Cmd: "login", User: "alice", Password: "hunter2"}.String()
	if strings.Contains(s, "hunter2") || !strings.Contains(s, "alice") {
		t.Errorf("String() = %s", s)
	}
}

func TestReplyRoundTrip(t *testing.T) {
	in := Reply{Status: 200, Msg: "ok", FileSize: num(12), Offset: num(0), Entries: []Entry{{Name: "a", Size: 1}}}
	b := AppendReply(nil, in)
	n, err := ParseLength(b[:4], MaxReplyHeader)
	if err != nil || n != len(b)-4 {
		t.Fatal(n, err)
	}
	out, err := ParseReply(b[4:])
	if err != nil || out.Status != 200 || *out.FileSize != 12 || *out.Offset != 0 || out.Entries[0].Name != "a" {
		t.Errorf("%+v %v", out, err)
	}
	if _, err := ParseReply([]byte(`{"msg": "no status"}`)); err == nil {
		t.Error("a reply without status was taken")
	}
	if _, err := ParseReply([]byte(`{"status": 200, "msg": "x", "filesize": -1}`)); err == nil {
		t.Error("a negative filesize was taken")
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"cmd": "put", "filesize": 5, "filename": "a.txt"}`))
	f.Add([]byte(`{"cmd": "login", "user": "alice", "password": "x"}`))
	f.Add([]byte(`{"cmd": "get", "filename": "../x", "offset": 3}`))
	f.Add([]byte(`{"cmd": "ls"}`))
	f.Add([]byte("\xff{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			return
		}
		if _, ok := Lookup(r.Cmd); !ok || r.FileSize < 0 || r.Offset < 0 || r.FileSize > MaxFileSize {
			t.Fatalf("accepted %+v", r)
		}
		// What the lab writes, it reads back the same.
		enc := AppendRequest(nil, r)
		back, err := ParseRequest(enc[4:])
		if err != nil && !strings.Contains(err.Error(), "needs") {
			t.Fatalf("re-encoded %q: %v", enc, err)
		}
		if err == nil && (back.Cmd != r.Cmd || back.FileName != r.FileName || back.FileSize != r.FileSize ||
			back.Path != r.Path || back.User != r.User || back.Password != r.Password || back.Offset != r.Offset) {
			t.Fatalf("round trip %+v != %+v", back, r)
		}
	})
}

func FuzzParseLength(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseLength(b, MaxHeader)
		if err == nil && (n < 1 || n > MaxHeader || len(b) != 4) {
			t.Fatalf("accepted %d from % x", n, b)
		}
	})
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"a", "../a", "a/../../b", "/etc/passwd", "a\x00b", "docs/./x", ".x.part", `a\b`} {
		f.Add("", s)
		f.Add("docs", s)
	}
	f.Fuzz(func(t *testing.T, cwd, p string) {
		if c, err := Resolve("", cwd); err != nil || c != cwd {
			return // cwd must itself be a clean resolved path
		}
		rel, err := Resolve(cwd, p)
		if err != nil {
			return
		}
		if strings.HasPrefix(rel, "/") || strings.Contains(rel, "..") && hasDotDot(rel) || strings.ContainsRune(rel, 0) || strings.Contains(rel, `\`) {
			t.Fatalf("Resolve(%q, %q) = %q", cwd, p, rel)
		}
	})
}

func hasDotDot(rel string) bool {
	for _, c := range strings.Split(rel, "/") {
		if c == ".." || c == "." || c == "" {
			return true
		}
	}
	return false
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"put a.txt", []string{"put", "a.txt"}},
		{"  get   a  b ", []string{"get", "a", "b"}},
		{`put "my notes.txt" 'b c'`, []string{"put", "my notes.txt", "b c"}},
		{`put ""`, []string{"put", ""}},
		{"", nil},
	} {
		got, err := Words(tc.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("Words(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := Words(`put "open`); err == nil {
		t.Error("an open quote was taken")
	}
}

// TestCommandTablesAgree: the server's handlers and the shell's commands
// are the command table's names, no more and no fewer, so a name the
// table lets through always has code on both ends.
func TestCommandTablesAgree(t *testing.T) {
	var names []string
	for _, c := range Commands {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	for what, keys := range map[string][]string{
		"the server's handlers": slices.Sorted(maps.Keys(handlers)),
		"the shell's commands":  slices.Sorted(maps.Keys(shellCommands)),
	} {
		if !slices.Equal(keys, names) {
			t.Errorf("%s are %v, the command table %v", what, keys, names)
		}
	}
}
