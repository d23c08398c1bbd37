package render

import (
	"embed"

	"socketlab/lab"
)

// The scripts and styles the HTML export inlines and the web page serves:
// detail.js draws the detail of a clicked row (text nodes only), view.css
// styles the diagram, the findings, the lesson and the detail panel.
//
//go:embed assets
var assets embed.FS

// Asset returns one of the files in assets/ (detail.js, view.css,
// export.js).
func Asset(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic("render: no asset " + name) // the names are fixed in this package and the web server
	}
	return b
}

// uiStrings are the words of the detail panel and the HTML export, by the
// key the scripts use.
var uiStrings = map[string]lab.Text{
	"detail.side":      lab.T("side", "角色"),
	"detail.time":      lab.T("time (ms)", "时间（毫秒）"),
	"detail.socket":    lab.T("socket", "套接字"),
	"detail.call":      lab.T("call", "调用"),
	"detail.step":      lab.T("step", "步骤"),
	"detail.key":       lab.T("a key call: the findings with its marker are about it", "关键调用：带有它的标记的结论说的就是它"),
	"detail.local":     lab.T("this end", "本端地址"),
	"detail.peer":      lab.T("other end", "对端地址"),
	"detail.asked":     lab.T("bytes asked", "请求的字节数"),
	"detail.got":       lab.T("bytes done", "完成的字节数"),
	"detail.offset":    lab.T("stream offset", "在字节流中的偏移"),
	"detail.trunc":     lab.T("cut: the datagram was longer, the rest is lost (MSG_TRUNC)", "被截断：数据报更长，其余部分丢失（MSG_TRUNC）"),
	"detail.error":     lab.T("error", "错误"),
	"detail.text":      lab.T("text", "内容"),
	"detail.parts":     lab.T("parts", "组成部分"),
	"detail.repr":      lab.T("bytes (as Python prints them)", "字节（按 Python 的写法）"),
	"detail.utf8":      lab.T("as UTF-8", "按 UTF-8 解码"),
	"detail.hex":       lab.T("hex (stream offset, bytes, text)", "十六进制（偏移、字节、文字）"),
	"detail.more":      lab.T("… %d more bytes: the JSON trace (--format json) has every byte", "… 还有 %d 个字节：JSON 跟踪（--format json）里有每一个字节"),
	"detail.empty":     lab.T("b'' (no bytes)", "b''（没有字节）"),
	"detail.packet":    lab.T("packet", "报文段"),
	"detail.flags":     lab.T("flags", "标志"),
	"detail.seq":       lab.T("seq (relative)", "序号（相对）"),
	"detail.ack":       lab.T("ack (relative)", "确认号（相对）"),
	"detail.len":       lab.T("payload bytes", "数据字节数"),
	"detail.win":       lab.T("window", "窗口"),
	"detail.opts":      lab.T("options", "选项"),
	"detail.state":     lab.T("TCP state", "TCP 状态"),
	"detail.route":     lab.T("from → to", "从 → 到"),
	"detail.close":     lab.T("close", "关闭"),
	"detail.none":      lab.T("this row is no longer kept: the JSON trace has it", "这一行已不再保留：JSON 跟踪里有它"),
	"detail.hint":      lab.T("Click a call in the diagram to see its bytes and hex.", "点击图中的一次调用，查看它的字节和十六进制。"),
	"view.findings":    lab.T("What happened", "发生了什么"),
	"view.lesson":      lab.T("Lesson", "讲解"),
	"view.diagram":     lab.T("Sequence diagram", "时序图"),
	"view.exported":    lab.T("exported by Socket Lab: works offline, from disk", "由 Socket Lab 导出：离线可用，直接从磁盘打开"),
	"view.language":    lab.T("Language", "语言"),
	"lang.en":          lab.T("English", "English"),
	"lang.zh":          lab.T("中文", "中文"),
	"view.no-findings": lab.T("The findings come when the run ends.", "运行结束后才有结论。"),
}

// UIStrings are the words of the detail panel and the export in language
// l, plus more (the web page's own), keyed for the scripts.
func UIStrings(l lab.Lang, more map[string]lab.Text) map[string]string {
	out := map[string]string{}
	for k, t := range uiStrings {
		out[k] = t.In(l)
	}
	for k, t := range more {
		out[k] = t.In(l)
	}
	return out
}
