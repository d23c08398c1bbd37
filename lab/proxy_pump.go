package lab

// Moving the bytes one way through the proxy: recv, cut as the options
// say (Slice, Delay, Merge), send; an EOF passed on as a half-close, a
// reset as a reset.

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"
)

// pump forwards src's bytes to dst until src ends, then passes the end on:
// EOF as a half-close, a reset as a reset. When dst fails instead, this
// direction just stops.
func (p *proxyConn) pump(src, dst *Conn, count *atomic.Int64) {
	var err error
	var werr error
	if p.o.Merge > 0 {
		err, werr = p.pumpMerged(src, dst, count)
	} else {
		buf := make([]byte, p.o.Buf)
		for {
			var n int
			n, err = src.Read(buf)
			if n > 0 && src == p.server {
				p.answered(n)
			}
			if n > 0 {
				if werr = p.forward(dst, buf[:n], count); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
	}
	switch {
	case p.isAborted() || p.f.run.ctx.Err() != nil:
		// The other direction, or the session, already ended it.
	case werr != nil:
		// dst's program is gone (it closed or reset). Stop forwarding this
		// way; the other direction still delivers what that program said
		// before it went, and ends on its own.
		who, whoZh := "server", "服务端"
		if dst == p.client {
			who, whoZh = "client", "客户端"
		}
		p.note(dst, Tf("the %[1]s takes no more bytes (%[3]v): the proxy stops forwarding to it; the other direction goes on",
			"%[2]s不再接收字节（%[3]v）：代理停止向它转发；另一个方向照常进行", who, whoZh, Classify(werr)))
	case errors.Is(err, io.EOF):
		if dst == p.server {
			p.note(dst, T("the client shut down its sending side (EOF): passing it on with shutdown(SHUT_WR)",
				"客户端关闭了发送方向（EOF）：用 shutdown(SHUT_WR) 转告服务端"))
		} else {
			p.note(dst, T("the server shut down its sending side (EOF): passing it on with shutdown(SHUT_WR)",
				"服务端关闭了发送方向（EOF）：用 shutdown(SHUT_WR) 转告客户端"))
		}
		dst.CloseWrite()
	default:
		p.abort(src, dst, err)
	}
}

// abort tears the connection down after a recv on socket from failed with
// err (typically ECONNRESET): the other socket is reset (SO_LINGER 0, then
// close), so the program behind it learns of the failure the way it would
// without the proxy.
func (p *proxyConn) abort(from, other *Conn, err error) {
	p.mu.Lock()
	if p.aborted {
		p.mu.Unlock()
		return
	}
	p.aborted = true
	p.mu.Unlock()
	class := Classify(err)
	who, whoZh, otherWho, otherZh := "client", "客户端", "server", "服务端"
	if from == p.server {
		who, whoZh, otherWho, otherZh = otherWho, otherZh, who, whoZh
	}
	if class == ClassReset {
		p.st.Resets.Add(1)
		p.note(from, Tf("the %[1]s reset the connection (ECONNRESET; Python: ConnectionResetError)",
			"%[2]s重置了连接（ECONNRESET；Python：ConnectionResetError）", who, whoZh))
	} else {
		p.note(from, Tf("the connection to the %[1]s failed (%[3]v)", "与%[2]s的连接出错（%[3]v）", who, whoZh, class))
	}
	p.note(other, Tf("passing it on: the proxy resets its connection to the %[1]s (SO_LINGER 0, then close)",
		"转告对方：代理重置与%[2]s的连接（SO_LINGER 设为 0，然后 close）", otherWho, otherZh))
	other.SetLinger(0)
	p.close(other)
	p.close(from)
}

// forward writes b to dst as the options say: in one sendall(), or in
// Slice-byte send() calls, each after Delay.
func (p *proxyConn) forward(dst *Conn, b []byte, count *atomic.Int64) error {
	if p.o.Slice <= 0 {
		if err := p.wait(); err != nil {
			return err
		}
		n, err := dst.Write(b)
		count.Add(int64(n))
		return err
	}
	if dst == p.server {
		p.chunk.Store(int64(len(b)))
		defer p.left.Store(0)
	}
	for len(b) > 0 {
		if err := p.wait(); err != nil {
			return err
		}
		piece := min(p.o.Slice, len(b))
		if dst == p.server {
			// Not yet handed to the kernel, even after this piece: an
			// answer that comes while some are left cannot be to the
			// whole message. (Set before the call: the call returns, and
			// the server may answer, before its record is made.)
			p.left.Store(int64(len(b) - piece))
		}
		n, err := dst.Send(b[:piece])
		count.Add(int64(n))
		b = b[n:]
		if dst == p.server && n < piece {
			p.left.Store(int64(len(b)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// wait sleeps for Delay, or returns early when the session ends.
func (p *proxyConn) wait() error {
	if p.o.Delay <= 0 {
		return nil
	}
	t := time.NewTimer(p.o.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-p.f.run.ctx.Done():
		return context.Cause(p.f.run.ctx)
	}
}

// pumpMerged reads src in its own goroutine and forwards what arrived
// within Merge of the first byte in one write. It returns the read error
// that ended src and the write error that ended dst, if any. The reader
// hands over its bytes and its error on one channel: nothing else is
// shared with it, so a write that fails while it still reads races with
// nothing.
func (p *proxyConn) pumpMerged(src, dst *Conn, count *atomic.Int64) (rerr, werr error) {
	type chunk struct {
		b   []byte
		err error // the read error that ended src: the last chunk
	}
	chunks := make(chan chunk)
	quit := make(chan struct{})
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, p.o.Buf)
			n, err := src.Read(buf)
			if n > 0 || err != nil {
				select {
				case chunks <- chunk{buf[:n], err}:
				case <-quit:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer close(quit)
	var held []byte
	flush := func() error {
		if len(held) == 0 {
			return nil
		}
		b := held
		held = nil
		p.note(dst, Tf("merged: the %[1]d bytes that came within %[2]v go out in one write",
			"合并：%[2]v 内到达的 %[1]d 个字节一次写出", len(b), p.o.Merge))
		return p.forward(dst, b, count)
	}
	take := func(c chunk) {
		if src == p.server && len(c.b) > 0 {
			p.answered(len(c.b))
		}
		held = append(held, c.b...)
		if c.err != nil {
			rerr = c.err
		}
	}
	for rerr == nil {
		first, ok := <-chunks
		if !ok {
			break
		}
		take(first)
		timer := time.NewTimer(p.o.Merge)
	gather:
		for len(held) < maxMerge && rerr == nil {
			select {
			case c, ok := <-chunks:
				if !ok {
					break gather
				}
				take(c)
			case <-timer.C:
				break gather
			case <-p.f.run.ctx.Done():
				break gather
			}
		}
		timer.Stop()
		if werr = flush(); werr != nil {
			return nil, werr // quit stops the reader
		}
	}
	return rerr, nil
}
