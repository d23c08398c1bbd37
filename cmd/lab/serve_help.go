package main

import (
	"strconv"
	"strings"

	"socketlab/demos"
	"socketlab/lab"
)

// The help texts of "lab serve" and "lab client" (commands.go lists them).
var (
	serveHelp = withPeerDemos(lab.T(`lab serve <N|slug> runs the server side of demo N for a real client: your own
Python program, nc, or "lab client N" in another terminal. It prints the
address to connect to and traces what it does, each connection tagged [c1],
[c2], …; the client's lane shows only what the lab saw arrive.

  --listen ADDR   where to listen (default 127.0.0.1:0: this machine only, any free port);
                  another address works but prints a warning
  --count N       stop after N connections (datagrams for udp); default: until Ctrl-C
  --idle DUR      hang up on a client that makes no progress for this long (default 30s)
  --max N         connections open at once (default 1024); more are closed at once, with a note
  --backlog N     listen(N): the accept queue (default: the system's maximum, net.core.somaxconn)
  --set k=v       the demo's knobs (e.g. --set framing=json for 10, --set proto=ack for 15,
                  --set hold=5000 for 13: the server waits 5 s before it reads)
  --dir DIR       file-upload: where files go (default: a new temporary folder, printed)
  --format F      text, json, md or none (quiet)
  --web[=ADDR]    also draw it in a browser, for the class: each connected peer
                  ([c1], [c2] …) a lifeline of its own, live
  --full, --show LIST, --packets, --pcap FILE, --width N, --color C, --lang L
                  as for lab run

Demos with a server side: {demos}.
Frames are limited, bad clients get a ✗ in their lane and the server keeps
serving the others.
Ctrl-C stops it, closes every socket and exits 0.
`, `lab serve <N|slug> 为真实的客户端运行演示 N 的服务端：你自己的 Python 程序、nc，
或另一个终端里的 "lab client N"。它打印要连接的地址，并记录自己的每一步，
每个连接标记为 [c1]、[c2]……；客户端那一栏只显示实验台看到到达的内容。

  --listen 地址   在哪里监听（默认 127.0.0.1:0：仅本机，任意空闲端口）；
                  其他地址也可以，但会打印警告
  --count N       服务 N 个连接后停止（udp 为数据报个数）；默认一直运行到 Ctrl-C
  --idle 时长     客户端多久没有任何进展就挂断它（默认 30s）
  --max N         同时打开的连接数上限（默认 1024）；超出的立即关闭，并附说明
  --backlog N     listen(N)：accept 队列的长度（默认：系统允许的最大值 net.core.somaxconn）
  --set k=v       演示的参数（如演示 10 的 --set framing=json，演示 15 的 --set proto=ack，
                  演示 13 的 --set hold=5000：服务端等 5 秒再开始读）
  --dir 目录      file-upload：文件存放的位置（默认：新建一个临时文件夹并打印出来）
  --format F      text、json、md 或 none（安静）
  --web[=地址]    同时在浏览器里画出来，给全班看：每个连进来的对端（[c1]、[c2]……）
                  都有自己的一条生命线，实时更新
  --full、--show 列表、--packets、--pcap 文件、--width N、--color C、--lang L
                  与 lab run 相同

有服务端的演示：{demos}。
每个帧都有大小上限，出错的客户端在自己那一栏得到 ✗，服务端继续为其他客户端服务。
Ctrl-C 停止它，关闭所有套接字，以 0 退出。
`))

	clientHelp = lab.T(`lab client <N|slug> --connect ADDR runs the client side of demo N against any
server (lab serve N, or your own) and traces it. It exits 1 and says what was
wrong when the server's answers break the demo's protocol (a bad frame, a
wrong echo, a pickle that names a callable, which is refused and never run),
with a hint that names the likely bug (a serial server for 11, a length in
the other byte order for 5, a Content-Length that counts characters for 16).

  --connect ADDR  the server, host:port (required)
  --idle DUR      give up when the server makes no progress for this long (default 30s)
  --timeout DUR   give up on an answer that has not come within this long (default 1m);
                  an answer still coming at 1 KiB/s or more is not cut
  --set k=v       the demo's knobs (e.g. --set msg=你好 for 1, --set msgs=a,b,q for 14,
                  --set call=send for 13: one send() instead of sendall())
  --format F      text, json, md or none
  --full, --show LIST, --packets, --pcap FILE, --width N, --color C, --lang L
                  as for lab run
`, `lab client <N|slug> --connect 地址 针对任意服务端（lab serve N 或你自己的）运行演示 N
的客户端并记录它。服务端的回答不符合演示的协议时（帧出错、回显不对、
pickle 里点名了可调用对象：会被拒绝，绝不执行），以 1 退出并说明哪里不对，
还会提示最可能的 bug（演示 11 的串行服务端、演示 5 的长度字节序相反、演示 16 的
Content-Length 数的是字符）。

  --connect 地址  服务端，主机:端口（必填）
  --idle 时长     服务端多久没有任何进展就放弃（默认 30s）
  --timeout 时长  一个回答在这么久之内没来就放弃（默认 1m）；
                  仍以每秒 1 KiB 以上的速度到达的回答不会被切断
  --set k=v       演示的参数（如演示 1 的 --set msg=你好，演示 14 的 --set msgs=a,b,q，
                  演示 13 的 --set call=send：只调用一次 send() 而不是 sendall()）
  --format F      text、json、md 或 none
  --full、--show 列表、--packets、--pcap 文件、--width N、--color C、--lang L
                  与 lab run 相同
`)
)

// withPeerDemos puts the catalogue's demos that have a real-peer side in
// place of {demos}: "1, 2, 3", "1、2、3".
func withPeerDemos(t lab.Text) lab.Text {
	var ids []string
	for _, id := range demos.PeerIDs() {
		ids = append(ids, strconv.Itoa(id))
	}
	t.En = strings.ReplaceAll(t.En, "{demos}", strings.Join(ids, ", "))
	t.Zh = strings.ReplaceAll(t.Zh, "{demos}", strings.Join(ids, "、"))
	return t
}
