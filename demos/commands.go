package demos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"socketlab/demos/wire"
	"socketlab/lab"
	"strings"
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
			// Never a shell: the tutorial's subprocess.Popen(cmd, shell=True)
			// becomes a look-up in a fixed table of harmless texts.
			if err := sendOutput(s, conn, f, string(cmd)); err != nil {
				return err
			}
		}
	}
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
			for {
				rest, err := conn.Recv(buf)
				if err != nil {
					return err
				}
				if len(rest) == 0 {
					break
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
			return nil, fmt.Errorf("header % x: %w%s", head, err, unframedHint(head))
		}
		return conn.RecvExactly(n, buf, labelOutput) // while recv_size < datasize: ...
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

// unframedHint explains a nonsense length that is really text.
func unframedHint(head []byte) string {
	if utf8.Valid(head) && !bytes.ContainsFunc(head, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return fmt.Sprintf(" (these bytes are the text %q: is the server sending its output without a header? that is demo 10's bug)", head)
	}
	return ""
}
