package demos

import (
	"context"
	"errors"
	"fmt"

	"socketlab/lab"
)

// blockingClient is demo 20's client side (its server is in blocking.go):
// one part after another, each opened by its heading and ended once the
// server is done with it.
func blockingClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	for _, part := range blockingParts(s.Params) {
		s.Section(blockingSections[part])
		s.Signal(bar(part, "begun"))
		if err := s.Wait(bar(part, "ready")); err != nil {
			return err
		}
		var err error
		switch part {
		case "block":
			err = blockClient(s)
		case "timeout":
			err = lateClient(s, "timeout", "timed-out")
		case "nonblock":
			err = lateClient(s, "nonblock", "tried")
		case "select":
			err = selectClientsRun(s)
		case "send":
			err = fillClient(s)
		}
		if err != nil {
			return err
		}
		if err := s.Wait(bar(part, "served")); err != nil { // the server is done with this part
			return err
		}
	}
	return nil
}

// blockingSections head the parts of demo 20.
var blockingSections = map[string]lab.Text{
	"block": lab.T("block: the server's recv waits; the client's first send is empty",
		"block：服务端的 recv 在等待；客户端的第一次发送是空的"),
	"timeout": lab.Tf("timeout: settimeout(%g) on the server; the client is slow", "timeout：服务端 settimeout(%g)；客户端迟迟不发", blockTimeout.Seconds()),
	"nonblock": lab.T("nonblock: setblocking(False) on the server; recv before and after the client sends",
		"nonblock：服务端 setblocking(False)；在客户端发送之前和之后各 recv 一次"),
	"select": lab.Tf("select: one server thread, one selector, %d clients at once", "select：一个服务端线程，一个选择器，同时 %d 个客户端", selectClients),
	"send":   lab.T("send: a full send buffer, non-blocking and then blocking", "send：发送缓冲区满了，先非阻塞，再阻塞"),
}

// blockClient sends only once the server's recv waits: first nothing
// (the tutorial's empty input), then hello.
func blockClient(s *lab.Side) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := s.Wait(bar("block", "waiting")); err != nil {
		return err
	}
	s.Key("empty-send")
	if _, err := conn.Send([]byte("")); err != nil { // client.send(''.encode()): the learner pressed Enter
		return err
	}
	s.Note(lab.T("send(b'') sent nothing: no byte, no packet. The server's recv cannot tell and goes on waiting (the tutorial's hang; its fix: `if not msg: continue`)",
		"send(b'') 什么也没发：没有字节，也没有报文。服务端的 recv 察觉不到，继续等待（就是教程里卡住的情形；它的解决办法：`if not msg: continue`）"))
	s.Step("send-hello")
	if err := conn.SendAll([]byte("hello")); err != nil { // client.sendall(b'hello')
		return err
	}
	s.Step("answer")
	if _, err := conn.Recv(1024); err != nil { // client.recv(1024)
		return err
	}
	return conn.Close()
}

// lateClient sends hello only after the server's first recv has failed
// (the barrier after), then leaves once the server is done.
func lateClient(s *lab.Side, part, after string) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := s.Wait(bar(part, after)); err != nil {
		return err
	}
	s.Step("send-hello")
	if err := conn.SendAll([]byte("hello")); err != nil { // client.sendall(b'hello')
		return err
	}
	s.Signal(bar(part, "sent"))
	if err := s.Wait(bar(part, "served")); err != nil {
		return err
	}
	return conn.Close()
}

// selectClientsRun starts the clients of the select part, each a fork.
func selectClientsRun(s *lab.Side) error {
	errs := make(chan error, selectClients)
	for i := 1; i <= selectClients; i++ {
		c := s.Fork(fmt.Sprintf("c%d", i))
		go func() { errs <- selectClient(c, i) }()
	}
	var err error
	for range selectClients {
		err = errors.Join(err, <-errs)
	}
	return err
}

// selectClient is client i of the select part: it connects after the one
// before it, sends once all are accepted, reads its answer; the last one
// sends again on its own; then they leave one at a time.
func selectClient(s *lab.Side, i int) error {
	if i > 1 {
		if err := s.Wait(bar("select", fmt.Sprintf("c%d-connected", i-1))); err != nil {
			return err
		}
	}
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-connected", i)))
	if err := s.Wait(bar("select", "accepted")); err != nil {
		return err
	}
	msg := selectMessage(i)
	if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(msg.encode())
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-sent", i)))
	if err := readAnswer(conn, len(msg)); err != nil {
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-answered", i)))
	if i == selectClients {
		for k := 1; k <= selectClients; k++ { // everyone has an answer
			if err := s.Wait(bar("select", fmt.Sprintf("c%d-answered", k))); err != nil {
				return err
			}
		}
		s.Step("again")
		if err := conn.SendAll([]byte(selectAgain)); err != nil { // client.sendall(b'c3 again')
			return err
		}
		s.Signal(bar("select", "again"))
		s.Key("answer-again")
		if err := readAnswer(conn, len(selectAgain)); err != nil {
			return err
		}
		s.Signal(bar("select", "answered-again"))
	}
	// Leave one at a time, after the last client's second answer.
	if err := s.Wait(bar("select", "answered-again")); err != nil {
		return err
	}
	if i > 1 {
		if err := s.Wait(bar("select", fmt.Sprintf("gone-%d", i-1))); err != nil {
			return err
		}
	}
	if err := conn.Close(); err != nil { // client.close()
		return err
	}
	s.Signal(bar("select", fmt.Sprintf("c%d-closed", i)))
	return nil
}

// readAnswer reads an answer of n bytes with recv(1024) calls.
func readAnswer(conn *lab.Conn, n int) error {
	for got := 0; got < n; {
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return lab.Errorf(lab.Tf("the server closed after %d of %d bytes of the answer", "服务端在回答的 %d / %d 个字节之后就关闭了", got, n), nil)
		}
		got += len(data)
	}
	return nil
}

// fillClient fills the buffers with non-blocking sends until the kernel
// says EAGAIN, then makes one blocking sendall, which waits until the
// server reads.
func fillClient(s *lab.Side) error {
	conn, err := s.Dial(s.ServerAddr()) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	s.Step("small-buffer")
	if _, err := conn.SetSendBuffer(blockBuf); err != nil { // client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
		return err
	}
	if err := s.Wait(bar("send", "accepted")); err != nil {
		return err
	}
	s.Step("non-blocking")
	if err := conn.SetBlocking(false); err != nil { // client.setblocking(False)
		return err
	}
	chunk := sendallData(blockChunk)
	sent := 0
	for { // while True:
		s.KeyIf("full", func(e lab.Event) bool { return lab.ClassOf(e.Errno) == lab.ClassWouldBlock })
		n, err := conn.Send(chunk)                    // sent += client.send(chunk)
		if lab.Classify(err) == lab.ClassWouldBlock { // except BlockingIOError: break
			break
		}
		if err != nil {
			return err
		}
		sent += n
	}
	s.Note(lab.Tf("caught %s: the buffers are full after %d bytes. A non-blocking send never waits: it takes what fits, or raises",
		"捕获到 %s：缓冲区在 %d 个字节之后满了。非阻塞的 send 从不等待：放得下多少就收多少，一点也放不下就抛出异常",
		lab.ClassWouldBlock.Python(), sent))
	s.Step("blocking")
	if err := conn.SetBlocking(true); err != nil { // client.setblocking(True)
		return err
	}
	conn.SignalWhenWaiting(bar("send", "waiting")) // the recipe: the server reads once this sendall waits
	s.Key("send-waits")
	if err := conn.SendAll(sendallData(blockWait)); err != nil { // client.sendall(data)
		return err
	}
	return conn.Close() // client.close()
}
