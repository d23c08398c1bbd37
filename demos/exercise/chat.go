package exercise

import (
	"bytes"
	"io"
	"time"

	"socketlab/demos"
	"socketlab/lab"
)

// chat-server (demo 14): a welcome line, then every message answered with
// ",你好" added; q ends the conversation. A line end ends a message (and is
// put back after ",你好"); so does a moment of quiet after bytes with none.

func chatServer() Exercise {
	return Exercise{
		Slug: "chat-server", Role: Server, Demo: 14, Proto: "tcp",
		Title: lab.T("the tutorial's chat bot", "教程里的聊天机器人"),
		Task: lab.T(`Write the server of lesson 14: listen on TCP port LAB_PORT ({port}); on accept,
send a welcome line (any text ending in "\n"); then answer each message with
the message + ",你好". A message ends with a line end ("\n" or "\r\n", as nc
sends it: take it off before the echo and the q test, put it back after
",你好"), or, with no line end, when nothing more comes for a moment (0.1 to
0.5 s). "q" ends the conversation: close the connection. TCP keeps no message
boundaries: one recv() is not one message.

  lab sends   68 65 6c 6c 6f 0a                              "hello\n"
  you answer  68 65 6c 6c 6f 2c e4 bd a0 e5 a5 bd 0a         "hello,你好\n"
  lab sends   71 0a                                          "q\n" → you close`,
			`写出第 14 课的服务端：在 TCP 端口 LAB_PORT（{port}）上监听；accept 之后先发一行欢迎语（任意文字，
以 "\n" 结尾）；然后对每条消息回答"消息 + ",你好""。一条消息以行尾结束（"\n" 或 "\r\n"，nc 就这样发送：
回显和判断 q 之前先去掉，回答时放在 ",你好" 之后），没有行尾时，以片刻（0.1 到 0.5 秒）没有新字节到来为结束。
"q" 结束对话：关闭连接。TCP 不保留消息边界：一次 recv() 不是一条消息。

  实验台发送  68 65 6c 6c 6f 0a                              "hello\n"
  你的回答    68 65 6c 6c 6f 2c e4 bd a0 e5 a5 bd 0a         "hello,你好\n"
  实验台发送  71 0a                                          "q\n" → 你关闭连接`),
		Cases: []Case{
			{ID: "plain", Name: lab.T("lab client 14: hello, 你好世界, q", "lab client 14：hello、你好世界、q"),
				Hint: lab.T("send the welcome line first, answer each message with message + \",你好\", and close on \"q\"",
					"先发欢迎语，对每条消息回答 消息 + \",你好\"，收到 \"q\" 就关闭"),
				Client: func(t *T) error { return t.Peer(14, "msgs=hello,你好世界,q") }},
			{ID: "lines", Name: lab.T(`"hello\n", "crlf\r\n", then "q\n", as nc sends them`, `"hello\n"、"crlf\r\n"，然后 "q\n"，就像 nc 发送的那样`),
				Hint:   lab.T("take the line end off before the echo and the q test, and put it back after \",你好\"", "回显和判断 q 之前先去掉行尾，回答时把它放在 \",你好\" 之后"),
				Client: chatTalk(nil, "hello\n", "crlf\r\n")},
			{ID: "sliced", Name: lab.T(`"sliced 你好\n" in two sends cut inside "好", the first read before the second`, `"sliced 你好\n" 分两次发送，从 "好" 的中间切开，第一片读走后再发第二片`),
				Hint: lab.T("one recv() is not one message: collect bytes until the line end, and decode only a whole line (a 3-byte character may be cut between two recv()s)",
					"一次 recv() 不是一条消息：把字节攒到行尾为止，只对完整的一行 decode（3 个字节的汉字可能被切在两次 recv() 之间）"),
				Client: chatSliced},
			{ID: "merged", Name: lab.T(`"a\nb\n" in one send`, `"a\nb\n" 在一次 send 里`),
				Hint:   lab.T("one recv() is not one message: two lines can arrive together; answer each line", "一次 recv() 不是一条消息：两行可能一起到达；要对每一行作答"),
				Client: func(t *T) error { return chatMerged(t) }},
			{ID: "leaves", Name: lab.T("a client leaves after the welcome, without q; then lab client 14", "一个客户端收到欢迎语后没发 q 就走了；然后 lab client 14"),
				Hint: lab.T("when recv() returns b'' the client has gone: if not data: break, and close", "recv() 返回 b'' 表示客户端走了：if not data: break，然后关闭"),
				Client: func(t *T) error {
					c, err := t.Dial()
					if err != nil {
						return err
					}
					if _, err := chatWelcome(c); err != nil {
						c.Close()
						return err
					}
					c.Close()
					return afterOther(t.Peer(14, "msgs=again,q"))
				}},
			{ID: "reset", Name: lab.T("a client resets its connection (RST); then lab client 14", "一个客户端重置连接（RST）；然后 lab client 14"),
				Hint: lab.T("catch ConnectionResetError: a reset ends that client, not the server", "捕获 ConnectionResetError：重置只结束这个客户端，不结束服务端"),
				Client: func(t *T) error {
					c, err := t.Dial()
					if err != nil {
						return err
					}
					if _, err := chatWelcome(c); err != nil {
						c.Close()
						return err
					}
					c.SetLinger(0)
					c.Close()
					return afterOther(t.Peer(14, "msgs=after,q"))
				}},
		},
	}
}

// chatWelcome reads the welcome line.
func chatWelcome(c *lab.Conn) ([]byte, error) {
	var got []byte
	for !bytes.HasSuffix(got, []byte("\n")) {
		b, err := c.Recv(1024)
		if err != nil {
			return got, err
		}
		if len(b) == 0 {
			return got, &Mismatch{What: lab.T("your server closed before its welcome line ended with \"\\n\"", "你的服务端在欢迎语以 \"\\n\" 结尾之前就关闭了"), Got: got}
		}
		got = append(got, b...)
	}
	return got, nil
}

// chatAnswerOf is what a line gets back: demo 14's own answer (its
// protocol, written once in demos/chat.go).
func chatAnswerOf(line string) []byte { return demos.ChatAnswer([]byte(line)) }

// chatTalk sends each line (in pieces of the sizes, if any) and reads its
// answer, then "q\n" and wants the server to close.
func chatTalk(sizes []int, lines ...string) func(*T) error {
	return func(t *T) error {
		c, err := t.Dial()
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := chatWelcome(c); err != nil {
			return err
		}
		for _, l := range lines {
			if sizes != nil {
				err = sendSliced(c, []byte(l), sizes...)
			} else {
				err = c.SendAll([]byte(l))
			}
			if err != nil {
				return err
			}
			if err := chatRead(c, []byte(l), chatAnswerOf(l)); err != nil {
				return err
			}
		}
		return chatQuit(c)
	}
}

// chatSliced sends "sliced 你好\n" cut once inside "好", the first piece
// read before the second goes. A quiet moment (0.1 s at least) also ends a
// message: when the lab itself was that slow between the pieces (a busy
// machine), the answer proves nothing, and it tries again on a new
// connection, at most chatTries times.
func chatSliced(t *T) error {
	line := []byte("sliced 你好\n")
	for attempt := 1; ; attempt++ {
		c, err := t.Dial()
		if err != nil {
			return err
		}
		if _, err := chatWelcome(c); err != nil {
			c.Close()
			return err
		}
		start := time.Now()
		if err := c.SendAll(line[:11]); err != nil {
			c.Close()
			return err
		}
		waitRead(c)
		if err := c.SendAll(line[11:]); err != nil {
			c.Close()
			return err
		}
		gap := time.Since(start)
		err = chatRead(c, line, chatAnswerOf(string(line)))
		if err == nil {
			err = chatQuit(c)
			c.Close()
			return err
		}
		c.Close()
		if gap < chatPause || attempt == chatTries {
			return err
		}
		t.Side.Note(lab.Tf("the lab took %v between the two pieces, longer than a pause that ends a message: trying again", "实验台在两片之间用了 %v，比结束一条消息的停顿还长：再试一次", gap.Round(time.Millisecond)))
	}
}

// chatPause is the shortest quiet moment that may end a message.
const chatPause = 100 * time.Millisecond

// chatTries bounds the sliced case's new connections. Three were too few
// under CI at load 20, where the lab itself was slower than chatPause
// between the pieces three times in a row; a slow try costs about 0.2 s.
const chatTries = 8

func chatMerged(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := chatWelcome(c); err != nil {
		return err
	}
	msg := []byte("a\nb\n")
	if err := c.SendAll(msg); err != nil {
		return err
	}
	if err := chatRead(c, msg, append(chatAnswerOf("a\n"), chatAnswerOf("b\n")...)); err != nil {
		return err
	}
	return chatQuit(c)
}

// chatRead reads len(want) bytes and compares.
func chatRead(c *lab.Conn, sent, want []byte) error {
	got, err := readN(c, len(want))
	if err != nil && err != io.EOF {
		return &Mismatch{What: lab.Tf("no whole answer (%v)", "没有得到完整的回答（%v）", err), Sent: sent, Want: want, Got: got}
	}
	return mismatch(lab.T("the answer is not the message + \",你好\"", "回答不是 消息 + \",你好\""), sent, want, got)
}

// chatQuit sends "q\n": the server must close.
func chatQuit(c *lab.Conn) error {
	if err := c.SendAll([]byte("q\n")); err != nil {
		return err
	}
	b, err := c.Recv(1024)
	switch {
	case err != nil:
		return &Mismatch{What: lab.Tf("after \"q\\n\" your server did not close (%v)", "收到 \"q\\n\" 之后你的服务端没有关闭（%v）", err), Sent: []byte("q\n"), Want: []byte{}, Got: []byte{}}
	case len(b) > 0:
		return &Mismatch{What: lab.T("after \"q\\n\" your server answered instead of closing", "收到 \"q\\n\" 之后你的服务端回答了，而没有关闭"), Sent: []byte("q\n"), Want: []byte{}, Got: b}
	}
	return c.Close()
}
