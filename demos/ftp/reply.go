package ftp

import (
	"encoding/json"
	"fmt"

	"socketlab/lab"
)

// The server's replies: a framed JSON header with a status code and a
// message in English and Chinese, plus the fields of the command.

// An Entry is one name an ls reply lists.
type Entry struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Dir  bool   `json:"dir,omitempty"`
}

// A Reply is the JSON header a server sends back. Status and Msg are
// always there; MsgZh is the message in Chinese (the lab's own server
// sends it; a student's may leave it out). The other fields belong to
// the command answered.
type Reply struct {
	Status   int     `json:"status"`
	Msg      string  `json:"msg"`
	MsgZh    string  `json:"msg_zh,omitempty"`
	User     string  `json:"user,omitempty"`     // login
	Path     string  `json:"path,omitempty"`     // cd, pwd, ls: the folder, "/" is home
	Entries  []Entry `json:"entries,omitempty"`  // ls
	More     int     `json:"more,omitempty"`     // ls: names left out beyond MaxListed
	FileName string  `json:"filename,omitempty"` // put, get
	FileSize *int64  `json:"filesize,omitempty"` // get: the whole file; put: the size stored
	Offset   *int64  `json:"offset,omitempty"`   // put 100: send from here; get: the body starts here
	MD5      string  `json:"md5,omitempty"`      // put, get: the whole file's
	SHA256   string  `json:"sha256,omitempty"`   // put, get: the whole file's
	Used     *int64  `json:"used,omitempty"`     // quota, put: bytes used
	Limit    *int64  `json:"limit,omitempty"`    // quota: bytes allowed, 0 = no limit
}

// Text is the reply's message in the language l.
func (r Reply) Text(l lab.Lang) string {
	if l == lab.Zh && r.MsgZh != "" {
		return r.MsgZh
	}
	return r.Msg
}

// OK says whether the command was done.
func (r Reply) OK() bool { return r.Status >= 200 && r.Status < 300 }

// AppendReply appends the framed reply header.
func AppendReply(dst []byte, r Reply) []byte {
	h, err := json.Marshal(r)
	if err != nil { // a Reply always marshals
		panic(err)
	}
	return append(AppendLength(dst, len(h)), h...)
}

// ParseReply decodes a reply header: a JSON object with a numeric
// "status" and a string "msg".
func ParseReply(b []byte) (Reply, error) {
	var r Reply
	fields, err := object(b)
	if err != nil {
		return r, err
	}
	if _, ok := fields["status"]; !ok {
		return r, headerErr("a reply needs a \"status\"", "回复需要一个 \"status\"")
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	for _, p := range []*int64{r.FileSize, r.Offset, r.Used, r.Limit} {
		if p != nil && (*p < 0 || *p > MaxFileSize) {
			return r, headerErr("a size or offset of %d", "大小或偏移量为 %d", *p)
		}
	}
	return r, nil
}

// num returns a pointer to n, for a Reply's optional numbers.
func num(n int64) *int64 { return &n }
