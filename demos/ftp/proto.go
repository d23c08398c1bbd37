// Package ftp is the seeds' homework, a multi-user online FTP program: the
// protocol (framing, requests, replies, the fixed command table), the
// server (users with salted scrypt hashes, a home folder per user behind
// an os.Root, quotas, put and get with md5 and sha256, resumed transfers)
// and the client, all over the lab's traced sockets.
//
// Every message in both directions is framed as the seed's put:
//
//	+-------------+------------------------------------------------+--------+
//	| 2e 00 00 00 | {"cmd": "put", "filesize": 5, "filename": "a"} | hello  |
//	+-------------+------------------------------------------------+--------+
//	 struct.pack('i', len(header)): a signed 32-bit length,          body:
//	 little-endian (Python's native order on x86 and ARM)            filesize
//	                  the JSON header, UTF-8                         bytes
//
// A request's header carries "cmd" and the fields of that command; a
// reply's carries "status" (a number, 200 = done) and "msg". Only two
// messages have a body: a put request (the file) and the reply to a get
// (the file from "offset" on). docs/wire-formats.md writes it all down
// with byte examples.
package ftp

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"socketlab/lab"
)

// Limits of the protocol, checked before anything is allocated.
const (
	LenSize        = 4        // the struct.pack('i') length in front of each header
	MaxHeader      = 16 << 10 // the longest request header a server reads
	MaxReplyHeader = 1 << 20  // the longest reply header a client reads (ls lists many names)
	MaxFileSize    = 1 << 40  // the largest filesize or offset a header may announce
	MaxListed      = 1000     // the most entries one ls reply names
	Chunk          = 64 << 10 // bytes per recv() and sendall() of a body
)

// Status codes of replies. They borrow HTTP's numbers so that a student
// can guess them: 1xx go on, 2xx done, 4xx your request was refused, 5xx
// the server failed.
const (
	StatusContinue  = 100 // put with "resume": send the bytes from "offset" on
	StatusOK        = 200
	StatusBad       = 400 // the header is not a request: bad JSON, unknown command, a field missing or of the wrong type
	StatusLogin     = 401 // not logged in, or a wrong user name or password
	StatusForbidden = 403 // the name leaves your folder (../, absolute, NUL, a link out) or is not allowed
	StatusNotFound  = 404
	StatusConflict  = 409 // exists already, is a folder, is not empty, is being transferred
	StatusQuota     = 413 // the file would not fit in your quota
	StatusChecksum  = 422 // the file's md5 or sha256 is not what the header said
	StatusTooMany   = 429 // too many wrong passwords: the server hangs up
	StatusServer    = 500
)

// Errors that decoding errors wrap.
var (
	ErrLength = errors.New("bad header length")
	ErrHeader = errors.New("bad header")
)

// ParseLength decodes the 4-byte length in front of a header as Python's
// struct.unpack('i', b) does: signed, little-endian. A length of 2 GiB or
// more reads as negative; a negative, zero or too large length is refused
// with a sentence that says why.
func ParseLength(b []byte, max int) (int, error) {
	if len(b) != LenSize {
		return 0, fmt.Errorf("%w: %d bytes, want %d", ErrLength, len(b), LenSize)
	}
	n := int32(binary.LittleEndian.Uint32(b))
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w %d (bytes % x): negative; struct 'i' is signed, so 2 GiB or more reads as negative, and headers are small",
			ErrLength, n, b)
	case n == 0:
		return 0, fmt.Errorf("%w 0: an empty header is not a request", ErrLength)
	case int(n) > max:
		return 0, fmt.Errorf("%w %d (bytes % x): a header may be at most %d bytes (is this a length at all? %q as text)",
			ErrLength, n, b, max, b)
	}
	return int(n), nil
}

// AppendLength appends the 4-byte length of a header of n bytes.
func AppendLength(dst []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(int32(n)))
}

// A Request is the JSON header a client sends. Cmd names the command; the
// other fields are those of the command (see Commands).
type Request struct {
	Cmd      string `json:"cmd"`
	User     string `json:"user,omitempty"`     // login
	Password string `json:"password,omitempty"` // login
	Path     string `json:"path,omitempty"`     // ls, cd, mkdir, rm
	FileName string `json:"filename,omitempty"` // put, get
	FileSize int64  `json:"filesize,omitempty"` // put: the whole file's size
	Offset   int64  `json:"offset,omitempty"`   // get: start from this byte (resume)
	Resume   bool   `json:"resume,omitempty"`   // put: wait for the server's offset before sending
	MD5      string `json:"md5,omitempty"`      // put: the whole file's md5, hex (optional)
	SHA256   string `json:"sha256,omitempty"`   // put: the whole file's sha256, hex (optional)

	hasSize bool // put: "filesize" was given
}

// String describes the request for a trace note, with the password hidden.
func (r Request) String() string {
	if r.Password != "" {
		r.Password = "…"
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// A Command is one entry of the fixed command table: the only names a
// server runs. Nothing from the network picks a method by name (the seed's
// hasattr(self, cmd) and getattr(self, cmd) would run any method the
// server object has, such as __init__ or server_close).
type Command struct {
	Name  string
	Login bool     // must be logged in first
	Needs []string // header fields that must be present
	Args  string   // how the lab's client takes it, e.g. "put LOCAL [REMOTE]"
	Help  lab.Text
}

// Commands is the command table, in the order help lists it.
var Commands = []Command{
	{Name: "login", Needs: []string{"user", "password"}, Args: "login [USER]",
		Help: lab.T("log in (the password is asked without echo)", "登录（密码输入时不回显）")},
	{Name: "ls", Login: true, Args: "ls [FOLDER]",
		Help: lab.T("list a folder: names, sizes, folders end with /", "列出文件夹：名字、大小，文件夹以 / 结尾")},
	{Name: "cd", Login: true, Needs: []string{"path"}, Args: "cd FOLDER",
		Help: lab.T("change folder (.. goes up, never above your home)", "切换文件夹（.. 返回上一级，但不能离开你的主目录）")},
	{Name: "pwd", Login: true, Args: "pwd",
		Help: lab.T("print the current folder (/ is your home)", "显示当前文件夹（/ 是你的主目录）")},
	{Name: "mkdir", Login: true, Needs: []string{"path"}, Args: "mkdir FOLDER",
		Help: lab.T("make a folder", "新建文件夹")},
	{Name: "rm", Login: true, Needs: []string{"path"}, Args: "rm NAME",
		Help: lab.T("remove a file or an empty folder", "删除文件或空文件夹")},
	{Name: "put", Login: true, Needs: []string{"filename", "filesize"}, Args: "put LOCAL [REMOTE]",
		Help: lab.T("upload a file (resumes an interrupted upload)", "上传文件（可以从中断处续传）")},
	{Name: "get", Login: true, Needs: []string{"filename"}, Args: "get REMOTE [LOCAL]",
		Help: lab.T("download a file (resumes from LOCAL.part)", "下载文件（从 LOCAL.part 处续传）")},
	{Name: "quota", Login: true, Args: "quota",
		Help: lab.T("how much of your quota is used", "查看配额用了多少")},
	{Name: "quit", Args: "quit",
		Help: lab.T("say goodbye and close the connection", "告别并关闭连接")},
}

// Lookup returns the command of the table with that name.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// names lists the command names for an error.
func names() string { return joinNames(", ") }

// namesZh is the same list as Chinese text writes one: login、ls、cd …
func namesZh() string { return joinNames("、") }

func joinNames(sep string) string {
	var s []string
	for _, c := range Commands {
		s = append(s, c.Name)
	}
	return strings.Join(s, sep)
}

// ParseRequest decodes a request header: one JSON object in UTF-8 whose
// "cmd" is in the command table and whose fields have the right types and
// ranges. Fields a command does not use are ignored, so a student's client
// may add its own. The error says what is wrong, quoting at most the
// start of what came.
func ParseRequest(b []byte) (Request, error) {
	var r Request
	fields, err := object(b)
	if err != nil {
		return r, err
	}
	str := func(name string, dst *string) error {
		raw, ok := fields[name]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return headerErr("%q must be a string, not %s", "%q 必须是字符串，不能是 %s", name, cut(raw))
		}
		return nil
	}
	num := func(name string, dst *int64) (bool, error) {
		raw, ok := fields[name]
		if !ok {
			return false, nil
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n < 0 || n > MaxFileSize {
			return true, headerErr("%q must be a whole number from 0 to %d, not %s", "%q 必须是 0 到 %d 之间的整数，不能是 %s", name, int64(MaxFileSize), cut(raw))
		}
		*dst = n
		return true, nil
	}
	if _, ok := fields["cmd"]; !ok {
		return r, headerRefusal(lab.Text{En: "no \"cmd\" field (commands: " + names() + ")", Zh: "没有 \"cmd\" 字段（命令：" + namesZh() + "）"})
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cmd", &r.Cmd}, {"user", &r.User}, {"password", &r.Password}, {"path", &r.Path},
		{"filename", &r.FileName}, {"md5", &r.MD5}, {"sha256", &r.SHA256}} {
		if err := str(f.name, f.dst); err != nil {
			return r, err
		}
	}
	c, ok := Lookup(r.Cmd)
	if !ok {
		return r, headerRefusal(lab.Text{En: fmt.Sprintf("unknown command %q (commands: %s)", cutS(r.Cmd), names()),
			Zh: fmt.Sprintf("未知命令 %q（命令：%s）", cutS(r.Cmd), namesZh())})
	}
	if r.hasSize, err = num("filesize", &r.FileSize); err != nil {
		return r, err
	}
	if _, err := num("offset", &r.Offset); err != nil {
		return r, err
	}
	if raw, ok := fields["resume"]; ok {
		if err := json.Unmarshal(raw, &r.Resume); err != nil {
			return r, headerErr("\"resume\" must be true or false, not %s", "\"resume\" 必须是 true 或 false，不能是 %s", cut(raw))
		}
	}
	for _, need := range c.Needs {
		if _, ok := fields[need]; !ok {
			return r, headerErr("%s needs a %q field", "%s 需要一个 %q 字段", c.Name, need)
		}
	}
	for _, f := range []struct {
		name, v string
		want    int
	}{{"md5", r.MD5, 32}, {"sha256", r.SHA256, 64}} {
		if f.v != "" && (len(f.v) != f.want || !isHex(f.v)) {
			return r, headerErr("%q must be %d hex digits", "%q 必须是 %d 位十六进制数字", f.name, f.want)
		}
	}
	return r, nil
}

// object checks that b is one JSON object in valid UTF-8 and returns its
// fields.
func object(b []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(b) {
		return nil, headerErr("not valid UTF-8: %s", "不是有效的 UTF-8：%s", cut(b))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, headerErr("not a JSON object: %s", "不是 JSON 对象：%s", cut(b))
	}
	return fields, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// cut quotes the first bytes of what a peer sent, for an error.
func cut(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}

func cutS(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// AppendRequest appends the framed request header: the 4-byte length,
// then the JSON object written as Python's json.dumps writes a dict
// (", " and ": " between items, non-ASCII as \uXXXX), so a put is byte for
// byte the seed's {"cmd": "put", "filesize": …, "filename": …}.
func AppendRequest(dst []byte, r Request) []byte {
	var h []byte
	h = append(h, `{"cmd": `...)
	h = appendPyString(h, r.Cmd)
	item := func(k string) { h = append(append(append(h, `, "`...), k...), `": `...) }
	strs := []struct{ k, v string }{{"user", r.User}, {"password", r.Password}, {"path", r.Path}}
	for _, f := range strs {
		if f.v != "" {
			item(f.k)
			h = appendPyString(h, f.v)
		}
	}
	if r.Cmd == "put" || r.FileSize != 0 {
		item("filesize")
		h = strconv.AppendInt(h, r.FileSize, 10)
	}
	if r.FileName != "" || r.Cmd == "put" || r.Cmd == "get" {
		item("filename")
		h = appendPyString(h, r.FileName)
	}
	if r.Offset != 0 {
		item("offset")
		h = strconv.AppendInt(h, r.Offset, 10)
	}
	if r.Resume {
		item("resume")
		h = append(h, "true"...)
	}
	for _, f := range []struct{ k, v string }{{"md5", r.MD5}, {"sha256", r.SHA256}} {
		if f.v != "" {
			item(f.k)
			h = appendPyString(h, f.v)
		}
	}
	h = append(h, '}')
	return append(AppendLength(dst, len(h)), h...)
}

// appendPyString writes s as json.dumps does with ensure_ascii=True.
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20 || r >= 0x7f:
			if r > 0xffff {
				r -= 0x10000
				dst = fmt.Appendf(dst, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				dst = fmt.Appendf(dst, `\u%04x`, r)
			}
		default:
			dst = append(dst, byte(r))
		}
	}
	return append(dst, '"')
}

// A HeaderError says why a header was refused, in both languages; it
// matches ErrHeader, and its Error is the English.
type HeaderError struct{ lab.Text }

func (e *HeaderError) Error() string   { return ErrHeader.Error() + ": " + e.En }
func (e *HeaderError) Is(t error) bool { return t == ErrHeader }

func headerErr(en, zh string, args ...any) error { return headerRefusal(lab.Tf(en, zh, args...)) }

// headerRefusal is headerErr for a text whose two languages take different
// arguments (the command list, written as each language writes a list).
func headerRefusal(t lab.Text) error { return &HeaderError{t} }
