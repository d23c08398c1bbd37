package exercise

import (
	"bytes"
	"fmt"
	"strings"

	"socketlab/demos"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// reader-client (demo 3): read one message until EOF, decode at the end;
// objects-client (demo 7): read the 10-character header and its pickle.

func readerClient() Exercise {
	msg := demos.SmallBufferMessage()
	// Larger than any one recv() returns, small enough that a recv(7) loop
	// that adds bytes to bytes (quadratic) still ends in time.
	big := strings.Repeat("small pieces, 小块. ", 6000) // 132 KB
	return Exercise{
		Slug: "reader-client", Role: Client, Demo: 3, Proto: "tcp",
		Title: lab.T("a client that reads a message until EOF", "一直读到 EOF 的客户端"),
		Task: lab.T(`Write the client of lesson 3: connect to LAB_HOST:LAB_PORT ({host} {port}); the
lab sends one message and closes. Read with a small buffer (recv(7), say) until
recv() returns b'', then decode the whole message as UTF-8 and print it with one
print(). Your stdout must be exactly the message and "\n".

  lab sends   e4 bd a0 e5 a5 bd ef bc 8c e4 b8 96 e7 95 8c   "你好，世界", then closes
  you print   你好，世界\n`,
			`写出第 3 课的客户端：连接 LAB_HOST:LAB_PORT（{host} {port}）；实验台发送一条消息后关闭。
用小缓冲区（比如 recv(7)）一直读，直到 recv() 返回 b''，然后把整条消息按 UTF-8 解码，用一次 print() 打印。
你的标准输出必须正好是这条消息加 "\n"。

  实验台发送  e4 bd a0 e5 a5 bd ef bc 8c e4 b8 96 e7 95 8c   "你好，世界"，然后关闭
  你打印      你好，世界\n`),
		Cases: []Case{
			{ID: "plain", Name: lab.Tf("lab serve 3 sends %q", "lab serve 3 发送 %q", msg),
				Hint: lab.T("loop on recv() until it returns b'' (if not data: break), collect the bytes, and print the whole message once",
					"循环 recv()，直到它返回 b''（if not data: break），把字节攒起来，最后把整条消息打印一次"),
				Peer: 3, Want: msg + "\n"},
			{ID: "sliced", Name: lab.T(`"你好，世界" in 1-byte sends, each read before the next`, `"你好，世界" 拆成 1 字节一次发送，每片读走后再发下一片`),
				Hint: lab.T("the message came over several recv() calls, and a 3-byte character with it: loop until recv returns b'', keep the bytes, and decode after the whole message, not each recv()",
					"消息分几次 recv() 才到齐，3 个字节的汉字也被分开了：循环直到 recv 返回 b''，把字节存起来，整条消息到齐之后再 decode，不要每次 recv() 都解码"),
				Serve: sendMessage([]byte("你好，世界"), 1), Want: "你好，世界\n"},
			{ID: "big", Name: lab.T("132 KB, then close", "132 KB，然后关闭"),
				Hint: lab.T("one recv() returns what has arrived, not the whole message: loop until recv returns b''",
					"一次 recv() 只返回已经到达的部分，不是整条消息：循环，直到 recv() 返回 b''"),
				Serve: sendMessage([]byte(big), 0), Want: big + "\n"},
			{ID: "slow", Name: lab.T("the message in 5-byte pieces, each read before the next", "消息拆成 5 字节一片，每片读走后再发下一片"),
				Hint: lab.T("do not stop at the first short recv(): only b'' means the server has closed",
					"不要在第一次收到的字节少时就停下：只有 b'' 才表示服务端已经关闭"),
				Serve: sendMessage([]byte(msg), 5), Want: msg + "\n"},
		},
	}
}

// sendMessage sends msg (in pieces of slice bytes, or at once) and closes.
func sendMessage(msg []byte, slice int) func(*T, *lab.Conn) error {
	return func(t *T, c *lab.Conn) error {
		if slice > 0 {
			return sendSliced(c, msg, slice)
		}
		return c.SendAll(msg)
	}
}

func objectsClient() Exercise {
	obj := demos.ObjectValue()
	big := map[string]any{"blob": strings.Repeat("x", 60000), "id": int64(7), "ok": false}
	small := map[string]any{"a": int64(1)}
	repr := func(v any) string { return wire.PyRepr(v, 1<<20) + "\n" }
	return Exercise{
		Slug: "objects-client", Role: Client, Demo: 7, Proto: "tcp",
		Title: lab.T("a client that receives a pickled object", "接收 pickle 对象的客户端"),
		Task: lab.T(`Write the client of lesson 7: connect to LAB_HOST:LAB_PORT ({host} {port}); the
lab sends a 10-character text header (the length in decimal, left-aligned,
padded with spaces: f"{len(msg):<10}") and then the pickle, and closes. Read
exactly 10 bytes, then exactly that many more; unpickle with an Unpickler
whose find_class refuses every global (never plain pickle.loads on network
bytes), and print() the object: your stdout is exactly its repr and "\n".

  lab sends   31 34 20 20 20 20 20 20 20 20  80 04 95 …   "14        " + 14 bytes of pickle
  you print   {'a': 1}\n`,
			`写出第 7 课的客户端：连接 LAB_HOST:LAB_PORT（{host} {port}）；实验台先发送 10 个字符的文本报头
（十进制长度，左对齐，用空格补齐：f"{len(msg):<10}"），再发送 pickle 数据，然后关闭。
正好读 10 个字节，再正好读那么多字节；用一个 find_class 拒绝一切全局名的 Unpickler 解码
（绝不对网络上来的字节直接用 pickle.loads），然后 print() 这个对象：你的标准输出正好是它的 repr 加 "\n"。

  实验台发送  31 34 20 20 20 20 20 20 20 20  80 04 95 …   "14        " + 14 字节的 pickle
  你打印      {'a': 1}\n`),
		Cases: []Case{
			{ID: "plain", Name: lab.T("lab serve 7 sends its object", "lab serve 7 发送它的对象"),
				Hint: lab.T("read exactly 10 header bytes, int() them, then loop until all the pickle's bytes are there, and print the unpickled object",
					"正好读 10 个报头字节并用 int() 转换，然后循环接收，直到 pickle 的字节全部到齐，再打印解码出的对象"),
				Peer: 7, Sets: []string{"codec=pickle"}, Want: repr(obj)},
			{ID: "sliced", Name: lab.T("the header and the pickle in 3-byte pieces, each read before the next", "报头和 pickle 拆成 3 字节一片，每片读走后再发下一片"),
				Hint: lab.T("the 10-byte header came in pieces: a single recv(10) got only part of it; loop until you have all 10 bytes of the header, then until all n bytes of the pickle are there",
					"10 字节的报头是分几片到达的：一次 recv(10) 只拿到一部分；循环接收，直到报头的 10 个字节全部到齐，然后直到 pickle 的 n 个字节全部到齐"),
				Serve: sendObject(obj, 3), Want: repr(obj)},
			{ID: "big", Name: lab.T("an object of 60 KB", "一个 60 KB 的对象"),
				Hint: lab.T("one recv(1024) or recv(n) returns what has arrived, not the whole pickle: keep reading until all n bytes are there",
					"一次 recv(1024) 或 recv(n) 只返回已经到达的部分，不是整个 pickle：一直读到 n 个字节全部到齐"),
				Serve: sendObject(big, 0), Want: repr(big)},
			{ID: "slow", Name: lab.T("{'a': 1} one byte at a time, each read before the next", "{'a': 1} 一次一个字节，每片读走后再发下一片"),
				Hint: lab.T("keep reading until you have all 10 bytes of the header (a first recv() may bring one), then until all n bytes",
					"一直读，直到报头的 10 个字节全部到齐（第一次 recv() 可能只带来一个），然后直到 n 个字节全部到齐"),
				Serve: sendObject(small, 1), Want: repr(small)},
			{ID: "callable", Name: lab.T("a pickle that names a callable (builtins.print): it must not run", "一个点名了可调用对象（builtins.print）的 pickle：绝不能运行它"),
				Hint: lab.T("pickle.loads on bytes from the network runs whatever callable they name: unpickle with a pickle.Unpickler whose find_class raises for every global",
					"对网络上来的字节用 pickle.loads，会运行它们点名的任何可调用对象：用一个 find_class 对一切全局名都抛出异常的 pickle.Unpickler 来解码"),
				Serve: sendMessage(append([]byte(fmt.Sprintf("%-10d", len(evilPickle))), evilPickle...), 0),
				Judge: func(out []byte) error {
					if bytes.Contains(out, []byte(evilMarker)) {
						return &Mismatch{What: lab.T("your client ran the callable the pickle named: it printed the lab's marker", "你的客户端运行了 pickle 点名的可调用对象：它打印出了实验台的标记"),
							Sent: evilPickle, Got: out}
					}
					return nil
				}},
		},
	}
}

// evilPickle names builtins.print (harmless, and visible on stdout): a
// client that runs pickle.loads on it prints the marker.
const evilMarker = "lab check: pickle.loads ran print()"

var evilPickle = []byte("cbuiltins\nprint\n(S'" + evilMarker + "'\ntR.")

// sendObject sends v as a pickle behind the 10-character header and closes.
func sendObject(v any, slice int) func(*T, *lab.Conn) error {
	return func(t *T, c *lab.Conn) error {
		body, err := wire.AppendPickle(nil, v)
		if err != nil {
			return err
		}
		msg, err := wire.AppendText(nil, len(body))
		if err != nil {
			return err
		}
		return sendMessage(append(msg, body...), slice)(t, c)
	}
}
