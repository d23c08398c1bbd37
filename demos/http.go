package demos

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// httpBody is what the demo's web server answers on "/".
const httpBody = "hello, 你好\n"

// httpMaxHead limits the response head the client collects.
const httpMaxHead = 16 << 10

// httpDemo is demo 16: an application protocol on top of TCP. The client
// writes an HTTP/1.1 GET by hand, byte for byte, to the demo's web server
// (httpserve.go, traced like any demo's server) and reads the response:
// "\r\n" ends each line, an empty line ends the head, and Content-Length
// frames the body.
func httpDemo() lab.Demo {
	return lab.Demo{
		ID:    16,
		Slug:  "http",
		Title: lab.T("HTTP: a protocol on top of TCP", "HTTP：TCP 之上的协议"),
		Brief: lab.T("a raw HTTP request and response as bytes: \\r\\n ends the headers, Content-Length frames the body",
			"把 HTTP 请求和响应当作字节来看：\\r\\n 结束报头，Content-Length 划出正文"),
		Knobs: []lab.Knob{
			{Name: "path", Kind: lab.KindString, Default: "/", Min: 1, Max: 200,
				Help: lab.T("the path the client asks for; / answers hello, anything else is 404", "客户端请求的路径；/ 返回问候，其他路径返回 404")},
		},
		Server:   httpServer,
		Client:   httpClient,
		Peer:     &lab.Peer{Serve: tcpServe(httpConverse), Client: httpPeerClient, Try: httpTry},
		Findings: httpFindings,
	}
}

func httpServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	if err := httpConverse(s, conn); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// The parts of the request the client writes, marked in the trace.
var (
	httpMarkLine  = lab.T("request line", "请求行")
	httpMarkHdrs  = lab.T("headers", "报头")
	httpMarkBlank = lab.T("blank line: end of headers", "空行：报头结束")
)

func httpClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	defer s.Signal("done")
	addr := s.ServerAddr()
	conn, err := s.Dial(addr) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := httpGet(s, conn, s.Params.String("path"), addr, true); err != nil {
		return err
	}

	var got []byte
	if err := httpReadHead(s, conn, &got); err != nil {
		return err
	}
	hd, err := parseHTTPHead(got)
	if err != nil {
		return err
	}
	end, length := hd.end, hd.length
	s.Note(lab.Tf("status line %q, %d header lines; the blank line \\r\\n\\r\\n ends the head at byte %d",
		"状态行 %q，%d 行报头；空行 \\r\\n\\r\\n 在第 %d 个字节处结束报头", hd.status, len(hd.lines), end))
	body := got[end:]
	if length < 0 {
		// No length: the body runs until the server closes.
		for {
			data, err := conn.Recv(1024)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				break
			}
			if body = append(body, data...); len(body) > httpMaxBody {
				return lab.Errorf(lab.T("response body longer than 1 MiB", "响应正文超过 1 MiB"), nil)
			}
		}
		s.KeyNote("body", lab.Tf("no Content-Length: the body (%d bytes) ran until the server closed the connection",
			"没有 Content-Length：正文（%d 字节）一直持续到服务端关闭连接", len(body)))
		return conn.Close()
	}
	// The body is framed by its length: read exactly that many bytes.
	for len(body) < length {
		data, err := conn.Recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return lab.Errorf(lab.Tf("the server closed after %d of %d body bytes", "服务端在正文的 %d / %d 个字节之后就关闭了", len(body), length), nil)
		}
		body = append(body, data...)
	}
	s.KeyNote("body", lab.Tf("Content-Length: %d, so the body is bytes %d to %d: %q; nothing in the body needs escaping",
		"Content-Length: %d，所以正文是第 %d 到第 %d 个字节：%q；正文里什么都不需要转义",
		length, end, end+length, body[:length]))
	s.Step("closed")
	if _, err := conn.Recv(1024); err != nil { // Connection: close: b''
		return err
	}
	return conn.Close()
}

// httpReadHead reads until the blank line: the head's end is a delimiter.
// The read that completes it is the key call (it may start in the read
// before). out gets what was read, the start of the body included, also
// when it fails.
func httpReadHead(s *lab.Side, conn *lab.Conn, out *[]byte) (err error) {
	var got []byte
	closed := false // the server closed before the blank line
	defer func() {
		*out = got
		if closed {
			err = httpServerClosed{err}
		}
	}()
	for bytes.Index(got, []byte("\r\n\r\n")) < 0 {
		tail := slices.Clip(got[max(0, len(got)-3):])
		s.KeyIf("read-head", func(e lab.Event) bool { return bytes.Contains(append(tail, e.Data...), []byte("\r\n\r\n")) })
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			closed = true
			return lab.Errorf(lab.Tf("the server closed before the end of the headers (%d bytes)", "首部还没结束服务端就关闭了（%d 个字节）", len(got)), nil)
		}
		if got = append(got, data...); len(got) > httpMaxHead {
			return lab.Errorf(lab.Tf("response headers longer than %d bytes", "响应首部超过 %d 个字节", httpMaxHead), nil)
		}
	}
	return nil
}

// httpGet writes demo 16's request by hand, its parts marked: the request
// line, the headers (Connection: close when closing), the blank line.
func httpGet(s *lab.Side, conn *lab.Conn, path, host string, closing bool) error {
	line := "GET " + path + " HTTP/1.1\r\n"
	headers := "Host: " + host + "\r\nUser-Agent: socketlab\r\n"
	if closing {
		headers += "Connection: close\r\n"
	}
	req := []byte(line + headers + "\r\n")
	a, b := len(line), len(line)+len(headers)
	s.Key("request")
	return conn.SendParts(req, // client.sendall(b'GET / HTTP/1.1\r\nHost: ...\r\n\r\n')
		lab.Mark{From: 0, To: a, Label: httpMarkLine},
		lab.Mark{From: a, To: b, Label: httpMarkHdrs},
		lab.Mark{From: b, To: len(req), Label: httpMarkBlank})
}

// httpServerClosed is httpReadHead's error when the server closed before
// the end of the headers: the peer sides tell it by its type, not by its
// words.
type httpServerClosed struct{ error }

func (e httpServerClosed) Unwrap() error { return e.error }

// serverClosed says whether err is an httpServerClosed.
func serverClosed(err error) bool {
	var c httpServerClosed
	return errors.As(err, &c)
}

// httpResponse splits the client's received bytes into head lines (the
// status line first) and body.
func httpResponse(t lab.Trace) (lines []string, body []byte, length int, ok bool) {
	got := t.Calls(lab.Client, lab.OpRecv).Bytes()
	hd, err := parseHTTPHead(got)
	if err != nil {
		return nil, nil, 0, false
	}
	return append([]string{hd.status}, hd.lines...), got[hd.end:], hd.length, true
}

func httpFindings(t lab.Trace, p lab.Params) []lab.Finding {
	sent := t.Calls(lab.Client, lab.OpSendAll).Bytes()
	reqOK := bytes.HasPrefix(sent, []byte("GET "+p.String("path")+" HTTP/1.1\r\n")) && bytes.HasSuffix(sent, []byte("\r\n\r\n"))
	request := check("request", reqOK, lab.Tf(
		"the request is plain text the client wrote itself: %d bytes, every line ending in \\r\\n and an empty line at the end",
		"请求是客户端自己写出的纯文本：%d 个字节，每行以 \\r\\n 结尾，最后是一个空行", len(sent))).At("request")

	lines, body, length, ok := httpResponse(t)
	allCRLF := ok && len(lines) > 1 && strings.HasPrefix(lines[0], "HTTP/1.1 ")
	status := ""
	if allCRLF {
		status = lines[0]
	}
	head := check("delimiter", allCRLF, lab.Tf(
		"the response head is %d lines, each ended by \\r\\n, from %q on; the first empty line (\\r\\n\\r\\n) ends it: a delimiter, so the reader had to look at every byte to find it",
		"响应头有 %d 行，从 %q 开始，每行以 \\r\\n 结尾；第一个空行（\\r\\n\\r\\n）结束响应头：这是分隔符，读取方必须逐字节查找它",
		len(lines), status)).At("read-head")
	frame := check("length", ok && length >= 0 && len(body) == length && bytes.Equal(body, []byte(httpBody)) == (p.String("path") == "/"), lab.Tf(
		"Content-Length: %d framed the body: exactly %d bytes followed the blank line, then the server closed (Connection: close)",
		"Content-Length: %d 划出了正文：空行之后正好有 %d 个字节，然后服务端关闭了连接（Connection: close）",
		length, len(body))).At("body", "closed")
	if ok && length < 0 {
		frame.Text = lab.Tf("no Content-Length in this response (%q): its %d-byte body ran until the server closed, so only the close marked its end",
			"这个响应（%q）没有 Content-Length：%d 字节的正文一直持续到服务端关闭，只有关闭连接才标出了它的结尾", status, len(body))
	}
	return []lab.Finding{request, head, frame}
}

// An httpHead is the head of an HTTP response, as demo 16's client reads it.
type httpHead struct {
	status string   // the status line, such as "HTTP/1.1 200 OK"
	lines  []string // the header lines after it
	end    int      // where the body starts: after the blank line
	length int      // Content-Length, or -1 when there is none
}

// httpMaxBody is the longest body demo 16's client reads.
const httpMaxBody = 1 << 20

// errNoBlankLine says that the bytes so far hold no complete head.
var errNoBlankLine = errors.New("no blank line yet")

// parseHTTPHead reads the head of an HTTP response from the start of got:
// lines that end in "\r\n" (read with wire.ReadLine), the first of them
// the status line, up to the first empty line. Content-Length, if given,
// must be decimal digits and at most httpMaxBody; a second one must say
// the same. It returns errNoBlankLine while got holds no empty line yet.
func parseHTTPHead(got []byte) (httpHead, error) {
	h := httpHead{length: -1}
	r := bufio.NewReader(bytes.NewReader(got))
	for {
		line, err := wire.ReadLine(r, httpMaxHead)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h, errNoBlankLine
		}
		if err != nil {
			return h, lab.Errorf(lab.T("response head", "响应首部"), err)
		}
		if h.end += len(line) + 2; h.end > httpMaxHead {
			return h, lab.Errorf(lab.Tf("response head longer than %d bytes", "响应首部超过 %d 个字节", httpMaxHead), nil)
		}
		if len(line) == 0 {
			if h.status == "" {
				return h, lab.Errorf(lab.T("response head: an empty line where the status line should be", "响应首部：本该是状态行的地方是一个空行"), nil)
			}
			return h, nil
		}
		if h.status == "" {
			h.status = string(line)
			continue
		}
		h.lines = append(h.lines, string(line))
		name, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(name), "Content-Length") {
			continue
		}
		v = bytes.Trim(v, " \t")
		n, err := strconv.Atoi(string(v))
		if len(v) == 0 || len(v) > 7 || bytes.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) || err != nil || n > httpMaxBody {
			return h, lab.Errorf(lab.Tf("bad Content-Length %q: want decimal digits, at most %d", "错误的 Content-Length %q：应是十进制数字，最大 %d", clip(v), httpMaxBody), nil)
		}
		if h.length >= 0 && n != h.length {
			return h, lab.Errorf(lab.Tf("two Content-Length headers, %d and %d", "两个 Content-Length 首部，%d 和 %d", h.length, n), nil)
		}
		h.length = n
	}
}
