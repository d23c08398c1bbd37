package render

import "socketlab/lab"

// LegendLine is one sign of the trace and what it means.
type LegendLine struct {
	Sign string
	Text string
}

// legend is what every sign of the text trace means: `lab help trace`
// prints it, and it ends every Markdown export.
var legend = []struct {
	sign string
	text lab.Text
}{
	{"ms", lab.T("the time column: milliseconds since the run began, without the time the lab waited for you (step mode, --slow)",
		"时间栏：从运行开始算起的毫秒数，不含实验台等你的时间（单步模式、--slow）")},
	{"#3", lab.T("socket number 3: every socket the run opens gets the next number, a listening socket and each accepted one too",
		"3 号套接字：运行中打开的每个套接字依次编号，监听套接字和每个 accept 得到的套接字也各有编号")},
	{"──▶ ◀──", lab.T("which way the bytes of a send or recv travel between client and server",
		"send 或 recv 的字节在客户端和服务端之间流动的方向")},
	{"①", lab.T("a key call: the finding marked ① in \"What happened\" is about it",
		"关键调用：\"发生了什么\"中标着 ① 的结论说的就是它")},
	{"══▶", lab.T("the arrow of a key call", "关键调用的箭头")},
	{"b'…'", lab.T("the bytes as Python prints them; cut with … when the lane is too narrow (--full shows all)",
		"按 Python 的写法显示的字节；栏太窄时用 … 截断（--full 显示全部）")},
	{"utf-8:", lab.T("the same bytes decoded as UTF-8, as print(data.decode(errors='replace')) would show them; � is a broken character",
		"同样的字节按 UTF-8 解码，就像 print(data.decode(errors='replace')) 显示的那样；� 是残缺的字符")},
	{"0010  68 65 …  |he…|", lab.T("hex rows: the stream offset of the row, the bytes in hex, the printable ones as text",
		"十六进制行：本行在字节流中的偏移、十六进制的字节、其中可打印的字符")},
	{"[header: 4 bytes]", lab.T("a labelled part of one call's bytes, such as a length header apart from its payload",
		"一次调用中带标签的一部分字节，例如与数据分开的长度报头")},
	{"── [SYN] ──▶", lab.T("a packet on the wire (--packets): its TCP flags, sequence and acknowledgement numbers counted from each end's first, the bytes it carried and the window it offered, drawn under the call that sent it",
		"线路上的一个报文段（--packets）：它的 TCP 标志、从各自第一个字节算起的序号和确认号、携带的字节数和通告的窗口，画在发出它的调用下面")},
	{"≈ TCP_INFO", lab.T("without the right to capture packets: what the kernel's TCP_INFO says changed around a call (the state, the segments)",
		"没有抓包权限时：内核的 TCP_INFO 报告的一次调用前后的变化（状态、报文段数）")},
	{"»", lab.T("a note of the program in that lane: what it just did, or why", "该栏程序的说明：它刚做了什么，或者为什么")},
	{"ℹ", lab.T("a note of the lab across both lanes", "实验台横跨两栏的说明")},
	{"[c2]", lab.T("one of several programs on one side: the second client, or the server's handler of its second connection",
		"同一侧的多个程序之一：第二个客户端，或服务端处理第二个连接的代码")},
	{"⋯", lab.T("like calls folded into one line: how many, how many bytes, and their seqs in the JSON trace (--full lists them)",
		"折叠成一行的同类调用：多少次、多少字节，以及它们在 JSON 跟踪中的 seq（--full 逐一列出）")},
	{"✂", lab.T("a datagram cut short: it was longer than the buffer, the rest is lost", "被截断的数据报：它比缓冲区长，其余部分丢失")},
	{"✗", lab.T("a call that failed (with the exception Python raises), or a finding that did not hold",
		"失败的调用（附 Python 抛出的异常），或不成立的结论")},
	{"✓", lab.T("a finding that held: the lab checked it from the trace", "成立的结论：实验台根据跟踪记录检查过")},
}

// Legend returns what every sign of the trace means, in language l.
func Legend(l lab.Lang) []LegendLine {
	out := make([]LegendLine, len(legend))
	for i, g := range legend {
		out[i] = LegendLine{Sign: g.sign, Text: g.text.In(l)}
	}
	return out
}
