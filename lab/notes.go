package lab

// genericNote explains a call when the demo has no note of its own.
func genericNote(op Op) Text {
	switch op {
	case OpSocket:
		return T("socket(): make a new socket. AF_INET: IPv4 addresses; SOCK_STREAM: TCP (SOCK_DGRAM would be UDP).",
			"socket()：创建一个新的套接字。AF_INET：IPv4 地址；SOCK_STREAM：TCP（SOCK_DGRAM 则是 UDP）。")
	case OpBind:
		return T("bind(): give the socket its own address (IP and port).",
			"bind()：给套接字一个自己的地址（IP 和端口）。")
	case OpListen:
		return T("listen(): the socket starts accepting connections into a queue.",
			"listen()：套接字开始把连接请求放进队列。")
	case OpAccept:
		return T("accept(): wait for a client; returns a new socket just for that client.",
			"accept()：等待客户端连接，返回一个专门服务该客户端的新套接字。")
	case OpConnect:
		return T("connect(): open a TCP connection to the server (the three-way handshake).",
			"connect()：向服务端发起 TCP 连接（三次握手）。")
	case OpSend:
		return T("send(): hand bytes to the kernel; it may take fewer than offered.",
			"send()：把字节交给内核；它可能只收下一部分。")
	case OpSendAll:
		return T("sendall(): hand all the bytes to the kernel, looping until done.",
			"sendall()：把全部字节交给内核，循环直到发完。")
	case OpRecv:
		return T("recv(n): wait for bytes; returns at most n, or empty when the peer closed.",
			"recv(n)：等待数据；最多返回 n 个字节，对方关闭时返回空。")
	case OpSendTo:
		return T("sendto(): send one datagram to an address; no connection needed.",
			"sendto()：向一个地址发送一个数据报，不需要连接。")
	case OpRecvFrom:
		return T("recvfrom(n): wait for one datagram and learn who sent it.",
			"recvfrom(n)：等待一个数据报，并得知发送者的地址。")
	case OpClose:
		return T("close(): release the socket; a TCP peer then reads EOF.",
			"close()：释放套接字；TCP 对端随后读到 EOF。")
	case OpShutdown:
		return T("shutdown(): close one direction of the connection.",
			"shutdown()：关闭连接的一个方向。")
	case OpSetOpt:
		return T("setsockopt(): change a socket option.",
			"setsockopt()：修改套接字选项。")
	case OpSelect:
		return T("selectors: one thread watches several sockets; select() waits until at least one of them is ready.",
			"selectors：一个线程同时盯着多个套接字；select() 一直等到其中至少一个就绪。")
	}
	return T("the next socket call.", "下一个套接字调用。")
}
