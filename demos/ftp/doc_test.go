package ftp

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestWireDocExamples: the byte examples in docs/wire-formats.md (and its
// Chinese twin) are what the lab writes, length bytes included.
func TestWireDocExamples(t *testing.T) {
	frames := [][]byte{
		AppendRequest(nil, Request{Cmd: "login", User: "alice", Password: "s3cret"}),
		AppendRequest(nil, Request{Cmd: "put", FileName: "a.txt", FileSize: 5}),
		AppendRequest(nil, Request{Cmd: "put", FileName: "a.txt", FileSize: 10, Resume: true}),
		AppendRequest(nil, Request{Cmd: "get", FileName: "a.txt", Offset: 4}),
		AppendRequest(nil, Request{Cmd: "ls"}),
		AppendReply(nil, Reply{Status: 200, Msg: "welcome, alice", MsgZh: "欢迎，alice", User: "alice", Path: "/"}),
		AppendReply(nil, Reply{Status: 100, Msg: "send from byte 4", MsgZh: "从第 4 字节开始发送", FileName: "a.txt", Offset: num(4)}),
	}
	for _, doc := range []string{"../../docs/wire-formats.md", "../../docs/wire-formats.zh.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, f := range frames {
			length := strings.TrimSpace(strings.Join(strings.Fields(hexSpaced(f[:4])), " "))
			if !strings.Contains(text, string(f[4:])) || !strings.Contains(text, length) {
				t.Errorf("%s lacks %s %s", doc, length, f[4:])
			}
		}
	}
}

func hexSpaced(b []byte) string {
	var s []string
	for _, c := range b {
		s = append(s, hex.EncodeToString([]byte{c}))
	}
	return strings.Join(s, " ")
}
