package demos

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/lab"
)

// Demo 2's modes overflow and refused: what UDP does not promise.
//
// overflow: the server binds and does not read while the client sends more
// 1000-byte datagrams than a receive buffer of the system's default size
// (SO_RCVBUF, the same for both fresh sockets) can hold. What does not fit
// is dropped by the receiving kernel, and every sendto() still returns
// 1000. On Linux the kernel counts the drops per socket (/proc/net/udp),
// so the server reads until what it got plus what was dropped make up all
// that was sent: no timing decides the outcome.
//
// refused: the server binds and closes. The client connects a UDP socket
// to that port (no packet is sent), sends one datagram, and its next recv
// raises ConnectionRefusedError: the ICMP "port unreachable" the datagram
// caused is handed to a connected socket only.

// floodSize is the payload of each datagram in mode=overflow.
const floodSize = 1000

// floodCount is how many datagrams overflow a receive buffer of rcvbuf
// bytes: it holds at most rcvbuf bytes of datagrams and its kernel
// bookkeeping, so rcvbuf/1000 + 1 could fit at the very most; 100 more are
// sure to be lost.
func floodCount(rcvbuf int) int { return min(rcvbuf/floodSize+100, 20000) }

// floodDatagram is datagram i (from 1): its number, then dots.
func floodDatagram(i int) []byte {
	b := []byte(fmt.Sprintf("datagram %05d ", i))
	return append(b, []byte(strings.Repeat(".", floodSize-len(b)))...)
}

func overflowServer(s *lab.Side) error {
	pc, err := s.ListenPacket("127.0.0.1:0") // server.bind(('127.0.0.1', 0))
	if err != nil {
		return err
	}
	rcvbuf, err := pc.RecvBuffer() // server.getsockopt(SOL_SOCKET, SO_RCVBUF)
	if err != nil {
		return err
	}
	s.Signal("bound")
	// The recipe: nothing is read until the client has sent everything.
	if err := s.Wait("all-sent"); err != nil {
		return err
	}
	n := floodCount(rcvbuf)
	drops, dropErr := pc.Drops()
	if dropErr == nil {
		s.Note(lab.Tf("the server reads only now. The kernel's count of datagrams dropped on this socket (/proc/net/udp, column drops): %d. It reads until received + dropped = %d sent.",
			"服务端现在才开始读。内核对这个套接字丢弃的数据报计数（/proc/net/udp 的 drops 列）：%d。它一直读到 收到 + 丢弃 = 发送的 %d 个。", drops, n))
	} else {
		s.Note(lab.T("the server reads only now, until no datagram comes for 1 s (this system does not count drops per socket)",
			"服务端现在才开始读，直到 1 秒内没有数据报到来（这个系统不按套接字统计丢包）"))
	}
	got := 0
	for dropErr != nil || got+drops < n {
		if got == 0 {
			s.Key("first-kept")
		}
		pc.SetReadTimeout(time.Second)    // the lab's bound: Python would call settimeout(1.0)
		_, _, _, err := pc.RecvFrom(2048) // data, addr = server.recvfrom(2048)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return err
		}
		got++
		if dropErr == nil {
			if drops, dropErr = pc.Drops(); dropErr != nil {
				return dropErr
			}
		}
	}
	if dropErr == nil {
		s.Measure("drops", drops, lab.Tf("received %d, and the kernel counts %d dropped on this socket: %d in all, as many as were sent",
			"收到 %d 个，内核在这个套接字上计了 %d 个丢弃：合计 %d 个，与发送的一样多", got, drops, got+drops))
	}
	return pc.Close()
}

func overflowClient(s *lab.Side) error {
	if err := s.Wait("bound"); err != nil {
		return err
	}
	server, err := net.ResolveUDPAddr("udp", s.ServerAddr())
	if err != nil {
		return err
	}
	pc, err := s.ListenPacket("127.0.0.1:0")
	if err != nil {
		return err
	}
	// A fresh UDP socket gets the system's default receive buffer, the
	// server's too: the client reads its own to know how many to send.
	rcvbuf, err := pc.RecvBuffer()
	if err != nil {
		return err
	}
	n := floodCount(rcvbuf)
	s.Note(lab.Tf("a new UDP socket's receive buffer holds %d bytes (the server's is the same, the system's default): %d datagrams of %d bytes are more than it can hold",
		"新建 UDP 套接字的接收缓冲区是 %d 字节（服务端的也一样，都是系统默认值）：%d 个 %d 字节的数据报超出了它的容量", rcvbuf, n, floodSize))
	for i := 1; i <= n; i++ {
		if i == 1 {
			s.Step("flood")
		}
		if _, err := pc.SendTo(floodDatagram(i), server); err != nil { // client.sendto(data, server_addr)
			return err
		}
	}
	s.Signal("all-sent")
	return pc.Close()
}

func overflowFindings(t lab.Trace) []lab.Finding {
	sent := t.Calls(lab.Client, lab.OpSendTo)
	got := t.Calls(lab.Server, lab.OpRecvFrom)
	var kept []lab.Event
	for _, e := range got {
		if e.Err == "" {
			kept = append(kept, e)
		}
	}
	silent := len(sent) > 0
	for _, e := range sent {
		silent = silent && e.Err == "" && e.N == floodSize
	}
	// The datagrams kept are the first ones, in order: the later ones found the buffer full.
	first := len(kept) > 0
	for i, e := range kept {
		num, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(string(e.Data[:min(len(e.Data), 15)]), "datagram ")))
		first = first && err == nil && num == i+1
	}
	lost := len(sent) - len(kept)
	counted := lab.T("this system does not count drops per socket", "这个系统不按套接字统计丢包")
	dropsOK := true
	for _, e := range t {
		if e.Op == lab.OpNote && e.Side == lab.Server && e.Name == "drops" {
			dropsOK = e.N == lost
			counted = lab.Tf("the kernel counted %d dropped on the server's socket", "内核在服务端套接字上计了 %d 个丢弃", e.N)
		}
	}
	overflow := check("lost", lost > 0 && dropsOK, lab.Text{
		En: fmt.Sprintf("%d datagrams sent on loopback to a socket that was not reading; %d arrived and %d were lost, because its receive buffer was full (%s)",
			len(sent), len(kept), lost, counted.En),
		Zh: fmt.Sprintf("在回环地址上向一个不在读取的套接字发送了 %d 个数据报；到达 %d 个，丢失 %d 个，因为它的接收缓冲区满了（%s）",
			len(sent), len(kept), lost, counted.Zh)}).On(got...).At("first-kept")
	quiet := check("silent", silent, lab.Tf(
		"every one of the %d sendto() calls returned %d, the lost ones too: UDP never tells the sender",
		"%d 次 sendto() 全都返回 %d，丢失的那些也一样：UDP 从不告诉发送方",
		len(sent), floodSize)).On(sent...)
	order := check("first", first, lab.Tf(
		"the datagrams that arrived are the first %d sent (1 to %d): the later ones found the buffer full and were dropped on arrival",
		"到达的是最先发送的 %d 个（1 到 %d）：后来的那些到达时缓冲区已满，被丢弃了",
		len(kept), len(kept))).On(kept...)
	return []lab.Finding{overflow, quiet, order}
}

func refusedServer(s *lab.Side) error {
	pc, err := s.ListenPacket("127.0.0.1:0") // server.bind(('127.0.0.1', 0))
	if err != nil {
		return err
	}
	s.Note(lab.T("the server closes its socket at once: nobody listens on this port any more",
		"服务端立刻关闭套接字：这个端口上再没有人监听"))
	s.Step("gone")
	if err := pc.Close(); err != nil {
		return err
	}
	s.Signal("closed")
	return nil
}

func refusedClient(s *lab.Side) error {
	if err := s.Wait("closed"); err != nil {
		return err
	}
	pc, err := s.DialPacket(s.ServerAddr()) // client.connect(server_addr)
	if err != nil {
		return err
	}
	s.Step("send-closed")
	if _, err := pc.Send([]byte("hello")); err != nil { // client.send(b'hello')
		return err
	}
	s.Key("refused")
	_, err = pc.Recv(1024) // client.recv(1024)
	if err != nil && lab.Classify(err) != lab.ClassRefused {
		return err
	}
	return pc.Close()
}

func refusedFindings(t lab.Trace) []lab.Finding {
	sends := t.Calls(lab.Client, lab.OpSendTo)
	recvs := t.Step("refused") // the recv that fails: Calls lists only calls that succeeded
	if len(sends) != 1 || len(recvs) != 1 {
		return []lab.Finding{check("refused", false, lab.Tf("expected one send and one recv, saw %d and %d",
			"预期一次 send 和一次 recv，实际 %d 次和 %d 次", len(sends), len(recvs))).On(sends...).On(recvs...)}
	}
	sent := check("sent", sends[0].Err == "" && sends[0].N == 5, lab.Tf(
		"send() to the closed port returned %d: the datagram left, nothing was there to say no",
		"向已关闭端口 send() 返回了 %d：数据报发出去了，发送时没有任何东西拒绝它", sends[0].N)).On(sends[0])
	refused := check("refused", recvs[0].Errno == "ECONNREFUSED", lab.Tf(
		"the next recv() raised ConnectionRefusedError (%s): the kernel got an ICMP \"port unreachable\" for the datagram and hands it to a connected socket; an unconnected one (sendto/recvfrom) would just wait",
		"接下来的 recv() 抛出 ConnectionRefusedError（%s）：内核为那个数据报收到了 ICMP “端口不可达”，并把它交给已连接的套接字；未连接的套接字（sendto/recvfrom）只会一直等待",
		recvs[0].Errno)).On(recvs[0]).At("refused")
	return []lab.Finding{sent, refused}
}
