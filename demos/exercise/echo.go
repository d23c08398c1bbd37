package exercise

import (
	"bytes"
	"errors"
	"io"

	"socketlab/lab"
)

// echo-server (demos 1 and 8): each recv answered upper-cased, one client
// after another.

func echoServer() Exercise {
	return Exercise{
		Slug: "echo-server", Role: Server, Demo: 1, Proto: "tcp",
		Cases: echoCases(),
		Title: lab.T("an upper-casing echo server", "回显大写的服务端"),
		Task: lab.T(`Write the server of lessons 1 and 8: listen on TCP port LAB_PORT (the {port}
argument); for each client, loop: data = conn.recv(1024); if not data: break;
conn.sendall(data.upper()). Then close that connection and accept() the next
client. Only ASCII letters change, as Python's bytes.upper() does.

On the wire nothing frames a message; the lab judges the byte stream:
  lab sends   68 65 6c 6c 6f 2c 20 e4 bd a0 e5 a5 bd   "hello, 你好"
  you answer  48 45 4c 4c 4f 2c 20 e4 bd a0 e5 a5 bd   "HELLO, 你好"`,
			`写出第 1 课和第 8 课的服务端：在 TCP 端口 LAB_PORT（参数 {port}）上监听；对每个客户端循环：
data = conn.recv(1024)；if not data: break；conn.sendall(data.upper())。然后关闭这个连接，
accept() 下一个客户端。只有 ASCII 字母变成大写，和 Python 的 bytes.upper() 一样。

线路上没有任何东西给消息分界；实验台只看字节流：
  实验台发送  68 65 6c 6c 6f 2c 20 e4 bd a0 e5 a5 bd   "hello, 你好"
  你的回答    48 45 4c 4c 4f 2c 20 e4 bd a0 e5 a5 bd   "HELLO, 你好"`),
	}
}

// echoCases are echo-server's cases: demos 1 and 8 (threaded-server adds
// clients at once).
func echoCases() []Case {
	return []Case{
		{ID: "plain", Name: lab.T(`lab client 1: one message "hello, 你好"`, `lab client 1：一条消息 "hello, 你好"`),
			Hint:   lab.T("answer every recv() with sendall(data.upper()) on the same connection", "对每次 recv() 都在同一个连接上用 sendall(data.upper()) 回答"),
			Client: func(t *T) error { return t.Peer(1) }},
		{ID: "messages", Name: lab.T("five messages on one connection, each answer awaited", "一个连接上五条消息，每条都等回答"),
			Hint:   lab.T("keep a communication loop: recv() again after each answer, until recv() returns b''", "要有通信循环：每次回答之后再 recv()，直到 recv() 返回 b''"),
			Client: echoMessages},
		{ID: "sliced", Name: lab.T(`"hello, 你好" in 1-byte sends, each read before the next`, `"hello, 你好" 拆成 1 字节一次发送，每片读走后再发下一片`),
			Hint: lab.T("one recv() is not one message: a character of 3 bytes may come in pieces, so do not decode() each recv(); upper-case the bytes",
				"一次 recv() 不是一条消息：3 个字节的汉字可能分几次到达，所以不要对每次 recv() 做 decode()，直接对字节做 upper()"),
			Client: echoSliced},
		{ID: "merged", Name: lab.T(`"abc" and "def" in one send`, `"abc" 和 "def" 在一次 send 里`),
			Hint:   lab.T("two messages can arrive in one recv(): answer all the bytes you got", "两条消息可能一次 recv() 就到齐：对收到的全部字节作答"),
			Client: echoMerged},
		{ID: "big", Name: lab.T("1.5 MB in one sendall, read while it is sent", "一次 sendall 1.5 MB，边发边读"),
			Hint: lab.T("use sendall(), not send(): send() may take fewer bytes than asked; and answer each recv() as it comes, do not wait for the whole message",
				"用 sendall()，不要用 send()：send() 可能只发出一部分；每次 recv() 到的就马上回答，不要等整条消息"),
			Client: echoBig},
		{ID: "next-client", Name: lab.T("three clients one after another", "三个客户端先后连接"),
			Hint:   lab.T("put accept() in a loop (the connection loop): after one client leaves, accept() the next", "把 accept() 放进循环（连接循环）：一个客户端走了，再 accept() 下一个"),
			Client: echoNextClients},
		{ID: "leaves", Name: lab.T("a client connects and leaves without a word, then another comes", "一个客户端连上后什么也不说就走了，然后来了另一个"),
			Hint: lab.T("when recv() returns b'' the client has gone: if not data: break, close, and go back to accept()",
				"recv() 返回 b'' 表示客户端走了：if not data: break，关闭连接，回到 accept()"),
			Client: echoLeaves},
		{ID: "reset", Name: lab.T("a client resets its connection (RST), then another comes", "一个客户端重置连接（RST），然后来了另一个"),
			Hint: lab.T("catch ConnectionResetError around the communication loop: a reset ends that client, not the server",
				"在通信循环外捕获 ConnectionResetError：重置只结束这个客户端，不结束服务端"),
			Client: echoReset},
		{ID: "slow", Name: lab.T(`a slow client: "slow" one byte every 50 ms`, `慢客户端：每 50 毫秒一个字节地发送 "slow"`),
			Proxy:  lab.ProxyOptions{Slice: 1, Delay: 50e6},
			Hint:   lab.T("wait in recv() for what comes, do not give up on a quiet client (no short settimeout)", "在 recv() 里等待到来的字节，不要放弃安静的客户端（不要设很短的 settimeout）"),
			Client: func(t *T) error { return t.Peer(1, "msg=slow") }},
	}
}

// echoOnce sends msg and reads the upper-cased answer, by the stream.
func echoOnce(c *lab.Conn, msg []byte) error {
	if err := c.SendAll(msg); err != nil {
		return err
	}
	return readEcho(c, msg)
}

// readEcho reads len(msg) bytes and compares them with msg upper-cased.
func readEcho(c *lab.Conn, msg []byte) error {
	want := upper(msg)
	got, err := readN(c, len(want))
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Equal(got, want) {
		what := lab.T("the answer is not the message upper-cased", "回答不是大写后的消息")
		if errors.Is(err, io.EOF) {
			what = lab.Tf("your server closed after %d of %d bytes", "你的服务端在 %d / %d 个字节之后关闭了", len(got), len(want))
		}
		return &Mismatch{What: what, Sent: msg, Want: want, Got: got}
	}
	return nil
}

// readN reads exactly n bytes, or until the peer closes (io.EOF).
func readN(c *lab.Conn, n int) ([]byte, error) {
	got := make([]byte, 0, min(n, 1<<20))
	for len(got) < n {
		b, err := c.Recv(min(n-len(got), 64<<10))
		if err != nil {
			return got, err
		}
		if len(b) == 0 {
			return got, io.EOF
		}
		got = append(got, b...)
	}
	return got, nil
}

func echoMessages(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for _, m := range []string{"one", "two", "three", "四", "five"} {
		if err := echoOnce(c, []byte(m)); err != nil {
			return err
		}
	}
	return c.Close()
}

func echoSliced(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte("hello, 你好")
	if err := sendSliced(c, msg, 1); err != nil {
		return err
	}
	if err := readEcho(c, msg); err != nil {
		return err
	}
	return c.Close()
}

func echoMerged(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := echoOnce(c, []byte("abcdef")); err != nil { // "abc" + "def", one send
		return err
	}
	return c.Close()
}

func echoBig(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	msg := letters(1536 << 10)
	sent := make(chan error, 1)
	go func() { sent <- c.SendAll(msg) }() // the checker reads while it writes
	err = readEcho(c, msg)
	if serr := <-sent; err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	return c.Close()
}

func echoNextClients(t *T) error {
	for i, m := range []string{"first", "second", "third"} {
		c, err := t.Dial()
		if err != nil {
			return fail(lab.Tf("client %d could not connect: %v", "第 %d 个客户端连不上：%v", i+1, err))
		}
		err = echoOnce(c, []byte(m))
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func echoLeaves(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	c.Close()
	return echoAfter(t, "still there?")
}

// echoAfter is the next client, after one that misbehaved.
func echoAfter(t *T, msg string) error {
	c, err := t.Dial()
	if err != nil {
		return fail(lab.Tf("the next client could not connect: %v", "下一个客户端连不上：%v", err))
	}
	defer c.Close()
	if err := echoOnce(c, []byte(msg)); err != nil {
		var m *Mismatch
		if errors.As(err, &m) {
			m.What = join(lab.T("the next client: ", "下一个客户端："), m.What)
			return m
		}
		return fail(lab.Tf("the next client got no answer: %v", "下一个客户端没有得到回答：%v", err))
	}
	return c.Close()
}

func echoReset(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	if err := echoOnce(c, []byte("bye")); err != nil {
		c.Close()
		return err
	}
	c.SetLinger(0) // close() now sends RST: the server's recv() gets ECONNRESET
	c.Close()
	return echoAfter(t, "after the reset")
}

// threaded-server (demo 11): echo-server's protocol with every client
// served at once.
func threadedServer() Exercise {
	e := echoServer()
	e.Slug, e.Demo = "threaded-server", 11
	e.Title = lab.T("an echo server that serves every client at once", "同时为所有客户端服务的回显服务端")
	e.Task = lab.T(`Write the server of lesson 11: echo-server's protocol (each recv() answered with
sendall(data.upper()), ASCII letters only), with every client served at once:
a thread per connection (threading.Thread, or socketserver.ThreadingTCPServer
with a handler class), so that one client that stays connected never makes
another wait.

  c1 sends  "hello from c1"   c2 sends  "hello from c2"   (both connected)
  c1 gets   "HELLO FROM C1"   c2 gets   "HELLO FROM C2"   before either leaves`,
		`写出第 11 课的服务端：echo-server 的协议（对每次 recv() 用 sendall(data.upper()) 回答，只改 ASCII 字母），
同时为所有客户端服务：每个连接一个线程（threading.Thread，或带处理类的 socketserver.ThreadingTCPServer），
这样一个一直连着的客户端绝不会让别的客户端等待。

  c1 发送  "hello from c1"   c2 发送  "hello from c2"   （两个都连着）
  c1 收到  "HELLO FROM C1"   c2 收到  "HELLO FROM C2"   都在任何一个离开之前`)
	atOnce := Case{ID: "at-once", Name: lab.T("lab client 11: three clients connected and sending at once", "lab client 11：三个客户端同时连着、同时发送"),
		Hint: lab.T("serve each client in a thread of its own (threading.Thread(target=handle, args=(conn,)).start(), or socketserver.ThreadingTCPServer), and do not join() it before the next accept()",
			"每个客户端用一个自己的线程服务（threading.Thread(target=handle, args=(conn,)).start()，或 socketserver.ThreadingTCPServer），并且不要在下一次 accept() 之前 join() 它"),
		Client: func(t *T) error { return t.Peer(11, "clients=3") }}
	e.Cases = append([]Case{e.Cases[0], atOnce}, e.Cases[1:]...)
	return e
}
