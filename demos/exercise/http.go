package exercise

import (
	"bytes"

	"strconv"
	"strings"
	"unicode/utf8"

	"socketlab/lab"
)

// http-server (demo 16): GET answered with a correct Content-Length.

// httpBody is what GET / answers.
const httpBody = "hello, 你好\n"

func httpServer() Exercise {
	return Exercise{
		Slug: "http-server", Role: Server, Demo: 16, Proto: "tcp",
		Title: lab.T("a small HTTP server", "一个小小的 HTTP 服务端"),
		Task: lab.T(`Write the server of lesson 16: listen on TCP port LAB_PORT ({port}); read a
request head up to the empty line ("\r\n\r\n"), however it is cut into recv()s;
answer GET / with "HTTP/1.1 200 OK" and the body "hello, 你好\n", any other
path with "404 Not Found" and a short body. Every response has a
Content-Length equal to its body's length in bytes. Keep the connection for
the next request, unless the client sent "Connection: close": then close it.

  lab sends   GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n
  you answer  HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nhello, 你好\n
              (14: "你好" is 6 bytes of UTF-8)`,
			`写出第 16 课的服务端：在 TCP 端口 LAB_PORT（{port}）上监听；读请求头，一直读到空行（"\r\n\r\n"），
不管它被切成几次 recv()；对 GET / 回答 "HTTP/1.1 200 OK" 和正文 "hello, 你好\n"，其他路径回答
"404 Not Found" 和一段简短的正文。每个响应都带 Content-Length，等于正文的字节数。
连接保留给下一个请求，除非客户端发来了 "Connection: close"：那就关闭它。

  实验台发送  GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n
  你的回答    HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nhello, 你好\n
              （14："你好" 在 UTF-8 里是 6 个字节）`),
		Cases: []Case{
			{ID: "plain", Name: lab.T("lab client 16: GET requests kept alive, then Connection: close", "lab client 16：保持连接的几个 GET 请求，然后 Connection: close"),
				Hint: lab.T("answer \"HTTP/1.1 200 OK\\r\\n\" + \"Content-Length: n\\r\\n\" + \"\\r\\n\" + body, with n the body's length in bytes, not characters, and close after a request with Connection: close",
					"回答 \"HTTP/1.1 200 OK\\r\\n\" + \"Content-Length: n\\r\\n\" + \"\\r\\n\" + 正文，n 是正文的字节数；收到带 Connection: close 的请求后关闭连接"),
				Client: func(t *T) error { return t.Peer(16) }},
			{ID: "body", Name: lab.T(`GET / with Connection: close: the body "hello, 你好\n", 14 bytes`, `带 Connection: close 的 GET /：正文 "hello, 你好\n"，14 个字节`),
				Hint: lab.T("Content-Length counts bytes, not characters: len(body.encode('utf-8')); every response needs one, or the client cannot tell where the body ends",
					"Content-Length 数的是字节，不是字符：len(body.encode('utf-8'))；每个响应都要有它，否则客户端不知道正文在哪里结束"),
				Client: httpCase(httpReq{path: "/", close: true, status: 200, body: httpBody})},
			{ID: "sliced", Name: lab.T("the request head in 1-byte sends, each read before the next", "请求头拆成 1 字节一次发送，每片读走后再发下一片"),
				Hint:   lab.T("one recv() is not one request: keep reading until the head ends with \\r\\n\\r\\n", "一次 recv() 不是一个请求：一直读，直到请求头以 \\r\\n\\r\\n 结束"),
				Client: httpCase(httpReq{path: "/", close: true, sliced: true, status: 200, body: httpBody})},
			{ID: "not-found", Name: lab.T("GET /nothing/here", "GET /nothing/here"),
				Hint:   lab.T("answer a path you do not serve with \"HTTP/1.1 404 Not Found\" and a Content-Length", "对你不提供的路径回答 \"HTTP/1.1 404 Not Found\"，并带上 Content-Length"),
				Client: httpCase(httpReq{path: "/nothing/here", close: true, status: 404})},
			{ID: "keep-alive", Name: lab.T("GET /, /missing and / on one connection", "一个连接上依次 GET /、/missing、/"),
				Hint: lab.T("after a response keep reading the same connection: the next request comes on it (each response needs its Content-Length)",
					"回答之后继续读同一个连接：下一个请求就从这里来（每个响应都要有 Content-Length）"),
				Client: httpCase(httpReq{path: "/", status: 200, body: httpBody}, httpReq{path: "/missing", status: 404}, httpReq{path: "/", close: true, status: 200, body: httpBody})},
			{ID: "merged", Name: lab.T("two requests in one send", "两个请求在一次 send 里"),
				Hint:   lab.T("a recv() may hold more than one request: split at \\r\\n\\r\\n and keep the rest for the next", "一次 recv() 里可能有不止一个请求：在 \\r\\n\\r\\n 处切开，剩下的留给下一个"),
				Client: httpCase(httpReq{path: "/", status: 200, body: httpBody, merged: true}, httpReq{path: "/", close: true, status: 200, body: httpBody})},
			{ID: "leaves", Name: lab.T(`a client sends "GET / HT" and leaves; then GET /`, `一个客户端发出 "GET / HT" 就走了；然后 GET /`),
				Hint: lab.T("when recv() returns b'' the client has gone: stop reading that connection, close it and accept() the next",
					"recv() 返回 b'' 表示客户端走了：不要再读这个连接，关闭它，accept() 下一个"),
				Client: func(t *T) error {
					c, err := t.Dial()
					if err != nil {
						return err
					}
					c.SendAll([]byte("GET / HT"))
					c.Close()
					return afterOther(httpCase(httpReq{path: "/", close: true, status: 200, body: httpBody})(t))
				}},
		},
	}
}

type httpReq struct {
	path   string
	close  bool // Connection: close, and the server must close after
	sliced bool
	merged bool // sent with the next request in one send
	status int
	body   string // "" = any
}

func (r httpReq) bytes() []byte {
	s := "GET " + r.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: lab-check\r\n"
	if r.close {
		s += "Connection: close\r\n"
	}
	return []byte(s + "\r\n")
}

// httpCase sends the requests on one connection and checks each response.
func httpCase(reqs ...httpReq) func(*T) error {
	return func(t *T) error {
		c, err := t.Dial()
		if err != nil {
			return err
		}
		defer c.Close()
		for i := 0; i < len(reqs); i++ {
			r := reqs[i]
			sent := r.bytes()
			switch {
			case r.merged && i+1 < len(reqs):
				sent = append(sent, reqs[i+1].bytes()...)
				err = c.SendAll(sent)
			case r.sliced:
				err = sendSliced(c, sent, 1)
			default:
				err = c.SendAll(sent)
			}
			if err != nil {
				return err
			}
			n := 1
			if r.merged && i+1 < len(reqs) {
				n = 2
			}
			for k := range n {
				if err := httpResponse(c, sent, reqs[i+k]); err != nil {
					return err
				}
			}
			i += n - 1
		}
		return c.Close()
	}
}

// httpResponse reads one response and checks its status, Content-Length,
// body and, after Connection: close, the close.
func httpResponse(c *lab.Conn, sent []byte, r httpReq) error {
	var head []byte
	for !bytes.Contains(head, []byte("\r\n\r\n")) {
		b, err := c.Recv(1)
		if err != nil || len(b) == 0 {
			return &Mismatch{What: lab.Tf("the response head did not end with \\r\\n\\r\\n (%v)", "响应头没有以 \\r\\n\\r\\n 结束（%v）", orEOF(err)), Sent: sent, Got: head}
		}
		if head = append(head, b...); len(head) > 16<<10 {
			return &Mismatch{What: lab.T("a response head longer than 16 KiB", "响应头超过了 16 KiB"), Sent: sent, Got: head}
		}
	}
	lines := strings.Split(string(head[:bytes.Index(head, []byte("\r\n\r\n"))]), "\r\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") || f[1] != strconv.Itoa(r.status) {
		return &Mismatch{What: lab.Tf("the status line is %q, want status %d", "状态行是 %q，应当是状态码 %d", lines[0], r.status), Sent: sent, Got: head}
	}
	length := -1
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if length < 0 || length > 1<<20 {
		return &Mismatch{What: lab.T("the response has no Content-Length: the client cannot tell where the body ends", "响应没有 Content-Length：客户端不知道正文在哪里结束"), Sent: sent, Got: head,
			Hint: lab.T("add \"Content-Length: n\\r\\n\" to every response head, n the body's length in bytes", "在每个响应头里加上 \"Content-Length: n\\r\\n\"，n 是正文的字节数")}
	}
	if r.body != "" && length != len(r.body) && length == utf8.RuneCountInString(r.body) {
		return &Mismatch{What: lab.Tf("Content-Length is %d: the body has %d characters but %d bytes", "Content-Length 是 %d：正文有 %d 个字符，却是 %d 个字节", length, length, len(r.body)),
			Sent: sent, Want: []byte(r.body), Got: head,
			Hint: lab.T("Content-Length counts bytes, not characters: len(body.encode('utf-8'))", "Content-Length 数的是字节，不是字符：len(body.encode('utf-8'))")}
	}
	body, err := readN(c, length)
	if err != nil {
		return &Mismatch{What: lab.Tf("the body ended after %d of %d bytes (%v)", "正文在 %d / %d 个字节之后就结束了（%v）", len(body), length, err), Sent: sent, Got: append(head, body...)}
	}
	if r.body != "" && string(body) != r.body {
		return &Mismatch{What: lab.T("the body is not the one asked for", "正文不是要求的那个"), Sent: sent, Want: []byte(r.body), Got: body}
	}
	if r.close {
		if b, err := c.Recv(1024); err != nil || len(b) > 0 {
			return &Mismatch{What: lab.Tf("after a response to Connection: close your server did not close (%v)", "回答了 Connection: close 的请求之后，你的服务端没有关闭连接（%v）", orEOF(err)), Sent: sent, Got: b,
				Hint: lab.T("close the connection after answering a request with Connection: close", "回答带 Connection: close 的请求之后要关闭连接")}
		}
	}
	return nil
}

func orEOF(err error) any {
	if err == nil {
		return "EOF"
	}
	return err
}
