package exercise

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"socketlab/demos"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// struct-client, struct-server (demo 5) and json-client, json-server
// (demo 6): the seed's command exchange. The client sends a command name;
// the server answers struct.pack('i', n) + n bytes of output (struct), or
// struct.pack('i', len(h)) + h + output with h = {"datasize": n} (json).
// The output comes from the lab's fixed table (demos.CannedOutput): no
// shell ever runs.

// clientCommands are what a client exercise sends, in order.
var clientCommands = []string{"whoami", "ls -l", "pwd"}

// frame is an answer in a framing.
func frame(framing string, out []byte) []byte {
	if framing == "json" {
		b, _ := wire.AppendJSON(nil, wire.JSONHeader{DataSize: int64(len(out))})
		return append(b, out...)
	}
	b, _ := wire.AppendHeader(nil, wire.Little, len(out))
	return append(b, out...)
}

func framedTask(framing string, role Role) lab.Text {
	ex := "  whoami →  08 00 00 00  6c 65 61 72 6e 65 72 0a        (8, \"learner\\n\")"
	fmtEn := "struct.pack('i', len(out)) + out: a 4-byte length, little-endian (the machine's\norder on x86 and ARM; not '!i'), then the output's bytes"
	fmtZh := "struct.pack('i', len(out)) + out：4 字节长度，小端序（x86 和 ARM 的本机字节序；不是 '!i'），然后是输出的字节"
	if framing == "json" {
		ex = "  whoami →  10 00 00 00  7b 22 64 61 74 61 73 69 7a 65 22 3a 20 38 7d  6c 65 61 72 6e 65 72 0a\n            (16, '{\"datasize\": 8}', \"learner\\n\")"
		fmtEn = "struct.pack('i', len(header)) + header + out, where header is the UTF-8 JSON\n{\"datasize\": len(out)} (more keys allowed)"
		fmtZh = "struct.pack('i', len(header)) + header + out，其中 header 是 UTF-8 的 JSON {\"datasize\": len(out)}（可以有更多的键）"
	}
	outputs := "whoami → \"learner\\n\", pwd → \"/home/learner/socket-lab\\n\", ls -l → 1,511 bytes (more in demos/commands.go)"
	if role == Client {
		return lab.Text{
			En: fmt.Sprintf(`Write the client: connect to LAB_HOST:LAB_PORT ({host} {port}); send "whoami",
"ls -l" and "pwd", each with one sendall() and each after the answer to the
one before has been read. Each answer is
%s.
Write each output's bytes to stdout unchanged (sys.stdout.buffer.write), and
nothing else; then close and exit 0. Your stdout must be exactly the three
outputs one after the other.

%s`, fmtEn, ex),
			Zh: fmt.Sprintf(`写出客户端：连接 LAB_HOST:LAB_PORT（{host} {port}）；依次发送 "whoami"、"ls -l" 和
"pwd"，每条用一次 sendall()，并且读完上一条的回答之后再发下一条。每个回答是
%s。
把每个输出的字节原样写到标准输出（sys.stdout.buffer.write），别的什么也不写；然后关闭并以 0 退出。
你的标准输出必须正好是这三个输出首尾相接。

%s`, fmtZh, ex),
		}
	}
	return lab.Text{
		En: fmt.Sprintf(`Write the server: listen on TCP port LAB_PORT ({port}); for each client loop:
cmd = conn.recv(1024); if not cmd: break; answer
%s,
out being the command's output from the lab's table, never a shell:
%s;
any other command gets a "command not found" text (not empty). One client after
another; a client that leaves or resets ends only its connection.

%s`, fmtEn, outputs, ex),
		Zh: fmt.Sprintf(`写出服务端：在 TCP 端口 LAB_PORT（{port}）上监听；对每个客户端循环：cmd = conn.recv(1024)；
if not cmd: break；回答 %s，
out 是实验台命令表里这个命令的输出，绝不经过 shell：
%s；
其他命令得到一段 "command not found" 文字（不能为空）。一个客户端接一个客户端地服务；
离开或重置的客户端只结束它自己的连接。

%s`, fmtZh, outputs, ex),
	}
}

// --- the server exercises: the lab asks, the program answers ------------

func framedServer(framing string) Exercise {
	slug, demo, title := "struct-server", 5, lab.T("a command server with a 4-byte length header", "带 4 字节长度报头的命令服务端")
	if framing == "json" {
		slug, demo, title = "json-server", 6, lab.T("a command server with a JSON header", "带 JSON 报头的命令服务端")
	}
	hint := framedServerHint(framing)
	ask := func(cmds ...string) func(*T) error {
		return func(t *T) error {
			c, err := t.Dial()
			if err != nil {
				return err
			}
			defer c.Close()
			for _, cmd := range cmds {
				if err := askFramed(c, framing, cmd); err != nil {
					return err
				}
			}
			return c.Close()
		}
	}
	return Exercise{
		Slug: slug, Role: Server, Demo: demo, Proto: "tcp", Title: title, Task: framedTask(framing, Server),
		Cases: []Case{
			{ID: "plain", Name: lab.Tf("lab client %d's commands: whoami, ls -l, pwd", "lab client %d 的命令：whoami、ls -l、pwd", demo),
				Hint: hint, Client: ask("whoami", "ls -l", "pwd")},
			{ID: "utf8", Name: lab.T(`"echo 你好": 3 characters of output, 7 bytes`, `"echo 你好"：输出是 3 个字符、7 个字节`),
				Hint:   lab.T("the length counts bytes, not characters: len(out) of the encoded bytes (\"你好\\n\" is 7 bytes)", "长度数的是字节，不是字符：对编码后的字节取 len(out)（\"你好\\n\" 是 7 个字节）"),
				Client: ask("echo 你好", "pwd")},
			{ID: "unknown", Name: lab.T(`an unknown command "rm -rf /", then pwd`, `一个未知命令 "rm -rf /"，然后 pwd`),
				Hint:   lab.T("answer an unknown command with the \"command not found\" text, framed like any output; never run it", "对未知命令回答 \"command not found\" 文字，像其他输出一样加报头；绝不执行它"),
				Client: ask("rm -rf /", "pwd")},
			{ID: "next-client", Name: lab.T("three clients one after another", "三个客户端先后连接"),
				Hint: lab.T("put accept() in a loop: after one client leaves, accept() the next", "把 accept() 放进循环：一个客户端走了，再 accept() 下一个"),
				Client: func(t *T) error {
					for range 3 {
						if err := ask("pwd")(t); err != nil {
							return err
						}
					}
					return nil
				}},
			{ID: "leaves", Name: lab.T(`a client sends "ls -l" and leaves without reading, then another comes`, `一个客户端发出 "ls -l" 不读回答就走了，然后来了另一个`),
				Hint: lab.T("when recv() returns b'' break out of the loop (if not data: break); a send to a client that left raises BrokenPipeError or ConnectionResetError: catch it and accept() the next",
					"recv() 返回 b'' 时跳出循环（if not data: break）；向已经离开的客户端发送会抛出 BrokenPipeError 或 ConnectionResetError：捕获它，再 accept() 下一个"),
				Client: func(t *T) error {
					c, err := t.Dial()
					if err != nil {
						return err
					}
					c.SendAll([]byte("ls -l"))
					c.Close()
					return afterOther(ask("whoami")(t))
				}},
			{ID: "reset", Name: lab.T(`a client sends "ls -l" and resets (RST), then another comes`, `一个客户端发出 "ls -l" 后重置连接（RST），然后来了另一个`),
				Hint: lab.T("catch ConnectionResetError around the communication loop: a reset ends that client, not the server", "在通信循环外捕获 ConnectionResetError：重置只结束这个客户端，不结束服务端"),
				Client: func(t *T) error {
					c, err := t.Dial()
					if err != nil {
						return err
					}
					if err := askFramed(c, framing, "whoami"); err != nil {
						c.Close()
						return err
					}
					c.SendAll([]byte("ls -l"))
					c.SetLinger(0)
					c.Close()
					return afterOther(ask("whoami")(t))
				}},
		},
	}
}

func framedServerHint(framing string) lab.Text {
	if framing == "json" {
		return lab.T("send struct.pack('i', len(header_bytes)) + header_bytes + out, header_bytes = json.dumps({'datasize': len(out)}).encode(): the 4-byte length is len(header_bytes), the JSON header's own",
			"发送 struct.pack('i', len(header_bytes)) + header_bytes + out，header_bytes = json.dumps({'datasize': len(out)}).encode()：4 字节长度是 len(header_bytes)，即 JSON 报头自己的长度")
	}
	return lab.T("send struct.pack('i', len(out)) + out with sendall(): the machine's order, not '!i' (network order)",
		"用 sendall() 发送 struct.pack('i', len(out)) + out：本机字节序，不是 '!i'（网络字节序）")
}

// afterOther marks a failure as the next client's.
func afterOther(err error) error {
	if m, ok := err.(*Mismatch); ok {
		m.What = join(lab.T("the next client: ", "下一个客户端："), m.What)
	}
	return err
}

// askFramed sends one command and reads its framed answer, saying what is
// wrong with it as precisely as the bytes allow.
func askFramed(c *lab.Conn, framing, cmd string) error {
	if err := c.SendAll([]byte(cmd)); err != nil {
		return err
	}
	out := demos.CannedOutput(cmd)
	want := frame(framing, out)
	bad := func(what, hint lab.Text, got []byte) error {
		return &Mismatch{What: join(lab.Tf("%q: ", "%q：", cmd), what), Sent: []byte(cmd), Want: want, Got: got, Hint: hint}
	}
	head, err := readN(c, 4)
	if err != nil {
		return bad(lab.Tf("the answer ended after %d bytes (%v)", "回答在 %d 个字节之后就结束了（%v）", len(head), err), lab.Text{}, head)
	}
	n := int(int32(binary.LittleEndian.Uint32(head)))
	limit := 1 << 20
	if n < 0 || n > limit {
		return bad(lab.Tf("the 4-byte length reads as %d", "4 字节长度读出来是 %d", n), headerHint(head, framing), head)
	}
	got := append([]byte(nil), head...)
	if framing == "json" {
		h, err := readN(c, n)
		got = append(got, h...)
		if err != nil {
			return bad(lab.Tf("the JSON header ended after %d of %d bytes", "JSON 报头在 %d / %d 个字节之后就结束了", len(h), n), lab.Text{}, got)
		}
		var hdr struct {
			DataSize *int64 `json:"datasize"`
		}
		if json.Unmarshal(h, &hdr) != nil || hdr.DataSize == nil {
			return bad(lab.Tf("the %d bytes after the length are not a JSON header with \"datasize\"", "长度后面的 %d 个字节不是带 \"datasize\" 的 JSON 报头", n),
				lab.T("the 4-byte length must be len(header_bytes), the JSON header's own length, not the output's: struct.pack('i', len(header_bytes))",
					"4 字节长度必须是 len(header_bytes)，即 JSON 报头自己的长度，不是输出的长度：struct.pack('i', len(header_bytes))"), got)
		}
		n = int(*hdr.DataSize)
		if n < 0 || n > limit {
			return bad(lab.Tf("\"datasize\" is %d", "\"datasize\" 是 %d", n), lab.Text{}, got)
		}
	}
	known := slices.Contains(demos.CannedCommands(), strings.TrimSpace(cmd))
	if !known { // any "not found" text will do, framed, and never empty
		body, err := readN(c, n)
		got = append(got, body...)
		switch {
		case err != nil:
			return bad(lab.Tf("the output ended after %d of %d bytes", "输出在 %d / %d 个字节之后就结束了", len(body), n), lab.Text{}, got)
		case n == 0:
			return bad(lab.T("the answer to an unknown command is empty", "对未知命令的回答是空的"), lab.Text{}, got)
		}
		return nil
	}
	if n != len(out) && n == utf8.RuneCount(out) {
		body, _ := readN(c, n)
		return bad(lab.Tf("the length says %d: the output has %d characters but %d bytes", "长度写的是 %d：输出有 %d 个字符，却是 %d 个字节", n, n, len(out)),
			lab.T("count bytes, not characters: the length of out.encode('utf-8'), not of the text", "数字节，不是数字符：取 out.encode('utf-8') 的长度，而不是文本的长度"),
			append(got, body...))
	}
	body, err := readN(c, n)
	got = append(got, body...)
	if err != nil {
		return bad(lab.Tf("the output ended after %d of %d bytes", "输出在 %d / %d 个字节之后就结束了", len(body), n), lab.Text{}, got)
	}
	if !bytes.Equal(body, out) { // a JSON header may be written in other ways: the output is what counts
		return &Mismatch{What: join(lab.Tf("%q: ", "%q：", cmd), lab.T("the output is not the table's", "输出不是命令表里的")), Sent: []byte(cmd), Want: want, Got: got}
	}
	return nil
}

// headerHint names the likely bug behind a length that makes no sense.
func headerHint(head []byte, framing string) lab.Text {
	be := int(int32(binary.BigEndian.Uint32(head)))
	switch {
	case head[0] == '{':
		return lab.T("the JSON header came first, with no length before it: send struct.pack('i', len(header_bytes)) + header_bytes",
			"JSON 报头直接就来了，前面没有长度：发送 struct.pack('i', len(header_bytes)) + header_bytes")
	case be >= 0 && be <= 1<<20:
		return lab.Tf("the length was packed in network order ('!i', big-endian): %d; the protocol is struct.pack('i', n), the machine's order (little-endian)",
			"长度是按网络字节序打包的（'!i'，大端序）：%d；协议是 struct.pack('i', n)，本机字节序（小端序）", be)
	case isText(head):
		return lab.Tf("the answer starts with text %q, not a length: send struct.pack('i', len(out)) before the output", "回答以文字 %q 开头，而不是长度：在输出之前发送 struct.pack('i', len(out))", head)
	}
	return framedServerHint(framing)
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}

// --- the client exercises: the program asks, the lab answers -------------

func framedClient(framing string) Exercise {
	slug, demo, title := "struct-client", 5, lab.T("a client that reads answers with a 4-byte length header", "读取带 4 字节长度报头回答的客户端")
	if framing == "json" {
		slug, demo, title = "json-client", 6, lab.T("a client that reads answers with a JSON header", "读取带 JSON 报头回答的客户端")
	}
	var want []byte
	for _, c := range clientCommands {
		want = append(want, demos.CannedOutput(c)...)
	}
	big := bytes.Repeat(demos.CannedOutput("ls -l"), 1000)
	var wantBig []byte
	for _, c := range clientCommands {
		if c == "ls -l" {
			wantBig = append(wantBig, big...)
		} else {
			wantBig = append(wantBig, demos.CannedOutput(c)...)
		}
	}
	plainHint := lab.T("read the 4-byte header with struct.unpack('i', …), the machine's order (not '!i', network order), then loop until all n bytes have arrived",
		"用 struct.unpack('i', …) 读 4 字节报头，本机字节序（不是 '!i' 网络字节序），然后循环接收，直到 n 个字节全部到齐")
	if framing == "json" {
		plainHint = lab.T("read 4 bytes, struct.unpack('i', …) (the machine's order, not '!i', network order) gives the JSON header's length; read that many bytes, json.loads them, then loop until all n bytes (datasize) have arrived",
			"先读 4 字节，struct.unpack('i', …)（本机字节序，不是 '!i' 网络字节序）得到 JSON 报头的长度；读这么多字节并 json.loads，然后循环接收，直到 n 个字节（datasize）全部到齐")
	}
	return Exercise{
		Slug: slug, Role: Client, Demo: demo, Proto: "tcp", Title: title, Task: framedTask(framing, Client),
		Cases: []Case{
			{ID: "plain", Name: lab.Tf("lab serve %d answers whoami, ls -l, pwd", "lab serve %d 回答 whoami、ls -l、pwd", demo),
				Hint: plainHint, Peer: demo, Want: string(want)},
			{ID: "sliced", Name: lab.T("every answer's length in 1-byte sends, then 5 bytes, then 200 at a time, each read before the next", "每个回答的长度拆成 1 字节一次发送，然后 5 个字节，再 200 字节一次，每片读走后再发下一片"),
				Hint: slicedHint(framing), Serve: framedServe(framing, nil, 1, 1, 1, 1, 5, 200), Want: string(want)},
			{ID: "big", Name: lab.T("ls -l answered with 1.5 MB", "ls -l 的回答有 1.5 MB"),
				Hint: lab.T("one recv(n) returns what has arrived, not n bytes: keep calling recv() until all n bytes are there",
					"一次 recv(n) 只返回已经到达的字节，不是 n 个：一直调用 recv()，直到 n 个字节全部到齐"),
				Serve: framedServe(framing, big), Want: string(wantBig)},
			{ID: "slow", Name: lab.T("every answer in 100-byte pieces, each read before the next", "每个回答拆成 100 字节一片，每片读走后再发下一片"),
				Hint:  lab.T("an answer comes over several recv() calls: keep reading until all n bytes are there", "一个回答要经过好几次 recv() 才到齐：一直读到 n 个字节全部到齐"),
				Serve: framedServe(framing, nil, 100), Want: string(want)},
		},
	}
}

func slicedHint(framing string) lab.Text {
	if framing == "json" {
		return lab.T("the answer came in pieces: one recv(4) got fewer than 4 bytes, one recv(headsize) part of the JSON header; loop until you have all 4, all headsize bytes, and then all n bytes",
			"回答是分几片到达的：一次 recv(4) 拿到的不足 4 个字节，一次 recv(headsize) 只拿到 JSON 报头的一部分；循环接收，直到 4 个字节、headsize 个字节、然后 n 个字节全部到齐")
	}
	return lab.T("the header came in pieces and one recv(4) got fewer than 4 bytes: loop until you have all 4, and then until all n bytes of the output are there",
		"报头是分几片到达的，一次 recv(4) 拿到的不足 4 个字节：循环接收，直到 4 个字节齐了；输出也一样，直到 n 个字节全部到齐")
}

// framedServe answers the client's three commands, with big as the output
// of ls -l if set, each answer sent in pieces of the sizes given (none: at
// once; the last size repeats).
func framedServe(framing string, big []byte, slice ...int) func(*T, *lab.Conn) error {
	return func(t *T, c *lab.Conn) error {
		for _, want := range clientCommands {
			cmd, err := readCommand(c, want)
			if err != nil {
				return err
			}
			out := demos.CannedOutput(cmd)
			if cmd == "ls -l" && big != nil {
				out = big
			}
			b := frame(framing, out)
			if len(slice) > 0 {
				err = sendSliced(c, b, slice...)
			} else {
				err = c.SendAll(b)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// readCommand reads one command (it may come in pieces) and checks it is
// the one expected.
func readCommand(c *lab.Conn, want string) (string, error) {
	var got []byte
	for len(got) < len(want) {
		b, err := c.Recv(1024)
		if err != nil {
			return string(got), err
		}
		if len(b) == 0 {
			break
		}
		got = append(got, b...)
	}
	if string(got) != want {
		return string(got), fmt.Errorf("the client sent %q where %q was expected", got, want)
	}
	return want, nil
}

func structClient() Exercise { return framedClient("struct") }
func structServer() Exercise { return framedServer("struct") }
func jsonClient() Exercise   { return framedClient("json") }
func jsonServer() Exercise   { return framedServer("json") }
