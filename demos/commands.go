package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"socketlab/demos/wire"
	"socketlab/lab"
	"strings"
	"time"
	"unicode/utf8"
)

// The lab's command table: the tutorial's ssh-like server ran whatever the
// client typed through a shell (subprocess.Popen(cmd, shell=True)). The lab
// never does: a command name only selects one of these fixed, harmless
// texts, so the demos and `lab serve 5/6/10` show realistic replies of
// different sizes without running anything.

// lsOutput is a made-up directory listing of 1,511 bytes: larger than the
// client's recv(1024), so one read cannot take it all.
const lsOutput = `total 88
-rw-r--r--  1 learner  staff    1204 Mar  3 10:00 Makefile
-rw-r--r--  1 learner  staff    5873 Mar  4 10:03 README.md
-rw-r--r--  1 learner  staff     102 Mar  5 10:06 go.mod
-rw-r--r--  1 learner  staff    1431 Mar  6 10:09 go.sum
-rw-r--r--  1 learner  staff    4096 Mar  7 10:12 main.go
-rw-r--r--  1 learner  staff    2210 Mar  8 10:15 main_test.go
-rw-r--r--  1 learner  staff    1822 Mar  9 10:18 client.py
-rw-r--r--  1 learner  staff    2654 Mar 10 10:21 server.py
-rw-r--r--  1 learner  staff    9321 Mar 11 10:24 socket_notes.txt
-rw-r--r--  1 learner  staff    1377 Mar  3 10:27 struct_header.py
-rw-r--r--  1 learner  staff    1803 Mar  4 10:30 json_header.py
-rw-r--r--  1 learner  staff    1134 Mar  5 10:33 pickle_demo.py
-rw-r--r--  1 learner  staff    2966 Mar  6 10:36 remote_cmd.py
-rw-r--r--  1 learner  staff    7640 Mar  7 10:39 sticky_packets.md
-rw-r--r--  1 learner  staff    3312 Mar  8 10:42 upload.py
-rw-r--r--  1 learner  staff    2875 Mar  9 10:45 download.py
-rw-r--r--  1 learner  staff    1598 Mar 10 10:48 chat_bot.py
-rw-r--r--  1 learner  staff     907 Mar 11 10:51 udp_echo.py
-rw-r--r--  1 learner  staff      36 Mar  3 10:54 requirements.txt
-rw-r--r--  1 learner  staff     412 Mar  4 10:57 setup.cfg
-rw-r--r--  1 learner  staff    2281 Mar  5 10:00 chat_server.py
-rw-r--r--  1 learner  staff    4409 Mar  6 10:03 file_server.py
-rw-r--r--  1 learner  staff    1975 Mar  7 10:06 ssh_like.py
-rw-r--r--  1 learner  staff    1660 Mar  8 10:09 thread_server.py
`

var cannedOutputs = map[string]string{
	"ls -l":    lsOutput,
	"dir":      lsOutput,
	"whoami":   "learner\n",
	"pwd":      "/home/learner/socket-lab\n",
	"hostname": "socket-lab\n",
	"date":     "Mon Mar  3 10:00:00 CST 2025\n",
	"uname -a": "Linux socket-lab 6.1.0 #1 SMP x86_64 GNU/Linux\n",
	"echo 你好":  "你好\n",
}

// maxEchoedCommand is how much of an unknown command the "not found" text
// repeats.
const maxEchoedCommand = 64

// CannedOutput returns the lab's fixed output for a command, the way a shell
// would print it. Nothing is ever run. An unknown command gets a
// "command not found" text as its output, repeating at most 64 bytes of
// the command (surrounding spaces and a final newline are ignored, as a
// shell would).
func CannedOutput(cmd string) []byte {
	cmd = strings.TrimSpace(cmd)
	if out, ok := cannedOutputs[cmd]; ok {
		return []byte(out)
	}
	if len(cmd) > maxEchoedCommand {
		cut := maxEchoedCommand
		for cut > 0 && !utf8.RuneStart(cmd[cut]) {
			cut-- // do not cut a character in two
		}
		cmd = cmd[:cut] + "…"
	}
	return []byte("lab: " + cmd + ": command not found (the lab runs nothing; known: " +
		strings.Join(CannedCommands(), ", ") + ")\n")
}

// CannedCommands lists the commands CannedOutput knows, sorted.
func CannedCommands() []string {
	var out []string
	for c := range cannedOutputs {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// The peer sides (lab serve, lab client).

// commandServer answers every recv(1024) with the canned output of that
// command, framed by framing ("struct", "json", or "" for the framing knob
// of demo 10, where "none" is the bug: raw output).
func commandServer(framing string) func(s *lab.Side, conn *lab.Conn) error {
	return func(s *lab.Side, conn *lab.Conn) error {
		f := framing
		if f == "" {
			f = s.Params.String("framing")
		}
		for {
			cmd, err := conn.Recv(1024) // cmd = conn.recv(1024)
			if err != nil {
				return err
			}
			if len(cmd) == 0 { // if not cmd: break
				return conn.Close()
			}
			if v := framedCommand(cmd, framing); v != nil {
				s.Verdict(v)
			}
			// Never a shell: the tutorial's subprocess.Popen(cmd, shell=True)
			// becomes a look-up in a fixed table of harmless texts.
			if err := sendOutput(s, conn, f, string(cmd)); err != nil {
				return err
			}
		}
	}
}

// commandDemo is the demo whose command server speaks framing.
func commandDemo(framing string) int {
	switch framing {
	case "struct":
		return 5
	case "json":
		return 6
	}
	return 10
}

// framedCommand recognises a framed message where a command name is
// expected: a 4-byte length ('i' or '!i', not text), then at least that
// many bytes, which is what `lab run 5`'s client sends and lesson 5's
// framing teaches, but not the seed's client. The verdict says so.
func framedCommand(cmd []byte, framing string) *lab.Verdict {
	notText := func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == utf8.RuneError }
	if len(cmd) < wire.HeaderSize || !bytes.ContainsFunc(cmd[:wire.HeaderSize], notText) {
		return nil
	}
	n := -1
	for _, order := range []wire.Order{wire.Little, wire.Big} {
		if m, err := wire.ParseHeader(cmd[:wire.HeaderSize], order, peerMax); err == nil && m > 0 && m <= len(cmd)-wire.HeaderSize {
			n = m
		}
	}
	if n < 0 && len(cmd) > wire.HeaderSize {
		return nil
	}
	d := commandDemo(framing)
	return &lab.Verdict{ID: "framed-command",
		What: lab.Tf("the client sent a 4-byte header (% x) and then %q: a framed message, where demo %d's server expects a command name",
			"客户端先发了 4 字节的报头（% x），然后是 %q：这是一条分帧的消息，而演示 %d 的服务端等的是一个命令名", cmd[:wire.HeaderSize], clip(cmd[wire.HeaderSize:]), d),
		Hint: lab.Tf("lab serve %d speaks the seed's protocol: send the command as plain text (client.send(b'whoami')) and read the framed answer back (struct.unpack('i', client.recv(4)), then that many bytes); the header goes on the answer, not on the command",
			"lab serve %d 讲的是原始教程的协议：命令以纯文本发送（client.send(b'whoami')），再读回分帧的回答（struct.unpack('i', client.recv(4))，然后读那么多字节）；报头加在回答上，而不是命令上", d)}
}

// sendOutput sends one command's answer in a framing.
func sendOutput(s *lab.Side, conn *lab.Conn, framing, cmd string) error {
	switch framing {
	case "struct":
		out := CannedOutput(cmd)
		order := wire.Little
		if _, ok := s.Params.Knob("order"); ok {
			order = structOrder(s.Params)
		}
		head, err := wire.AppendHeader(nil, order, len(out)) // struct.pack('i', len(back_msg))
		if err != nil {
			return err
		}
		return conn.SendParts(append(head, out...),
			lab.Mark{From: 0, To: len(head), Label: labelHeader},
			lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
	case "json":
		h, out := wire.JSONHeader{}, CannedOutput(cmd)
		if _, ok := s.Params.Knob("meta"); ok {
			h, out = jsonReply(cmd, s.Params) // demo 6: a header with more fields
		}
		h.DataSize = int64(len(out))
		head, err := wire.AppendJSON(nil, h) // struct.pack('i', len(head_bytes)) + head_bytes
		if err != nil {
			return err
		}
		n := wire.HeaderSize
		return conn.SendParts(append(head, out...),
			lab.Mark{From: 0, To: n, Label: labelLength},
			lab.Mark{From: n, To: len(head), Label: labelJSON},
			lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
	}
	return conn.SendAll(CannedOutput(cmd)) // conn.send(back_msg): no framing
}

// commandClient sends peerCommands one by one and reads each answer in a
// framing, checking that every frame is well formed.
func commandClient(framing string) func(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	return func(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
		f := framing
		if f == "" {
			f = s.Params.String("framing")
		}
		buf := 1024
		if _, ok := s.Params.Knob("buf"); ok {
			buf = s.Params.Int("buf")
		}
		conn, err := dialPeer(s, opt)
		if err != nil {
			return err
		}
		for _, cmd := range peerCommands {
			if err := conn.SendAll([]byte(cmd)); err != nil { // client.send(cmd.encode('utf-8'))
				return err
			}
			out, err := readOutput(s, conn, f, buf)
			if err != nil && cmd == peerCommands[0] && f != "none" && len(out) == 0 && (errors.Is(err, io.ErrUnexpectedEOF) || lab.Classify(err) == lab.ClassReset) {
				return &lab.Verdict{ID: "expects-framed",
					What: lab.Tf("the server closed without answering %q", "服务端没有回答 %q 就关闭了连接", cmd),
					Hint: lab.Tf("does it read a 4-byte length first, then the command? Demo %d's client sends the command as plain text, as the seed does; the header goes on the answer, not on the command",
						"它是不是先读 4 字节的长度，再读命令？演示 %d 的客户端像原始教程那样以纯文本发送命令；报头加在回答上，而不是命令上", commandDemo(framing))}
			}
			if err != nil {
				return fmt.Errorf("the answer to %q: %w", cmd, err)
			}
			s.Note(lab.Tf("%q: %d bytes of output, read whole", "%q：%d 字节的输出，完整读到", cmd, len(out)))
		}
		if f == "none" {
			s.Note(lab.T("framing=none: each recv took whatever had arrived, so a long output spills into the next answer (run demo 10 to see it happen)",
				"framing=none：每次 recv 取走已经到达的字节，长输出会溢出到下一个回答里（运行演示 10 看它发生）"))
			// Without frames the client cannot know it has read everything:
			// half-close and read to EOF, so closing with unread bytes does not
			// reset the connection (demo 9) and the server sees an orderly end.
			if err := conn.CloseWrite(); err != nil {
				return err
			}
			// A server that never closes (an endless stream) is cut off at
			// peerMax bytes, with an error that says so.
			for drained := 0; ; {
				rest, err := conn.Recv(buf)
				if err != nil {
					return err
				}
				if len(rest) == 0 {
					break
				}
				if drained += len(rest); drained > peerMax {
					return fmt.Errorf("the server sent more than %d MiB after the last answer and has not closed: stopped reading (is it sending an endless stream?)", peerMax>>20)
				}
			}
		}
		return conn.Close()
	}
}

// readOutput reads one framed answer.
func readOutput(s *lab.Side, conn *lab.Conn, framing string, buf int) ([]byte, error) {
	switch framing {
	case "struct":
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelHeader) // head = client.recv(4)
		if err != nil {
			return nil, err
		}
		order := wire.Little
		if _, ok := s.Params.Knob("order"); ok {
			order = structOrder(s.Params)
		}
		n, err := wire.ParseHeader(head, order, peerMax) // datasize = struct.unpack('i', head)[0]
		if err != nil {
			if v := orderVerdict(head, order); v != nil {
				return nil, v
			}
			return nil, fmt.Errorf("header % x: %w%s", head, err, unframedHint(head))
		}
		start := time.Now()
		out, err := conn.RecvExactly(n, buf, labelOutput) // while recv_size < datasize: ...
		if gap := time.Since(start); err == nil && gap >= nagleGap && n <= 64<<10 {
			s.KeyNote("late-body", lab.Tf("the %d-byte output came %v after its header, in a recv of its own: the server likely sends the header and the output with two send() calls, and Nagle's algorithm holds the second until the client's delayed ACK of the first (about 40 ms; demo 4). Send them with one sendall(header + output)",
				"%d 字节的输出在报头之后 %v 才到，单独一次 recv：服务端很可能用两次 send() 分别发报头和输出，Nagle 算法把第二次压住，直到客户端延迟发出的对第一次的 ACK（大约 40 毫秒；演示 4）。用一次 sendall(header + output) 发出", n, gap.Round(time.Millisecond)))
		}
		return out, err
	case "json":
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head = client.recv(4)
		if err != nil {
			return nil, err
		}
		n, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader)
		if err != nil {
			return nil, fmt.Errorf("header length % x: %w%s", head, err, unframedHint(head))
		}
		obj, err := conn.RecvExactly(n, 0, labelJSON) // head_bytes = client.recv(headsize)
		if err != nil {
			return nil, err
		}
		h, err := wire.ParseJSON(obj, peerMax) // head = json.loads(head_bytes)
		if err != nil {
			return nil, err
		}
		body, err := conn.RecvExactly(int(h.DataSize), buf, labelOutput)
		if err != nil {
			return nil, err
		}
		if h.SHA256 != "" {
			sum := sha256.Sum256(body)
			if got := hex.EncodeToString(sum[:]); got != h.SHA256 {
				return nil, fmt.Errorf("the body's SHA-256 is %s, the header says %s", got, h.SHA256)
			}
		}
		return body, nil
	}
	return conn.Recv(buf) // res = client.recv(1024)
}

// nagleGap is how late a small body may come after its header before
// lab client names Nagle × delayed ACK: on loopback it follows at once,
// unless the two waited for an ACK (Linux delays one by about 40 ms).
const nagleGap = 30 * time.Millisecond

// orderVerdict explains a length that is too big in the client's byte
// order but plausible in the other one: the two ends disagree on 'i' and
// '!i'.
func orderVerdict(head []byte, order wire.Order) *lab.Verdict {
	other := wire.Big
	if order == wire.Big {
		other = wire.Little
	}
	n, err := wire.ParseHeader(head, other, peerMax)
	if err != nil || n == 0 {
		return nil
	}
	got := int64(binary.LittleEndian.Uint32(head))
	fix := lab.T("--set order=network (or pack with 'i' on the server, as the seed does)", "--set order=network（或者像原始教程那样在服务端用 'i' 打包）")
	mine, theirs := lab.T("'i' order (little-endian)", "'i' 的字节序（小端）"), lab.T("network order ('!i', big-endian)", "网络字节序（'!i'，大端）")
	if order == wire.Big {
		got = int64(binary.BigEndian.Uint32(head))
		fix = lab.T("--set order=native (or pack with '!i' on the server)", "--set order=native（或者在服务端用 '!i' 打包）")
		mine, theirs = theirs, mine
	}
	return &lab.Verdict{ID: "byte-order",
		What: lab.Text{
			En: fmt.Sprintf("the header % x reads as %d in %s, too big for an answer, but as %d in %s", head, got, mine.En, n, theirs.En),
			Zh: fmt.Sprintf("报头 % x 按%s读是 %d，作为回答太大了，按%s读却是 %d", head, mine.Zh, got, theirs.Zh, n),
		},
		Hint: lab.Text{En: "the server packs the length in the other byte order than this client reads it: " + fix.En,
			Zh: "服务端打包长度用的字节序和这个客户端读它用的不一样：" + fix.Zh}}
}

// unframedHint explains a nonsense length that is really text.
func unframedHint(head []byte) string {
	if utf8.Valid(head) && !bytes.ContainsFunc(head, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return fmt.Sprintf(" (these bytes are the text %q: is the server sending its output without a header? that is demo 10's bug)", head)
	}
	return ""
}
